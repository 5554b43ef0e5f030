// MetricsCollector of hardening.md §4.1 as plain state fed by telemetry events, with windows that
// really roll: every "window" figure covers the hour before `now` (the original's window counters
// were lifetime totals, so failure-rate alerts measured the hub's whole life).
//
// Other deliberate changes:
// - queue depth is sampled on the snapshot clock (every tick), not on every scheduler pass, so
//   the trend means "over time" (60 samples = 10 min at 10 s) and max_1h / avg_1h cover a real
//   hour of samples (the original took them over the ≤60-sample trend);
// - an agent's utilisation covers the part of the hour it was connected (an agent connected
//   10 min ago and busy since shows 100 % working, not 17 %);
// - `tasks_completed_1h` counts the agent's accepted completions (the original counted every
//   working→idle transition, failures included) and `avg_task_duration_ms` is the agent's own;
// - throughput counts only the queue's authoritative `task.complete` (at most one per task), so
//   nothing is counted twice (the original dashboard counted socket + queue events);
// - `task_latency.cumulative` covers the newest 10 000 run durations of any age; its `count` is
//   the number of completions since boot.
import { failureRatePct, round1, integerMean, percentile, windowLatency, type WindowLatency } from './percentiles'
import type { TelemetryEvent } from './telemetry-events'

export const METRICS_WINDOW_MS = 3_600_000
export const SNAPSHOT_INTERVAL_MS = 10_000
export const QUEUE_TREND_SAMPLES = 60
export const MAX_DURATION_POINTS = 10_000
export const MAX_TRANSITIONS_PER_AGENT = 1_000

export type FsmStateName = 'idle' | 'assigned' | 'working' | 'blocked' | 'offline'

/** What the aggregator cannot know from events: asked of the owning actors at snapshot time. */
export interface LiveInputs {
  /** queued tasks now (task queue) */
  queue_depth: number
  /** live FSMs (agents actor) */
  agents: ReadonlyArray<{ agent_id: string; fsm_state: string; connected_at?: number | null }>
  /** connected agents (presence) */
  agents_online: number
  /** storage health (hardening.md §1.5), passed through */
  dets_health?: unknown
}

export interface ErrorCounts {
  total_tasks: number
  failed: number
  dead_letter: number
  failure_rate_pct: number
}

export interface AgentUtilization {
  agent_id: string
  state: string
  idle_pct_1h: number
  working_pct_1h: number
  blocked_pct_1h: number
  tasks_completed_1h: number
  avg_task_duration_ms: number
}

export interface MetricsSnapshot {
  timestamp: number
  window_ms: number
  queue_depth: { current: number; trend: number[]; max_1h: number; avg_1h: number }
  task_latency: { window: WindowLatency; cumulative: { p50: number; p90: number; p99: number; count: number } }
  agent_utilization: {
    system: { total_agents: number; agents_online: number; agents_idle: number; agents_working: number; utilization_pct: number }
    per_agent: AgentUtilization[]
  }
  error_rates: { window: ErrorCounts; cumulative: ErrorCounts }
  dets_health: unknown
}

export interface Throughput {
  completed_last_hour: number
  avg_completion_ms: number
  total_tokens_hour: number
}

interface Completion {
  at: number
  task_id: string
  agent_id: string
  duration_ms: number
  tokens: number
}

interface Transition {
  at: number
  from: FsmStateName
  to: FsmStateName
}

const WORKING_STATES = new Set(['assigned', 'working'])

/** Timestamped values, oldest first, pruned to the window and capped. */
class TimedList<T extends { at: number }> {
  readonly items: T[] = []
  constructor(private readonly cap: number) {}

  push(item: T): void {
    this.items.push(item)
    if (this.items.length > this.cap) this.items.splice(0, this.items.length - this.cap)
  }

  prune(before: number): void {
    let drop = 0
    while (drop < this.items.length && this.items[drop].at < before) drop++
    if (drop > 0) this.items.splice(0, drop)
  }

  since(from: number): T[] {
    return this.items.filter((item) => item.at >= from)
  }
}

export class MetricsAggregator {
  private readonly completions = new TimedList<Completion>(MAX_DURATION_POINTS)
  /** newest run durations of any age, for the cumulative percentiles */
  private readonly recentDurations: number[] = []
  private readonly waits = new TimedList<{ at: number; wait_ms: number }>(MAX_DURATION_POINTS)
  private readonly failures = new TimedList<{ at: number }>(MAX_DURATION_POINTS)
  private readonly deadLetters = new TimedList<{ at: number }>(MAX_DURATION_POINTS)
  private readonly queueSamples = new TimedList<{ at: number; depth: number }>(Math.ceil(METRICS_WINDOW_MS / SNAPSHOT_INTERVAL_MS) * 2)
  private readonly transitions = new Map<string, TimedList<Transition>>()
  /** task_id → completion time, within the window: a repeated completion event is not counted again */
  private readonly completedTaskIds = new Map<string, number>()
  private lastSchedulerQueued = 0
  private readonly lifetime = { submitted: 0, completed: 0, failed: 0, dead_letter: 0, reclaimed: 0, retried: 0 }

  /** Feeds one telemetry event (its `at` is when it happened). Unconsumed events are ignored. */
  record(event: TelemetryEvent): void {
    switch (event.event) {
      case 'agent_com.task.submit':
        this.lifetime.submitted++
        return
      case 'agent_com.task.assign':
        if (isCount(event.measurements.wait_ms)) this.waits.push({ at: event.at, wait_ms: event.measurements.wait_ms })
        return
      case 'agent_com.task.complete':
        return this.recordCompletion(event)
      case 'agent_com.task.fail':
        this.lifetime.failed++
        this.failures.push({ at: event.at })
        return
      case 'agent_com.task.dead_letter':
        this.lifetime.dead_letter++
        this.deadLetters.push({ at: event.at })
        return
      case 'agent_com.task.reclaim':
        this.lifetime.reclaimed++
        return
      case 'agent_com.task.retry':
        this.lifetime.retried++
        // a dead-letter retry can legitimately complete the same task later
        this.completedTaskIds.delete(event.metadata.task_id)
        return
      case 'agent_com.fsm.transition':
        return this.recordTransition(event)
      case 'agent_com.agent.disconnect':
        this.transitions.delete(event.metadata.agent_id)
        return
      case 'agent_com.scheduler.attempt':
        if (isCount(event.measurements.queued_tasks)) this.lastSchedulerQueued = event.measurements.queued_tasks
        return
      default:
        return
    }
  }

  /** The 10 s tick: records a queue-depth sample, then computes the snapshot. */
  tick(now: number, live: LiveInputs): MetricsSnapshot {
    this.queueSamples.push({ at: now, depth: live.queue_depth })
    return this.snapshot(now, live)
  }

  /** The snapshot at `now` without sampling (on-demand before the first tick). Never throws. */
  snapshot(now: number, live: LiveInputs): MetricsSnapshot {
    try {
      this.prune(now)
      return {
        timestamp: now,
        window_ms: METRICS_WINDOW_MS,
        queue_depth: this.queueDepth(live),
        task_latency: this.latency(),
        agent_utilization: this.utilization(now, live),
        error_rates: { window: this.windowErrors(), cumulative: this.cumulativeErrors() },
        dets_health: live.dets_health ?? null,
      }
    } catch {
      return emptySnapshot(now)
    }
  }

  /** Completions of the last hour (the dashboard header and §7.3 rule 3). */
  throughput(now: number): Throughput {
    this.prune(now)
    const done = this.completions.items
    let tokens = 0
    for (const c of done) tokens += c.tokens
    return { completed_last_hour: done.length, avg_completion_ms: integerMean(done.map((c) => c.duration_ms)), total_tokens_hour: tokens }
  }

  /** The rolling-hour error counts (alert rules high_failure_rate / high_error_rate). */
  errorWindow(now: number): ErrorCounts {
    this.prune(now)
    return this.windowErrors()
  }

  /** Lifetime counters (Prometheus counters). */
  get totals(): Readonly<typeof this.lifetime> {
    return this.lifetime
  }

  private recordCompletion(event: TelemetryEvent<'agent_com.task.complete'>): void {
    const { task_id, agent_id, tokens_used } = event.metadata
    if (this.completedTaskIds.has(task_id)) return
    this.completedTaskIds.set(task_id, event.at)
    const duration = isCount(event.measurements.duration_ms) ? event.measurements.duration_ms : 0
    this.lifetime.completed++
    this.completions.push({ at: event.at, task_id, agent_id, duration_ms: duration, tokens: isCount(tokens_used) ? tokens_used : 0 })
    this.recentDurations.push(duration)
    if (this.recentDurations.length > MAX_DURATION_POINTS) this.recentDurations.splice(0, this.recentDurations.length - MAX_DURATION_POINTS)
  }

  private recordTransition(event: TelemetryEvent<'agent_com.fsm.transition'>): void {
    const { agent_id, from_state, to_state } = event.metadata
    let list = this.transitions.get(agent_id)
    if (!list) this.transitions.set(agent_id, (list = new TimedList(MAX_TRANSITIONS_PER_AGENT)))
    list.push({ at: event.at, from: from_state as FsmStateName, to: to_state as FsmStateName })
  }

  private prune(now: number): void {
    const from = now - METRICS_WINDOW_MS
    this.completions.prune(from)
    this.waits.prune(from)
    this.failures.prune(from)
    this.deadLetters.prune(from)
    this.queueSamples.prune(from)
    for (const list of this.transitions.values()) list.prune(from)
    for (const [taskId, at] of this.completedTaskIds) {
      if (at >= from) break // insertion order is completion order
      this.completedTaskIds.delete(taskId)
    }
  }

  private queueDepth(live: LiveInputs): MetricsSnapshot['queue_depth'] {
    const current = isCount(live.queue_depth) ? live.queue_depth : this.lastSchedulerQueued
    const hour = this.queueSamples.items.map((s) => s.depth)
    const trend = hour.slice(-QUEUE_TREND_SAMPLES)
    return {
      current,
      trend,
      max_1h: hour.length > 0 ? Math.max(...hour) : current,
      avg_1h: hour.length > 0 ? round1(hour.reduce((a, b) => a + b, 0) / hour.length) : current,
    }
  }

  private latency(): MetricsSnapshot['task_latency'] {
    const sorted = [...this.recentDurations].sort((a, b) => a - b)
    return {
      window: windowLatency(this.completions.items.map((c) => c.duration_ms)),
      cumulative: { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99), count: this.lifetime.completed },
    }
  }

  private utilization(now: number, live: LiveInputs): MetricsSnapshot['agent_utilization'] {
    const byAgent = new Map<string, number[]>()
    for (const c of this.completions.items) {
      const list = byAgent.get(c.agent_id)
      if (list) list.push(c.duration_ms)
      else byAgent.set(c.agent_id, [c.duration_ms])
    }
    const total = live.agents.length
    const idle = live.agents.filter((a) => a.fsm_state === 'idle').length
    const working = live.agents.filter((a) => WORKING_STATES.has(a.fsm_state)).length
    return {
      system: {
        total_agents: total,
        agents_online: live.agents_online,
        agents_idle: idle,
        agents_working: working,
        utilization_pct: total === 0 ? 0 : round1((working / total) * 100),
      },
      per_agent: live.agents.map((agent) => this.agentUtilization(agent, now, byAgent.get(agent.agent_id) ?? [])),
    }
  }

  private agentUtilization(agent: LiveInputs['agents'][number], now: number, durations: number[]): AgentUtilization {
    const start = Math.max(now - METRICS_WINDOW_MS, agent.connected_at ?? -Infinity)
    const shares = stateShares(this.transitions.get(agent.agent_id)?.since(start) ?? [], agent.fsm_state, start, now)
    return {
      agent_id: agent.agent_id,
      state: agent.fsm_state,
      idle_pct_1h: shares.idle,
      working_pct_1h: shares.working,
      blocked_pct_1h: shares.blocked,
      tasks_completed_1h: durations.length,
      avg_task_duration_ms: integerMean(durations),
    }
  }

  private windowErrors(): ErrorCounts {
    return errorCounts(this.completions.items.length, this.failures.items.length, this.deadLetters.items.length)
  }

  private cumulativeErrors(): ErrorCounts {
    return errorCounts(this.lifetime.completed, this.lifetime.failed, this.lifetime.dead_letter)
  }
}

function errorCounts(completed: number, failed: number, deadLetter: number): ErrorCounts {
  return { total_tasks: completed + failed + deadLetter, failed, dead_letter: deadLetter, failure_rate_pct: failureRatePct(completed, failed, deadLetter) }
}

type Category = 'idle' | 'working' | 'blocked'

function categoryOf(state: string): Category {
  if (WORKING_STATES.has(state)) return 'working'
  if (state === 'blocked') return 'blocked'
  return 'idle'
}

/**
 * Shares (%, one decimal) of [start, now] spent idle / working / blocked, from the transitions
 * inside it; before the first one the agent was in that transition's `from` state, with none it
 * was in `current` throughout.
 */
export function stateShares(transitions: readonly Transition[], current: string, start: number, now: number): Record<Category, number> {
  const span = now - start
  if (!(span > 0)) return { idle: 0, working: 0, blocked: 0, [categoryOf(current)]: 100 } as Record<Category, number>
  const spent: Record<Category, number> = { idle: 0, working: 0, blocked: 0 }
  let cursor = start
  let state: string = transitions.length > 0 ? transitions[0].from : current
  for (const t of transitions) {
    const at = Math.min(Math.max(t.at, cursor), now)
    spent[categoryOf(state)] += at - cursor
    cursor = at
    state = t.to
  }
  spent[categoryOf(state)] += now - cursor
  return { idle: round1((spent.idle / span) * 100), working: round1((spent.working / span) * 100), blocked: round1((spent.blocked / span) * 100) }
}

/** The all-zero snapshot returned when computing one fails (hardening.md §4.1). */
export function emptySnapshot(now: number): MetricsSnapshot {
  const zeros: ErrorCounts = { total_tasks: 0, failed: 0, dead_letter: 0, failure_rate_pct: 0 }
  return {
    timestamp: now,
    window_ms: METRICS_WINDOW_MS,
    queue_depth: { current: 0, trend: [], max_1h: 0, avg_1h: 0 },
    task_latency: { window: { p50: 0, p90: 0, p99: 0, count: 0, min: 0, max: 0, mean: 0 }, cumulative: { p50: 0, p90: 0, p99: 0, count: 0 } },
    agent_utilization: { system: { total_agents: 0, agents_online: 0, agents_idle: 0, agents_working: 0, utilization_pct: 0 }, per_agent: [] },
    error_rates: { window: { ...zeros }, cumulative: { ...zeros } },
    dets_health: null,
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}
