// The seam between the /ws frame pipeline (parse → validate → identify gate → rate check) and
// the per-type handlers. A handler returns the reply frame, or null when the type has none.
import type { HubContext } from '../hub-context'
import type { InboundWsMessage, WsType } from '../../protocol'

export interface FrameContext {
  readonly hub: HubContext
  /** Set once identify succeeded on this connection. */
  readonly agentId: string
  /** Unique per connection; a newer connection for the same agent has a different one. */
  readonly sessionId: string
  /** The socket's remote address (e.g. `register_local`'s `peer_address`). */
  readonly remoteIp: string
  /** Role of the token the agent identified with. */
  readonly role: 'agent' | 'admin'
  /** Sends a frame on this connection now (for pushes that precede the reply). */
  send(frame: object): void
}

export type FrameHandler<T extends WsType = WsType> = (
  ctx: FrameContext,
  message: Extract<InboundWsMessage, { type: T }>,
) => Promise<object | null> | object | null

export type FrameHandlers = { [T in WsType]?: FrameHandler<T> }
