// The per-agent FSM actor `fsm:<agent_id>` (task-pipeline.md §3): a shell around the pure step
// function of ./transitions.ts that performs its effects (timers, reclaims, presence events).
//
// Atomic assignment: the FSM is the serialisation point for its agent. The scheduler never
// assigns a task itself; it *offers* it to the FSM. The FSM takes an offer only while idle, and
// while it handles the offer its mailbox is blocked, so no second offer can interleave:
//
//   offer(task) → idle? → queue `assign` (durable; the queue also refuses an agent that already
//   holds a task) → FSM idle → assigned, 60 s acceptance timer → push `task_assign` to
//   `agent:<id>` → reply ok.
//
// So the task_assign frame leaves only after the assignment is on disk, and an agent never
// holds two tasks (the original marked the agent busy asynchronously after the push, and two
// quick passes could give it two tasks).
//
// Started by the `agents` actor under the `agent-fsms` DynamicSupervisor (restart temporary):
// a crashed FSM is not restarted; the agents actor closes the agent's session so the sidecar
// reconnects and gets a fresh FSM (which resumes the task the queue still holds for it).

import { Actor, type ExitReason, type SystemInfo, type TimerId } from '../runtime'
import { taskAssignFrame, type TaskAssignInput } from '../../relay/protocol'
import { ACTOR, TOPIC, sessionName } from '../names'
import type { AssignReply, AssignedTaskRef } from '../task-queue/messages'
import type { RoutingDecision, Task } from '../task-queue/task'
import { emitTelemetry } from '../task-queue/telemetry'
import { applyAgentEvent, initialAgentState, type AgentFsm, type FsmEffect, type FsmEvent, type FsmState, type FsmResult } from './transitions'

// ---- messages --------------------------------------------------------------------------------

/** `GET /api/agents` item and the `agents` list/get reply (CONTRACTS.md). */
export interface AgentState {
  agent_id: string
  name: string
  fsm_state: FsmState
  current_task_id: string | null
  capabilities: Array<Record<string, unknown>>
  flags: string[]
  connected_at: number
  last_state_change: number
}

export function agentStateOf(fsm: AgentFsm): AgentState {
  return {
    agent_id: fsm.agent_id,
    name: fsm.name,
    fsm_state: fsm.fsm_state,
    current_task_id: fsm.current_task_id,
    capabilities: fsm.capabilities,
    flags: fsm.flags,
    connected_at: fsm.connected_at,
    last_state_change: fsm.last_state_change,
  }
}

export type OfferReply =
  | { ok: true; task_id: string; generation: number }
  | { ok: false; reason: 'not_idle' | 'queue_refused' | 'queue_unavailable'; detail?: string }

/** What the agents actor needs to adopt a running FSM after it restarted. */
export interface FsmDescription {
  state: AgentFsm
  session_id: string
  ollama_url: string | null
}

export type AgentFsmCall =
  /** the scheduler offers a queued task; taken only while idle (see the header) */
  | { type: 'offer'; task_id: string; routing_decision?: RoutingDecision | null }
  | { type: 'get' }
  | { type: 'describe' }

export type AgentFsmCast =
  /** from the queue (accepted, continued, report judged, hold released) and the agents actor (socket_ended) */
  { type: 'fsm_event'; event: FsmEvent; reason?: string }

export type AgentFsmInfo = { type: 'acceptance_timeout'; task_id: string } | { type: 'blocked_timeout' }

/** Cast to the `agents` actor after every transition (and once at start). */
export interface FsmStateReport {
  type: 'fsm_state'
  fsm_id: string
  state: AgentFsm
}

export interface AgentFsmArgs {
  agent_id: string
  name?: string
  capabilities?: unknown
  session_id: string
  ollama_url?: string | null
  /** timeout of calls to the queue (default 5 000 ms) */
  queueTimeoutMs?: number
}

// ---- the actor -------------------------------------------------------------------------------

export class AgentFsmActor extends Actor<AgentFsmCall, AgentFsmCast, AgentFsmInfo, AgentFsmArgs> {
  private fsm!: AgentFsm
  private sessionId = ''
  private ollamaUrl: string | null = null
  private queueTimeoutMs = 5000
  /** generation of each task this agent holds, so reclaims are fenced on it */
  private generations = new Map<string, number>()
  private acceptanceTimer: TimerId | null = null
  private blockedTimer: TimerId | null = null
  private disconnectReason = 'socket_closed'

  override async init(args: AgentFsmArgs): Promise<void> {
    if (typeof args?.agent_id !== 'string' || args.agent_id === '') throw new TypeError('agent FSM needs a non-empty agent_id')
    this.sessionId = String(args.session_id ?? '')
    this.ollamaUrl = typeof args.ollama_url === 'string' ? args.ollama_url : null
    this.queueTimeoutMs = args.queueTimeoutMs ?? 5000
    const now = this.ctx.clock.now()
    // §3.4: resume what the queue still holds for this agent (hub restart, re-identify)
    const held = await this.queue().call<AssignedTaskRef[]>({ type: 'assigned_to', agent_id: args.agent_id }, { timeoutMs: this.queueTimeoutMs })
    for (const h of held) this.generations.set(h.task_id, h.generation)
    const initial = initialAgentState({
      agent_id: args.agent_id,
      name: args.name,
      capabilities: args.capabilities,
      now,
      assignedTaskIds: held.map((h) => h.task_id),
    })
    this.fsm = initial.state
    this.reportState()
    emitTelemetry(this.ctx, 'agent_com.agent.connect', { system_time: now }, { agent_id: this.fsm.agent_id, capabilities: this.fsm.capabilities })
    await this.perform(initial.effects)
    // a new idle agent is schedulable now, whatever order presence and identify ran in
    if (this.fsm.fsm_state === 'idle') this.publishIdle()
  }

  override async handleCall(msg: AgentFsmCall): Promise<unknown> {
    switch (msg?.type) {
      case 'offer':
        return this.offer(msg.task_id, msg.routing_decision ?? null)
      case 'get':
        return agentStateOf(this.fsm)
      case 'describe':
        return { state: this.fsm, session_id: this.sessionId, ollama_url: this.ollamaUrl } satisfies FsmDescription
      default:
        return { ok: false, reason: 'unknown_call' }
    }
  }

  override async handleCast(msg: AgentFsmCast): Promise<void> {
    if (msg?.type !== 'fsm_event' || typeof msg.event?.type !== 'string') {
      this.ctx.log.warn('agent FSM: unknown cast ignored', { agent_id: this.fsm.agent_id })
      return
    }
    if (msg.event.type === 'socket_ended' && typeof msg.reason === 'string') this.disconnectReason = msg.reason
    await this.step(msg.event)
  }

  override async handleInfo(msg: AgentFsmInfo | SystemInfo): Promise<void> {
    if (msg.type === 'acceptance_timeout') {
      this.acceptanceTimer = null
      await this.step({ type: 'acceptance_timeout', task_id: msg.task_id })
    } else if (msg.type === 'blocked_timeout') {
      this.blockedTimer = null
      await this.step({ type: 'blocked_timeout' })
    }
  }

  override terminate(_reason: ExitReason): void {
    // Deliberately no reclaim: a replaced FSM (re-identify) or a restarted tree leaves the
    // task assigned, and the next FSM for this agent resumes it (§3.4).
  }

  override snapshot(): unknown {
    return { ...this.fsm, session_id: this.sessionId, generations: Object.fromEntries(this.generations) }
  }

  // ---- offer -----------------------------------------------------------------------------

  private async offer(taskId: string, decision: RoutingDecision | null): Promise<OfferReply> {
    if (this.fsm.fsm_state !== 'idle') return { ok: false, reason: 'not_idle', detail: this.fsm.fsm_state }
    let reply: AssignReply
    try {
      reply = await this.queue().call<AssignReply>(
        { type: 'assign', task_id: taskId, agent_id: this.fsm.agent_id, routing_decision: decision },
        { timeoutMs: this.queueTimeoutMs },
      )
    } catch (error) {
      return { ok: false, reason: 'queue_unavailable', detail: String(error) }
    }
    if (!reply.ok) return { ok: false, reason: 'queue_refused', detail: reply.error }
    const task = reply.task
    this.generations.set(task.id, task.generation)
    await this.step({ type: 'task_assigned', task_id: task.id })
    this.pushAssignment(task)
    return { ok: true, task_id: task.id, generation: task.generation }
  }

  private pushAssignment(task: Task): void {
    const session = this.ctx.system.whereis(sessionName(this.fsm.agent_id))
    if (!session) {
      // the acceptance timer reclaims it in 60 s (the original left it to the 5 min stuck sweep)
      this.ctx.log.warn('agent FSM: no session to push task_assign to', { agent_id: this.fsm.agent_id, task_id: task.id })
      return
    }
    // the stored decision's tier is a plain string; the frame builder re-checks the shape
    const input: TaskAssignInput = { ...task, task_id: task.id, routing_decision: task.routing_decision as TaskAssignInput['routing_decision'] }
    const frame = taskAssignFrame(input, task.assigned_at ?? this.ctx.clock.now())
    session.cast({ type: 'push', frame })
  }

  // ---- stepping ----------------------------------------------------------------------------

  private async step(event: FsmEvent): Promise<void> {
    const result = applyAgentEvent(this.fsm, event, this.ctx.clock.now())
    if (result.ignored !== null) {
      this.ctx.log.debug('agent FSM: event ignored', { agent_id: this.fsm.agent_id, event: event.type, why: result.ignored })
      return
    }
    const previousTask = this.fsm.current_task_id
    this.fsm = result.state
    if (result.transition) this.announceTransition(result, previousTask)
    await this.perform(result.effects)
    if (previousTask !== null && previousTask !== this.fsm.current_task_id) this.generations.delete(previousTask)
  }

  private announceTransition(result: FsmResult, previousTask: string | null): void {
    const t = result.transition!
    this.reportState()
    if (t.to === 'offline') {
      emitTelemetry(this.ctx, 'agent_com.agent.disconnect', { connected_duration_ms: this.ctx.clock.now() - this.fsm.connected_at }, {
        agent_id: this.fsm.agent_id,
        reason: this.disconnectReason,
      })
      return
    }
    emitTelemetry(this.ctx, 'agent_com.fsm.transition', { duration_ms: t.in_previous_state_ms }, {
      agent_id: this.fsm.agent_id,
      from_state: t.from,
      to_state: t.to,
      task_id: this.fsm.current_task_id ?? previousTask,
    })
  }

  private async perform(effects: readonly FsmEffect[]): Promise<void> {
    for (const effect of effects) {
      switch (effect.type) {
        case 'start_acceptance_timer':
          this.cancel('acceptance')
          this.acceptanceTimer = this.ctx.sendAfter({ type: 'acceptance_timeout', task_id: effect.task_id }, effect.ms)
          break
        case 'cancel_acceptance_timer':
          this.cancel('acceptance')
          break
        case 'start_blocked_timer':
          this.cancel('blocked')
          this.blockedTimer = this.ctx.sendAfter({ type: 'blocked_timeout' }, effect.ms)
          break
        case 'cancel_blocked_timer':
          this.cancel('blocked')
          break
        case 'reclaim_task':
          await this.reclaim(effect.task_id, effect.reason)
          break
        case 'publish_agent_idle':
          this.publishIdle()
          break
        case 'stop':
          this.ctx.stop('normal')
          break
      }
    }
  }

  /** Assignee- and generation-checked: a late reclaim never touches a task another agent holds now. */
  private async reclaim(taskId: string, reason: 'acceptance_timeout' | 'agent_disconnect'): Promise<void> {
    try {
      await this.queue().call(
        { type: 'reclaim', task_id: taskId, agent_id: this.fsm.agent_id, reason, generation: this.generations.get(taskId) },
        { timeoutMs: this.queueTimeoutMs },
      )
    } catch (error) {
      // the stuck sweep recovers the task later
      this.ctx.log.warn('agent FSM: reclaim failed', { agent_id: this.fsm.agent_id, task_id: taskId, error: String(error) })
    }
    this.generations.delete(taskId)
  }

  private cancel(which: 'acceptance' | 'blocked'): void {
    const id = which === 'acceptance' ? this.acceptanceTimer : this.blockedTimer
    if (id !== null) this.ctx.cancelTimer(id)
    if (which === 'acceptance') this.acceptanceTimer = null
    else this.blockedTimer = null
  }

  private publishIdle(): void {
    this.ctx.publish(TOPIC.presence, { type: 'agent_idle', agent_id: this.fsm.agent_id })
  }

  private reportState(): void {
    const report: FsmStateReport = { type: 'fsm_state', fsm_id: this.ctx.self.id, state: this.fsm }
    this.ctx.system.whereis(ACTOR.agents)?.cast(report)
  }

  private queue() {
    return this.ctx.system.byName(ACTOR.taskQueue)
  }
}
