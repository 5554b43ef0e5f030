// The `scheduler` actor (task-pipeline.md §4, smart-pipeline.md §7): a reactive matcher.
//
// A pass: read the agents' snapshot (+ the optional rate limiter and repo registry, each with a
// short timeout; a missing or silent one means "no filter") → ask the queue to plan the pass
// over its priority index (planPass: one task per idle capable agent, unplaceable tasks never
// block others) → route each planned task through the pluggable routing hook → offer each
// (task, agent) pair to the agent's FSM, all pairs concurrently. The FSM is the serialisation
// point (see agent-fsm/actor.ts): it takes the offer only while idle, has the queue commit the
// assignment, and only then pushes `task_assign`. The pass does not wait for those commits:
// agents and tasks with an offer in flight sit out later passes until it settles. Tasks whose
// route says "wait" are held back and the pass re-plans without them, so their agents can take
// the next task.
//
// Triggers (§4.1): `tasks` task_submitted / task_reclaimed / task_retried / task_completed,
// `presence` agent_joined / agent_idle, any `llm_registry` event, a `trigger` cast (e.g. a
// routing fallback timer), and a 30 s safety pass. Triggers arriving while a pass runs are
// coalesced into one follow-up pass.

import { Actor, replyError, type ActorContext, type SystemInfo } from '../runtime'
import { ACTOR, TOPIC, fsmName } from '../names'
import type { OfferReply } from '../agent-fsm/actor'
import type { PlanReply, TaskEventMessage } from '../task-queue/messages'
import { SAFETY_PASS_INTERVAL_MS } from '../task-queue/deadlines'
import type { RoutingDecision, Task } from '../task-queue/task'
import { emitTelemetry } from '../task-queue/telemetry'
import type { AgentSnapshot } from './matching'

// ---- the routing hook ----------------------------------------------------------------------

/** What the router says about one planned task. */
export type RouteVerdict = { action: 'assign'; decision: RoutingDecision | null } | { action: 'wait' }

/**
 * Where the tier router plugs in (smart-pipeline.md §6–§7). All calls happen inside the
 * scheduler actor, one pass at a time. Default: no routing decision (v1.1 behaviour).
 */
export interface SchedulerRouting {
  /** at scheduler start (and restart): the hook's access to the system, clock and bus */
  attach?(host: ActorContext<SchedulerInfo>): void
  /** once per pass before any route (e.g. read the LLM registry) */
  beginPass?(now: number): void | Promise<void>
  /** the verdict for a task the pass could place; throwing counts as `assign` with no decision */
  route(task: Task, now: number): RouteVerdict | Promise<RouteVerdict>
  /** the task was assigned (e.g. cancel its fallback timer) */
  assigned?(task: Task, agentId: string): void
  /** a `tasks` event the scheduler saw (e.g. cancel fallback timers on completion/dead-letter) */
  taskEvent?(event: TaskEventMessage): void
}

export const NO_ROUTING: SchedulerRouting = { route: () => ({ action: 'assign', decision: null }) }

// ---- messages --------------------------------------------------------------------------------

export interface PassSummary {
  trigger: string
  idle_agents: number
  queued_tasks: number
  assigned: Array<{ task_id: string; agent_id: string; generation: number }>
  /** tasks held back by a "wait" verdict */
  waiting: string[]
  /** offers an FSM or the queue refused (the agent was no longer idle, the task no longer queued) */
  refused: number
}

export type SchedulerCall = { type: 'pass_now'; trigger?: string }
export type SchedulerCast =
  | { type: 'trigger'; reason?: string }
  | { type: 'run_pass' }
  /** internal: an offer of this scheduler's came back */
  | { type: 'offer_settled'; agent_id: string; task: Task; reply: OfferReply }
export type SchedulerInfo = { type: 'safety_pass' }

export interface SchedulerArgs {
  /** in-process only: the hook object is shared, not copied */
  routing?: SchedulerRouting
  /** default 30 000 */
  safetyPassMs?: number
  /** timeout of the optional rate-limiter / repo-registry calls (default 250 ms) */
  lookupTimeoutMs?: number
  /** timeout of the agents / queue / FSM calls of a pass (default 5 000 ms) */
  callTimeoutMs?: number
  /** plan rounds per pass when routes say "wait" (default 3) */
  maxRounds?: number
}

const TASK_TRIGGERS = new Set(['task_submitted', 'task_reclaimed', 'task_retried', 'task_completed'])
const PRESENCE_TRIGGERS = new Set(['agent_joined', 'agent_idle'])

// ---- the actor -------------------------------------------------------------------------------

export class SchedulerActor extends Actor<SchedulerCall, SchedulerCast, SchedulerInfo, SchedulerArgs> {
  private routing: SchedulerRouting = NO_ROUTING
  private lookupTimeoutMs = 250
  private callTimeoutMs = 5000
  private maxRounds = 3
  private passQueued = false
  private pendingTrigger: string | null = null
  private passes = 0
  /** offers in flight: these agents and tasks sit out the next passes until theirs settles */
  private readonly offeredAgents = new Set<string>()
  private readonly offeredTasks = new Set<string>()
  private lastPass: PassSummary | null = null

  override init(args: SchedulerArgs = {}): void {
    this.routing = args?.routing ?? NO_ROUTING
    this.safely(() => this.routing.attach?.(this.ctx))
    this.lookupTimeoutMs = args?.lookupTimeoutMs ?? 250
    this.callTimeoutMs = args?.callTimeoutMs ?? 5000
    this.maxRounds = Math.max(1, args?.maxRounds ?? 3)
    this.ctx.subscribe(TOPIC.tasks)
    this.ctx.subscribe(TOPIC.presence)
    this.ctx.subscribe(TOPIC.llmRegistry)
    this.ctx.interval({ type: 'safety_pass' }, args?.safetyPassMs ?? SAFETY_PASS_INTERVAL_MS)
    this.requestPass('start')
  }

  override async handleCall(msg: SchedulerCall): Promise<unknown> {
    if (msg?.type === 'pass_now') return this.runPass(msg.trigger ?? 'manual', true)
    return replyError(new TypeError(`scheduler: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
  }

  override async handleCast(msg: SchedulerCast): Promise<void> {
    if (msg?.type === 'trigger') return this.requestPass(typeof msg.reason === 'string' ? msg.reason : 'trigger')
    if (msg?.type === 'run_pass') {
      this.passQueued = false
      const trigger = this.pendingTrigger ?? 'trigger'
      this.pendingTrigger = null
      await this.runPass(trigger)
      return
    }
    if (msg?.type === 'offer_settled') this.offerSettled(msg.agent_id, msg.task, msg.reply)
  }

  override handleInfo(msg: SchedulerInfo | SystemInfo): void {
    if (msg.type === 'safety_pass') return this.requestPass('safety')
    if (msg.type !== 'bus') return
    const event = msg.event as { type?: unknown; event?: unknown }
    if (msg.topic === TOPIC.tasks && event?.type === 'task_event') {
      this.notifyRouting(msg.event as TaskEventMessage)
      if (TASK_TRIGGERS.has(String(event.event))) this.requestPass(String(event.event))
    } else if (msg.topic === TOPIC.presence && PRESENCE_TRIGGERS.has(String(event?.type))) {
      this.requestPass(String(event.type))
    } else if (msg.topic === TOPIC.llmRegistry) {
      this.requestPass('endpoint_changed')
    }
  }

  override snapshot(): unknown {
    return {
      passes: this.passes,
      pass_queued: this.passQueued,
      offers_in_flight: this.offeredAgents.size,
      last_pass: this.lastPass,
    }
  }

  /** Coalesces: at most one pass waits behind the running one. */
  private requestPass(trigger: string): void {
    this.pendingTrigger ??= trigger
    if (this.passQueued) return
    this.passQueued = true
    this.ctx.self.cast({ type: 'run_pass' })
  }

  // ---- the pass ------------------------------------------------------------------------------

  /**
   * One pass. Offers go out concurrently and the pass does not wait for them (each waits for
   * an LMDB commit): agents and tasks with an offer in flight are left out of later passes
   * until it settles (`offer_settled`), so the next pass can start at once. `pass_now` waits
   * for its offers to report what was assigned.
   */
  private async runPass(trigger: string, waitForOffers = false): Promise<PassSummary> {
    this.passes++
    const summary: PassSummary = { trigger, idle_agents: 0, queued_tasks: 0, assigned: [], waiting: [], refused: 0 }
    const [agents, limited, paused] = await Promise.all([
      this.callOrNull<AgentSnapshot[]>(ACTOR.agents, { type: 'snapshots', idle_only: true }, this.callTimeoutMs),
      this.optionalList(ACTOR.rateLimiter, { type: 'limited_agents' }),
      this.optionalList(ACTOR.repoRegistry, { type: 'paused_repos' }),
    ])
    let candidates = (agents ?? [])
      .filter((a) => !this.offeredAgents.has(a.agent_id))
      .map((a) => (limited.has(a.agent_id) ? { ...a, rate_limited: true } : a))
    const exclude = new Set(this.offeredTasks)
    const now = this.ctx.clock.now()
    const offers: Array<Promise<void>> = []
    let routingReady = false
    for (let round = 0; round < this.maxRounds; round++) {
      const plan = await this.callOrNull<PlanReply>(
        ACTOR.taskQueue,
        { type: 'plan', agents: candidates, paused_repos: [...paused], exclude: [...exclude] },
        this.callTimeoutMs,
      )
      if (!plan) break
      if (round === 0) {
        summary.idle_agents = plan.idle_agents
        summary.queued_tasks = plan.queued_tasks
        emitTelemetry(this.ctx, 'agent_com.scheduler.attempt', { idle_agents: plan.idle_agents, queued_tasks: plan.queued_tasks }, { trigger })
      }
      if (plan.assignments.length === 0) break
      if (!routingReady) {
        await this.beginRouting(now)
        routingReady = true
      }
      const verdicts = await Promise.all(plan.assignments.map((a) => this.route(a.task, now)))
      const offered = new Set<string>()
      plan.assignments.forEach((a, i) => {
        const verdict = verdicts[i]!
        if (verdict.action === 'wait') {
          exclude.add(a.task.id)
          summary.waiting.push(a.task.id)
          return
        }
        offered.add(a.agent_id)
        offers.push(this.startOffer(a.agent_id, a.task, verdict.decision, summary))
      })
      if (summary.waiting.length === 0) break
      candidates = candidates.filter((c) => !offered.has(c.agent_id))
    }
    if (waitForOffers) await Promise.all(offers)
    this.lastPass = summary
    return summary
  }

  private startOffer(agentId: string, task: Task, decision: RoutingDecision | null, summary: PassSummary): Promise<void> {
    this.offeredAgents.add(agentId)
    this.offeredTasks.add(task.id)
    const self = this.ctx.self
    return this.offer(agentId, task, decision).then((reply) => {
      if (reply.ok) summary.assigned.push({ task_id: task.id, agent_id: agentId, generation: reply.generation })
      else summary.refused++
      const settled: SchedulerCast = { type: 'offer_settled', agent_id: agentId, task: task, reply }
      self.cast(settled)
    })
  }

  private offerSettled(agentId: string, task: Task, reply: OfferReply): void {
    this.offeredAgents.delete(agentId)
    this.offeredTasks.delete(task.id)
    if (reply.ok) {
      emitTelemetry(this.ctx, 'agent_com.scheduler.match', {}, { task_id: task.id, agent_id: agentId })
      this.safely(() => this.routing.assigned?.(task, agentId))
      return
    }
    // the task went away meanwhile (completed, expired, taken): the agent is still free
    if (reply.reason === 'queue_refused') this.requestPass('offer_refused')
  }

  private async offer(agentId: string, task: Task, decision: RoutingDecision | null): Promise<OfferReply> {
    const fsm = this.ctx.system.whereis(fsmName(agentId))
    if (!fsm) return { ok: false, reason: 'not_idle', detail: 'no FSM' }
    try {
      return await fsm.call<OfferReply>({ type: 'offer', task_id: task.id, routing_decision: decision }, { timeoutMs: this.callTimeoutMs })
    } catch (error) {
      return { ok: false, reason: 'not_idle', detail: String(error) }
    }
  }

  private async route(task: Task, now: number): Promise<RouteVerdict> {
    try {
      const verdict = await this.routing.route(task, now)
      return verdict?.action === 'wait' ? verdict : { action: 'assign', decision: verdict?.decision ?? null }
    } catch (error) {
      this.ctx.log.warn('scheduler: routing failed; assigning without a decision', { task_id: task.id, error: String(error) })
      return { action: 'assign', decision: null }
    }
  }

  private async beginRouting(now: number): Promise<void> {
    try {
      await this.routing.beginPass?.(now)
    } catch (error) {
      this.ctx.log.warn('scheduler: routing beginPass failed', { error: String(error) })
    }
  }

  private notifyRouting(event: TaskEventMessage): void {
    this.safely(() => this.routing.taskEvent?.(event))
  }

  private safely(fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.ctx.log.warn('scheduler: routing hook threw', { error: String(error) })
    }
  }

  private async callOrNull<R>(name: string, msg: unknown, timeoutMs: number): Promise<R | null> {
    const ref = this.ctx.system.whereis(name)
    if (!ref) return null
    try {
      return await ref.call<R>(msg, { timeoutMs })
    } catch (error) {
      this.ctx.log.warn('scheduler: call failed', { actor: name, error: String(error) })
      return null
    }
  }

  /** An optional input (CONTRACTS.md): missing actor, error or timeout → empty (no filter). */
  private async optionalList(name: string, msg: unknown): Promise<Set<string>> {
    const ref = this.ctx.system.whereis(name)
    if (!ref) return new Set()
    try {
      const list = await ref.call<unknown>(msg, { timeoutMs: this.lookupTimeoutMs })
      return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [])
    } catch {
      return new Set()
    }
  }
}
