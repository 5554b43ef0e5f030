// The `agents` actor (relay/hub/CONTRACTS.md): starts, replaces and stops the per-agent FSM
// actors under the `agent-fsms` DynamicSupervisor, and keeps a mirror of their states (each
// FSM reports after every transition) for `GET /api/agents` and for the scheduler's snapshot.
// The mirror may trail an FSM by a message; that is harmless, because an offer to an FSM
// that is no longer idle is simply refused by the FSM itself.

import { Actor, isNormalExit, replyError, type ActorRef, type MonitorId, type SystemInfo } from '../runtime'
import { startChild, type ChildSpec, type SupervisorCall } from '../../supervisors'
import { ACTOR, fsmName, sessionName } from '../names'
import type { AgentSnapshot } from '../scheduler/matching'
import { capabilityNames, type AgentFsm, type FsmState } from './transitions'
import {
  AgentFsmActor,
  agentStateOf,
  type AgentFsmArgs,
  type AgentFsmCast,
  type FsmDescription,
  type FsmStateReport,
} from './actor'

// ---- messages --------------------------------------------------------------------------------

export interface AgentConnected {
  type: 'agent_connected'
  agent_id: string
  name?: string
  capabilities?: unknown
  session_id: string
  ollama_url?: string | null
}

export type AgentsCall =
  | AgentConnected
  | { type: 'list' }
  | { type: 'get'; agent_id: string }
  /** the scheduler's input: live agents (only the idle ones with idle_only) with capability names */
  | { type: 'snapshots'; idle_only?: boolean }

export type AgentsCast = { type: 'agent_disconnected'; agent_id: string; session_id: string; reason?: string } | FsmStateReport

export interface AgentConnectedReply {
  fsm_state: FsmState
}

export interface AgentsArgs {
  /** name of the DynamicSupervisor the FSMs run under (default `agent-fsms`); absent → spawned unsupervised */
  supervisor?: string
  /** passed to every FSM */
  queueTimeoutMs?: number
}

/** Close code sent to sessions whose FSM is gone, so the sidecar reconnects (1011 internal error / 1012 service restart). */
export const FSM_LOST_CLOSE = { code: 1011, reason: 'agent state lost; reconnect' } as const
export const TRACKING_RESTARTED_CLOSE = { code: 1012, reason: 'task tracking restarted; reconnect' } as const

interface Entry {
  session_id: string
  fsm: ActorRef
  monitor: MonitorId
  /** null until the FSM's first report arrives */
  state: AgentFsm | null
}

const SESSION_PREFIX = sessionName('')
const FSM_PREFIX = fsmName('')

export class AgentsActor extends Actor<AgentsCall, AgentsCast, never, AgentsArgs> {
  /** insertion order = connect order (a reconnect moves the agent to the end) */
  private readonly agents = new Map<string, Entry>()
  private readonly idle = new Map<string, AgentSnapshot>()
  private supervisorName: string = ACTOR.agentFsms
  private queueTimeoutMs: number | undefined

  override async init(args: AgentsArgs = {}): Promise<void> {
    this.supervisorName = args?.supervisor ?? ACTOR.agentFsms
    this.queueTimeoutMs = args?.queueTimeoutMs
    await this.adoptRunningFsms()
    this.closeSessionsWithoutFsm()
  }

  override async handleCall(msg: AgentsCall): Promise<unknown> {
    switch (msg?.type) {
      case 'agent_connected':
        return this.connect(msg)
      case 'list':
        return [...this.agents.values()].flatMap((e) => (e.state ? [agentStateOf(e.state)] : []))
      case 'get': {
        const state = this.agents.get(msg.agent_id)?.state
        return state ? agentStateOf(state) : null
      }
      case 'snapshots':
        return msg.idle_only ? [...this.idle.values()] : this.snapshots()
      default:
        return replyError(new TypeError(`agents: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override handleCast(msg: AgentsCast): void {
    switch (msg?.type) {
      case 'agent_disconnected':
        this.disconnect(msg.agent_id, msg.session_id, msg.reason)
        return
      case 'fsm_state': {
        const entry = this.agents.get(msg.state?.agent_id)
        if (entry && entry.fsm.id === msg.fsm_id) this.setState(msg.state.agent_id, entry, msg.state)
        return
      }
      default:
        this.ctx.log.warn('agents: unknown cast ignored', { cast: String((msg as { type?: unknown })?.type) })
    }
  }

  override handleInfo(msg: SystemInfo): void {
    if (msg.type !== 'down') return
    for (const [agentId, entry] of this.agents) {
      if (entry.fsm.id !== msg.ref.id) continue
      this.forget(agentId)
      if (!isNormalExit(msg.reason)) {
        // temporary child: not restarted. The agent reconnects and gets a fresh FSM that
        // resumes whatever the queue still holds for it.
        this.ctx.log.error('agents: FSM crashed; closing the session so the agent reconnects', { agent_id: agentId })
        this.ctx.system.whereis(sessionName(agentId))?.cast({ type: 'close', ...FSM_LOST_CLOSE })
      }
      return
    }
  }

  override snapshot(): unknown {
    return [...this.agents].map(([id, e]) => ({ agent_id: id, session_id: e.session_id, fsm: e.fsm.id, fsm_state: e.state?.fsm_state ?? null }))
  }

  // ---- connect / disconnect ------------------------------------------------------------------

  private async connect(msg: AgentConnected): Promise<unknown> {
    if (typeof msg.agent_id !== 'string' || msg.agent_id === '') return replyError(new TypeError('agent_connected: agent_id must be a non-empty string'))
    if (typeof msg.session_id !== 'string' || msg.session_id === '') return replyError(new TypeError('agent_connected: session_id must be a non-empty string'))
    await this.stopFsm(msg.agent_id)
    const args: AgentFsmArgs = {
      agent_id: msg.agent_id,
      name: typeof msg.name === 'string' ? msg.name : msg.agent_id,
      capabilities: msg.capabilities,
      session_id: msg.session_id,
      ollama_url: typeof msg.ollama_url === 'string' ? msg.ollama_url : null,
      queueTimeoutMs: this.queueTimeoutMs,
    }
    let fsm: ActorRef
    try {
      fsm = await this.startFsm(args)
    } catch (error) {
      return replyError(error instanceof Error ? error : new Error(String(error)))
    }
    const described = await fsm.call<FsmDescription>({ type: 'describe' })
    this.track(msg.agent_id, msg.session_id, fsm, described.state)
    const reply: AgentConnectedReply = { fsm_state: described.state.fsm_state }
    return reply
  }

  private disconnect(agentId: string, sessionId: string, reason?: string): void {
    const entry = this.agents.get(agentId)
    if (!entry || entry.session_id !== sessionId) return // an older session's late goodbye
    this.forget(agentId)
    this.ctx.demonitor(entry.monitor)
    const cast: AgentFsmCast = { type: 'fsm_event', event: { type: 'socket_ended' }, reason: reason ?? 'socket_closed' }
    entry.fsm.cast(cast) // the FSM reclaims its task (assignee-checked) and stops
  }

  /** Replacing an FSM never reclaims: the new one resumes the task (§3.4). */
  private async stopFsm(agentId: string): Promise<void> {
    const entry = this.agents.get(agentId)
    if (entry) {
      this.forget(agentId)
      this.ctx.demonitor(entry.monitor)
    }
    // also an FSM that is still finishing its socket_ended (its name is not free yet)
    const running = this.ctx.system.whereis(fsmName(agentId))
    if (running) await this.ctx.system.stop(running, 'shutdown')
  }

  private async startFsm(args: AgentFsmArgs): Promise<ActorRef> {
    const name = fsmName(args.agent_id)
    const spec: ChildSpec = {
      id: name,
      restart: 'temporary',
      start: (system) => system.spawn(AgentFsmActor, args, { name }),
    }
    const supervisor = this.ctx.system.whereis<SupervisorCall, never>(this.supervisorName)
    if (!supervisor) return spec.start(this.ctx.system)
    return startChild(supervisor, spec)
  }

  private track(agentId: string, sessionId: string, fsm: ActorRef, state: AgentFsm): void {
    const monitor = this.ctx.monitor(fsm)
    const entry: Entry = { session_id: sessionId, fsm, monitor, state: null }
    this.agents.set(agentId, entry)
    this.setState(agentId, entry, state)
  }

  /** Keeps the idle set in step, so the scheduler's snapshot costs O(idle), not O(agents). */
  private setState(agentId: string, entry: Entry, state: AgentFsm): void {
    entry.state = state
    if (state.fsm_state === 'idle') {
      this.idle.set(agentId, { agent_id: agentId, fsm_state: 'idle', capabilities: capabilityNames(state.capabilities), rate_limited: false })
    } else {
      this.idle.delete(agentId)
    }
  }

  private forget(agentId: string): void {
    this.agents.delete(agentId)
    this.idle.delete(agentId)
  }

  private snapshots(): AgentSnapshot[] {
    const out: AgentSnapshot[] = []
    for (const [agentId, entry] of this.agents) {
      if (!entry.state) continue
      out.push({ agent_id: agentId, fsm_state: entry.state.fsm_state, capabilities: capabilityNames(entry.state.capabilities), rate_limited: false })
    }
    return out
  }

  // ---- after a restart -----------------------------------------------------------------------

  /** FSMs that outlived a restart of this actor (only it restarted) are taken over as they are. */
  private async adoptRunningFsms(): Promise<void> {
    for (const name of this.ctx.system.registered()) {
      if (!name.startsWith(FSM_PREFIX)) continue
      const fsm = this.ctx.system.whereis(name)
      if (!fsm) continue
      try {
        const d = await fsm.call<FsmDescription>({ type: 'describe' }, { timeoutMs: 1000 })
        this.track(d.state.agent_id, d.session_id, fsm, d.state)
      } catch {
        // it is exiting; its session is closed below
      }
    }
  }

  /**
   * Sessions whose agent has no FSM (the FSMs were restarted with the queue) are closed with
   * 1012 so the sidecars reconnect and identify again; their tasks are resumed, not lost.
   */
  private closeSessionsWithoutFsm(): void {
    for (const name of this.ctx.system.registered()) {
      if (!name.startsWith(SESSION_PREFIX)) continue
      const agentId = name.slice(SESSION_PREFIX.length)
      if (this.agents.has(agentId)) continue
      this.ctx.system.whereis(name)?.cast({ type: 'close', ...TRACKING_RESTARTED_CLOSE })
    }
  }
}
