// `identify` on an already identified socket (protocol.md §1.6, last paragraph). The original
// re-ran the whole handshake and double-subscribed the socket (duplicate broadcasts). Here it is
// answered without side effects: the same agent with a valid token gets `identified` again; a
// bad token gets the usual errors; another agent_id on this socket is refused with
// `already_identified` (a socket belongs to one agent; reconnect to switch).
import { errorFrame, identifiedFrame, type IdentifyMessage } from '../../protocol'
import { verifyToken } from '../http/auth-guard'
import type { FrameContext } from './frame-context'

export async function reidentifyReply(ctx: FrameContext, message: IdentifyMessage): Promise<object> {
  const principal = await verifyToken(ctx.hub, message.token)
  if (principal === null) return errorFrame('invalid_token')
  if (principal.agent_id !== message.agent_id) return errorFrame('token_agent_mismatch')
  if (message.agent_id !== ctx.agentId) return { type: 'error', error: 'already_identified' }
  return identifiedFrame(ctx.agentId)
}
