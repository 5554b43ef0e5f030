// The session actor `agent:<agent_id>` (ARCHITECTURE.md §4, CONTRACTS.md): the hub's side of one
// identified sidecar. Its init runs the identify handshake from the FSM step on (protocol.md
// §1.6 steps 3–9), so pushes cast to it meanwhile (a `task_assign` from the first scheduling
// pass) wait in its mailbox and always follow `identified`. Afterwards it runs the identified
// part of the /ws pipeline — rate check, dispatch, reply — one frame at a time, in order, and
// forwards bus events (presence, broadcasts, channels) as pushes.
//
// Started by the endpoint under the `sessions` DynamicSupervisor (restart temporary): a session
// lives exactly as long as its socket. When it ends it tells `agents` (agent_disconnected with
// its session_id, so the task is reclaimed) and leaves presence — unless a newer connection
// replaced it, or the hub is shutting down (tasks stay assigned across a restart).
import { Actor, isNormalExit, type ExitReason, type SystemInfo } from '../../../actors/runtime'
import { ACTOR, TOPIC, channelTopic } from '../../../actors/names'
import type { PresenceEvent } from '../../../actors/presence'
import {
  CLOSE,
  agentJoinedPush,
  agentLeftPush,
  channelAgentJoinedPush,
  channelMessagePush,
  errorFrame,
  identifiedFrame,
  messagePush,
  statusChangedPush,
  type IdentifyMessage,
  type InboundWsMessage,
  type StoredMessage,
} from '../../protocol'
import type { HubContext } from '../hub-context'
import type { FrameContext, FrameHandler, FrameHandlers } from './frame-context'
import type { FrameHooks } from './frame-hooks'
import { reidentifyReply } from './reidentify'
import type { SocketPort } from './socket-port'

export interface SessionArgs {
  hub: HubContext
  socket: SocketPort
  agentId: string
  sessionId: string
  role: 'agent' | 'admin'
  /** The socket's remote address. */
  remoteIp: string
  identify: IdentifyMessage
  handlers: FrameHandlers
  hooks: FrameHooks
}

export type SessionCast =
  /** CONTRACTS.md: send a frame on the socket (e.g. `task_assign`). */
  | { type: 'push'; frame: object }
  /** CONTRACTS.md: close the socket. With `session_id`, only if it is this session's. */
  | { type: 'close'; code: number; reason: string; session_id?: string }
  /** CONTRACTS.md: attach / detach live delivery of a channel. */
  | { type: 'join_channel'; channel: string }
  | { type: 'leave_channel'; channel: string }
  /** From the endpoint: one validated frame of this connection, in arrival order. */
  | { type: 'frame'; message: InboundWsMessage; request_id: string }
  /** From the endpoint: the socket is gone. `quiet` (hub shutdown): no goodbye, tasks stay assigned. */
  | { type: 'socket_closed'; code: number; reason: string; quiet?: boolean }

export type SessionCall =
  /** A newer connection identified as this agent: close 1000, stop without a goodbye. */
  { type: 'replaced' }

export type SessionInfo = SystemInfo

/** The `agents` reply to agent_connected. */
interface AgentConnectedReply {
  fsm_state: string
}

const GOODBYE_TIMEOUT_MS = 2000

/**
 * A bus event reaches every session as the same object, and most pushes built from it are the
 * same for every recipient: serialise each once, not once per socket (an agent_joined among
 * 10,000 connected agents is 10,000 identical frames).
 */
const sharedPushTexts = new WeakMap<object, string>()

export function sharedPushText(event: object, build: () => object): string {
  let text = sharedPushTexts.get(event)
  if (text === undefined) {
    text = JSON.stringify(build())
    sharedPushTexts.set(event, text)
  }
  return text
}

export class SessionActor extends Actor<SessionCall, SessionCast, never, SessionArgs> {
  private hub!: HubContext
  private socket!: SocketPort
  private agentId = ''
  private sessionId = ''
  private role: 'agent' | 'admin' = 'agent'
  private remoteIp = ''
  private handlers: FrameHandlers = {}
  private hooks!: FrameHooks
  private frameContext!: FrameContext
  private readonly channels = new Set<string>()
  /** Set when the goodbye must not happen (replaced, hub shutdown). */
  private quietExit = false
  private closeReason = 'socket_closed'

  override async init(args: SessionArgs): Promise<void> {
    this.hub = args.hub
    this.socket = args.socket
    this.agentId = args.agentId
    this.sessionId = args.sessionId
    this.role = args.role
    this.remoteIp = args.remoteIp
    this.handlers = args.handlers
    this.hooks = args.hooks
    this.frameContext = {
      hub: this.hub,
      agentId: this.agentId,
      sessionId: this.sessionId,
      remoteIp: this.remoteIp,
      role: this.role,
      send: (frame) => void this.send(frame),
    }
    const id = args.identify
    // §1.6 steps 3–4: the agent's FSM (resumes a task the queue still holds for it)
    const agents = this.ctx.system.whereis(ACTOR.agents)
    if (agents) {
      await agents.call<AgentConnectedReply>({
        type: 'agent_connected',
        agent_id: this.agentId,
        name: id.name ?? this.agentId,
        capabilities: id.capabilities ?? [],
        session_id: this.sessionId,
        ollama_url: id.ollama_url ?? null,
      })
    }
    // step 5 happened when this actor registered as agent:<id>. Step 6: presence + agent_joined
    await this.ctx.system.byName(ACTOR.presence).call({
      type: 'join',
      agent: { agent_id: this.agentId, name: id.name, status: id.status, capabilities: id.capabilities },
      session_id: this.sessionId,
    })
    // step 7: broadcasts, presence events, member channels
    this.ctx.subscribe(TOPIC.presence)
    this.ctx.subscribe(TOPIC.messages)
    for (const channel of await this.memberChannels()) this.joinChannel(channel)
    // step 8 [v1.2]: the agent's own Ollama becomes an LLM endpoint
    if (id.ollama_url) this.registerOllama(id.ollama_url)
    // step 9: always the first frame after a successful identify
    this.send(identifiedFrame(this.agentId))
  }

  override async handleCall(msg: SessionCall): Promise<string> {
    if (msg?.type === 'replaced') {
      this.quietExit = true
      this.socket.close(CLOSE.replaced.code, CLOSE.replaced.reason)
      this.ctx.stop('normal')
    }
    return 'ok'
  }

  override async handleCast(msg: SessionCast): Promise<void> {
    switch (msg?.type) {
      case 'push':
        this.send(msg.frame)
        return
      case 'close':
        if (msg.session_id !== undefined && msg.session_id !== this.sessionId) return
        this.closeReason = msg.reason
        this.socket.close(msg.code, msg.reason)
        return
      case 'join_channel':
        this.joinChannel(msg.channel)
        return
      case 'leave_channel':
        this.leaveChannel(msg.channel)
        return
      case 'frame':
        await this.onFrame(msg.message, msg.request_id)
        return
      case 'socket_closed':
        if (msg.quiet) this.quietExit = true
        if (this.closeReason === 'socket_closed' && msg.code !== 1000 && msg.code !== 1001) this.closeReason = `socket closed (${msg.code})`
        this.ctx.stop('normal')
        return
      default:
        this.ctx.log.warn('session: unknown cast ignored', { agent_id: this.agentId })
    }
  }

  override handleInfo(msg: SessionInfo): void {
    if (msg.type !== 'bus') return
    const event = msg.event as { type?: unknown }
    if (msg.topic === TOPIC.presence) this.forwardPresence(event as PresenceEvent)
    else if (msg.topic === TOPIC.messages) this.forwardBroadcast(event as { type: string; message?: StoredMessage })
    else if (msg.topic.startsWith('channel:')) this.forwardChannel(event as ChannelEvent)
  }

  override async terminate(reason: ExitReason): Promise<void> {
    if (this.socket.isOpen) {
      const close = reason === 'shutdown' ? CLOSE.shutdown : isNormalExit(reason) ? { code: 1000, reason: 'session ended' } : CLOSE.internalError
      this.socket.close(close.code, close.reason)
    }
    if (this.quietExit || reason === 'shutdown') return
    // the FSM reclaims the task (ignored unless this is still the agent's current session)
    this.ctx.system.whereis(ACTOR.agents)?.cast({ type: 'agent_disconnected', agent_id: this.agentId, session_id: this.sessionId, reason: this.closeReason })
    try {
      await this.ctx.system.byName(ACTOR.presence).call({ type: 'leave', agent_id: this.agentId, session_id: this.sessionId }, { timeoutMs: GOODBYE_TIMEOUT_MS })
    } catch {
      // presence is restarting: its new instance starts empty anyway
    }
  }

  override snapshot(): unknown {
    return {
      agent_id: this.agentId,
      session_id: this.sessionId,
      role: this.role,
      remote_ip: this.remoteIp,
      connection_id: this.socket?.connectionId,
      socket_open: this.socket?.isOpen,
      channels: [...this.channels],
    }
  }

  // ---- the identified pipeline (§1.2 steps 5–6) ----------------------------------------------

  private async onFrame(message: InboundWsMessage, requestId: string): Promise<void> {
    const admission = await this.hooks.rateCheck(this.agentId, message.type, this.role)
    if (admission.action === 'deny') {
      this.send(admission.frame)
      return
    }
    if (admission.action === 'warn') this.send(admission.frame)
    let reply: object | null
    try {
      reply = message.type === 'identify' ? await reidentifyReply(this.frameContext, message) : await this.dispatch(message)
    } catch (error) {
      // a handler crash closes this connection (the original's 1011), not the hub
      this.ctx.log.error('session: frame handler failed', { agent_id: this.agentId, request_id: requestId, frame_type: message.type, error: String(error) })
      this.closeReason = 'handler_error'
      this.socket.close(CLOSE.internalError.code, CLOSE.internalError.reason)
      return
    }
    if (reply !== null) this.send(reply)
  }

  private async dispatch(message: InboundWsMessage): Promise<object | null> {
    const handler = this.handlers[message.type] as FrameHandler | undefined
    if (!handler) return errorFrame('unknown_message_type') // a type whose area is not wired in yet
    return (await handler(this.frameContext, message as never)) ?? null
  }

  // ---- pushes --------------------------------------------------------------------------------

  private forwardPresence(event: PresenceEvent): void {
    switch (event?.type) {
      case 'agent_joined':
        if (event.agent.agent_id !== this.agentId) this.sendShared(event, () => agentJoinedPush(event.agent)) // own join suppressed
        return
      case 'agent_left':
        if (event.agent_id !== this.agentId) this.sendShared(event, () => agentLeftPush(event.agent_id))
        return
      case 'status_changed':
        this.sendShared(event, () => statusChangedPush(event.agent)) // including self, as the original
        return
    }
  }

  private forwardBroadcast(event: { type: string; message?: StoredMessage }): void {
    if (event?.type !== 'message' || !event.message) return
    const to = event.message.to
    if (to !== null && to !== undefined && to !== 'broadcast' && to !== this.agentId) return
    const message = event.message
    this.sendShared(event, () => messagePush(message)) // the sender gets its own broadcasts, as the original
  }

  private forwardChannel(event: ChannelEvent): void {
    if (event?.type === 'channel_message' && event.message && event.message.from !== this.agentId) {
      const message = event.message
      this.sendShared(event, () => channelMessagePush(event.channel, message))
    } else if (event?.type === 'channel_agent_joined' && typeof event.agent_id === 'string' && event.agent_id !== this.agentId) {
      this.send(channelAgentJoinedPush(event.channel, event.agent_id))
    }
  }

  private joinChannel(channel: string): void {
    if (typeof channel !== 'string' || this.channels.has(channel)) return
    this.channels.add(channel)
    this.ctx.subscribe(channelTopic(channel))
  }

  private leaveChannel(channel: string): void {
    if (!this.channels.delete(channel)) return
    this.ctx.unsubscribe(channelTopic(channel))
  }

  private async memberChannels(): Promise<string[]> {
    const channels = this.ctx.system.whereis(ACTOR.channels)
    if (!channels) return []
    try {
      const names = await channels.call<unknown>({ type: 'memberships', agent_id: this.agentId })
      return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : []
    } catch (error) {
      this.ctx.log.warn('session: channel memberships unavailable', { agent_id: this.agentId, error: String(error) })
      return []
    }
  }

  private registerOllama(url: string): void {
    const registry = this.ctx.system.whereis(ACTOR.llmRegistry)
    // not awaited: a slow registry must not delay `identified`
    registry?.call({ type: 'register_local', agent_id: this.agentId, ollama_url: url, peer_address: this.remoteIp || null }).catch((error: unknown) => {
      this.ctx.log.warn('session: ollama_url registration failed', { agent_id: this.agentId, error: String(error) })
    })
  }

  private send(frame: object): boolean {
    return this.socket.send(frame)
  }

  private sendShared(event: object, build: () => object): boolean {
    return this.socket.sendText(sharedPushText(event, build))
  }
}

interface ChannelEvent {
  type: 'channel_message' | 'channel_agent_joined'
  channel: string
  message?: StoredMessage
  agent_id?: string
}
