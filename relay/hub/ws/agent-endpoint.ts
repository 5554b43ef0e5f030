// The agent WebSocket `/ws` (protocol.md §1): the unidentified part of the inbound pipeline
// (§1.2 steps 1–4) and the identify handshake up to the session (§1.6 steps 1–2, 5). After
// identify, each validated frame goes to the connection's session actor, which rate-checks,
// dispatches and replies in arrival order.
//
// Frame order is kept across the asynchronous identify: while one is in flight, later frames of
// the same connection wait behind it (a sidecar sends identify and may pipeline more).
import { randomBytes } from 'node:crypto'
import { isNormalExit, type ActorRef } from '../../../actors/runtime'
import { ACTOR, sessionName } from '../../../actors/names'
import { startChild, type ChildSpec } from '../../../supervisors'
import { CLOSE, errorFrame, parseFrame, validateWsFrame, validationFailedFrame, type IdentifyMessage } from '../../protocol'
import { verifyToken } from '../http/auth-guard'
import type { HubContext } from '../hub-context'
import type { WsConnection, WsEndpoint } from '../transport'
import type { FrameHandlers } from './frame-context'
import { FrameHooks, NO_VIOLATIONS, type ConnectionViolations } from './frame-hooks'
import { SessionActor, type SessionArgs, type SessionCall, type SessionCast } from './session'
import { socketPortOf } from './socket-port'

export interface AgentConnection {
  violations: ConnectionViolations
  phase: 'anonymous' | 'identifying' | 'identified' | 'closed'
  agentId: string | null
  session: ActorRef<SessionCall, SessionCast> | null
  /** Frames queued behind an identify in flight; null when none is. */
  backlog: Promise<void> | null
}

/** How long a session may take to start (its init runs the FSM, presence and channel steps). */
const SESSION_START_TIMEOUT_MS = 30_000

export class AgentSocketEndpoint implements WsEndpoint<AgentConnection> {
  readonly hooks: FrameHooks
  private readonly identifyLocks = new Map<string, Promise<unknown>>()
  private shuttingDown = false

  constructor(
    private readonly hub: HubContext,
    private readonly handlers: FrameHandlers,
  ) {
    this.hooks = new FrameHooks(hub)
  }

  /** From now on closing sockets are a hub shutdown: sessions end without reclaiming tasks. */
  beginShutdown(): void {
    this.shuttingDown = true
  }

  createData(): AgentConnection {
    return { violations: NO_VIOLATIONS, phase: 'anonymous', agentId: null, session: null, backlog: null }
  }

  onMessage(conn: WsConnection<AgentConnection>, text: string): void {
    const d = conn.data
    if (d.backlog !== null) {
      const tail = d.backlog.then(() => this.process(conn, text))
      d.backlog = tail
      void tail.then(() => {
        if (d.backlog === tail) d.backlog = null
      })
      return
    }
    const pending = this.process(conn, text)
    if (pending) {
      d.backlog = pending
      void pending.then(() => {
        if (d.backlog === pending) d.backlog = null
      })
    }
  }

  onClose(conn: WsConnection<AgentConnection>, code: number, reason: string): void {
    const d = conn.data
    d.phase = 'closed'
    d.session?.cast({ type: 'socket_closed', code, reason, quiet: this.shuttingDown })
  }

  // ---- §1.2 steps 2–4 -------------------------------------------------------------------------

  /** Returns a promise only for an identify (which later frames must wait for). Never rejects. */
  private process(conn: WsConnection<AgentConnection>, text: string): Promise<void> | undefined {
    const d = conn.data
    if (!conn.isOpen || d.phase === 'closed') return undefined
    const parsed = parseFrame(text)
    if (!parsed.ok) {
      conn.send(JSON.stringify(parsed.reply)) // not a violation
      return undefined
    }
    const validated = validateWsFrame(parsed.value)
    if (!validated.ok) {
      // before the identified check: unidentified clients accumulate violations too
      const outcome = this.hooks.validationFailed(d.violations, d.agentId, validated.messageType, validated.errors)
      d.violations = outcome.violations
      if (outcome.action === 'reply') conn.send(JSON.stringify(validationFailedFrame(validated.messageType, validated.errors)))
      else conn.close(outcome.code, outcome.reason) // the 10th gets no reply
      return undefined
    }
    const message = validated.message
    if (d.phase === 'identified' && d.session) {
      d.session.cast({ type: 'frame', message, request_id: randomBytes(8).toString('hex') })
      return undefined
    }
    if (message.type === 'identify') return this.identify(conn, message)
    conn.send(JSON.stringify(errorFrame('not_identified')))
    return undefined
  }

  // ---- §1.6 -----------------------------------------------------------------------------------

  private async identify(conn: WsConnection<AgentConnection>, message: IdentifyMessage): Promise<void> {
    const d = conn.data
    d.phase = 'identifying'
    try {
      // step 1: validation-disconnect cooldown
      const admission = await this.hooks.admitIdentify(message.agent_id)
      if (!admission.ok) {
        conn.close(admission.code, admission.reason)
        return
      }
      // step 2: the token; the socket stays open on failure and no violation is recorded
      const principal = await verifyToken(this.hub, message.token)
      if (principal === null || principal.agent_id !== message.agent_id) {
        conn.send(JSON.stringify(errorFrame(principal === null ? 'invalid_token' : 'token_agent_mismatch')))
        if (d.phase === 'identifying') d.phase = 'anonymous'
        return
      }
      if (!conn.isOpen) return
      const agentId = message.agent_id
      // watched from the moment it exists: a session killed right after its `identified` frame
      // (before this method resumes) still says its goodbye
      const watch = (session: ActorRef<SessionCall, SessionCast>, sessionId: string) =>
        this.hub.system.monitor(session, (reason) => {
          if (d.session !== null && d.session !== session) return
          d.session = null
          d.phase = 'closed'
          if (conn.isOpen) conn.close(CLOSE.internalError.code, CLOSE.internalError.reason)
          // a killed session never ran its terminate: say its goodbye (both sides ignore a repeat)
          if (!isNormalExit(reason) && !this.shuttingDown) this.goodbye(agentId, sessionId)
        })
      const started = await this.serialisedPerAgent(agentId, () => this.startSession(conn, message, principal.role, watch))
      if (started === null) return
      const { session } = started
      if (!conn.isOpen || (d.phase as AgentConnection['phase']) === 'closed') {
        // closed while the session started: it ends now, with the usual goodbye
        session.cast({ type: 'socket_closed', code: 1006, reason: 'closed during identify', quiet: this.shuttingDown })
        return
      }
      d.session = session
      d.agentId = agentId
      d.phase = 'identified'
    } catch (error) {
      this.hub.log.error('identify failed', { agent_id: message.agent_id, error: String(error) })
      if (d.phase === 'identifying') d.phase = 'anonymous'
      if (conn.isOpen) conn.close(CLOSE.internalError.code, CLOSE.internalError.reason)
    }
  }

  /**
   * Steps 3–9 happen in the session's init. A newer connection replaces the older session
   * (closed 1000 "replaced by a newer connection"); the original kept the old socket.
   */
  private async startSession(
    conn: WsConnection<AgentConnection>,
    message: IdentifyMessage,
    role: 'agent' | 'admin',
    watch: (session: ActorRef<SessionCall, SessionCast>, sessionId: string) => void,
  ): Promise<{ session: ActorRef<SessionCall, SessionCast>; sessionId: string } | null> {
    const system = this.hub.system
    const name = sessionName(message.agent_id)
    const older = system.whereis<SessionCall, SessionCast>(name)
    if (older) {
      const gone = system.exited(older)
      try {
        await older.call({ type: 'replaced' })
      } catch {
        // it was exiting anyway
      }
      await gone
    }
    if (!conn.isOpen) return null
    const sessionId = randomBytes(8).toString('hex')
    const args: SessionArgs = {
      hub: this.hub,
      socket: socketPortOf(conn),
      agentId: message.agent_id,
      sessionId,
      role,
      remoteIp: conn.remoteIp,
      identify: message,
      handlers: this.handlers,
      hooks: this.hooks,
    }
    const spec: ChildSpec = {
      id: `${name}#${sessionId}`,
      restart: 'temporary',
      start: async (sys) => {
        let ref: ActorRef
        try {
          ref = await sys.spawn(SessionActor, args, { name })
        } catch (error) {
          // killed between its init (which joined presence) and the end of spawn
          if (!this.shuttingDown) this.goodbye(message.agent_id, sessionId)
          throw error
        }
        watch(ref as ActorRef<SessionCall, SessionCast>, sessionId)
        return ref
      },
    }
    const supervisor = system.whereis(ACTOR.sessions)
    const ref = supervisor ? await startChild(supervisor, spec, { timeoutMs: SESSION_START_TIMEOUT_MS }) : await spec.start(system)
    return { session: ref as ActorRef<SessionCall, SessionCast>, sessionId }
  }

  private goodbye(agentId: string, sessionId: string): void {
    this.hub.system.whereis(ACTOR.agents)?.cast({ type: 'agent_disconnected', agent_id: agentId, session_id: sessionId, reason: 'session_crashed' })
    this.hub.system
      .byName(ACTOR.presence)
      .call({ type: 'leave', agent_id: agentId, session_id: sessionId })
      .catch(() => undefined)
  }

  /** Two connections identifying as one agent at once take turns (the session name is unique). */
  private async serialisedPerAgent<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.identifyLocks.get(agentId) ?? Promise.resolve()
    const run = previous.then(work, work)
    const settled = run.then(
      () => undefined,
      () => undefined,
    )
    this.identifyLocks.set(agentId, settled)
    void settled.then(() => {
      if (this.identifyLocks.get(agentId) === settled) this.identifyLocks.delete(agentId)
    })
    return run
  }
}
