import t from 'tap'
import {
  MetricsAggregator,
  QUEUE_TREND_SAMPLES,
  V11_TELEMETRY_EVENTS,
  TELEMETRY_EVENTS,
  asTelemetryEvent,
  emptySnapshot,
  percentile,
  stateShares,
  telemetry,
  telemetryLogEntry,
  type LiveInputs,
} from '../../actors/metrics'

const T0 = 1_700_000_000_000
const MIN = 60_000
const HOUR = 3_600_000

const live = (over: Partial<LiveInputs> = {}): LiveInputs => ({ queue_depth: 0, agents: [], agents_online: 0, ...over })

function complete(m: MetricsAggregator, at: number, task: string, agent: string, duration: number, tokens: number | null = null) {
  m.record(telemetry('agent_com.task.complete', { duration_ms: duration }, { task_id: task, agent_id: agent, tokens_used: tokens }, at))
}
function fail(m: MetricsAggregator, at: number, task: string) {
  m.record(telemetry('agent_com.task.fail', { retry_count: 1 }, { task_id: task, agent_id: 'a', error: 'x' }, at))
}
function deadLetter(m: MetricsAggregator, at: number, task: string) {
  m.record(telemetry('agent_com.task.dead_letter', { retry_count: 3 }, { task_id: task, error: 'x' }, at))
}
function transition(m: MetricsAggregator, at: number, agent: string, from: string, to: string) {
  m.record(telemetry('agent_com.fsm.transition', { duration_ms: 0 }, { agent_id: agent, from_state: from, to_state: to, task_id: null }, at))
}

t.test('the snapshot has exactly the /api/metrics shape of hardening.md §4.1', async (t) => {
  const m = new MetricsAggregator()
  const snap = m.snapshot(T0, live())
  t.same(snap, emptySnapshot(T0), 'a fresh aggregator reports zeros')
  t.same(Object.keys(snap), ['timestamp', 'window_ms', 'queue_depth', 'task_latency', 'agent_utilization', 'error_rates', 'dets_health'])
  t.same(Object.keys(snap.queue_depth), ['current', 'trend', 'max_1h', 'avg_1h'])
  t.same(Object.keys(snap.task_latency.window), ['p50', 'p90', 'p99', 'count', 'min', 'max', 'mean'])
  t.same(Object.keys(snap.task_latency.cumulative), ['p50', 'p90', 'p99', 'count'])
  t.same(Object.keys(snap.agent_utilization.system), ['total_agents', 'agents_online', 'agents_idle', 'agents_working', 'utilization_pct'])
  t.same(Object.keys(snap.error_rates.window), ['total_tasks', 'failed', 'dead_letter', 'failure_rate_pct'])
  t.equal(snap.window_ms, 3_600_000)
})

t.test('latency percentiles use index floor(p·(n−1)); integer mean', async (t) => {
  t.equal(percentile([], 0.5), 0)
  t.equal(percentile([7], 0.99), 7)
  const sorted = Array.from({ length: 10 }, (_, i) => (i + 1) * 100)
  t.same([percentile(sorted, 0.5), percentile(sorted, 0.9), percentile(sorted, 0.99)], [500, 900, 900])
  const m = new MetricsAggregator()
  ;[300, 100, 200, 1000, 401].forEach((d, i) => complete(m, T0 + i, `t${i}`, 'a', d))
  t.same(m.snapshot(T0 + 10, live()).task_latency, {
    window: { p50: 300, p90: 401, p99: 401, count: 5, min: 100, max: 1000, mean: 400 },
    cumulative: { p50: 300, p90: 401, p99: 401, count: 5 },
  })
})

t.test('windows really roll: an hour later the window is empty, cumulative keeps counting', async (t) => {
  const m = new MetricsAggregator()
  complete(m, T0, 'old', 'a', 5000)
  fail(m, T0, 'f1')
  deadLetter(m, T0, 'd1')
  complete(m, T0 + 30 * MIN, 'new', 'a', 1000)
  let snap = m.snapshot(T0 + 59 * MIN, live())
  t.same(snap.error_rates.window, { total_tasks: 4, failed: 1, dead_letter: 1, failure_rate_pct: 50 })
  snap = m.snapshot(T0 + HOUR + 1, live())
  t.same(snap.error_rates.window, { total_tasks: 1, failed: 0, dead_letter: 0, failure_rate_pct: 0 }, 'the first 3 events left the window')
  t.same(snap.error_rates.cumulative, { total_tasks: 4, failed: 1, dead_letter: 1, failure_rate_pct: 50 })
  t.same(snap.task_latency.window, { p50: 1000, p90: 1000, p99: 1000, count: 1, min: 1000, max: 1000, mean: 1000 })
  t.same(snap.task_latency.cumulative, { p50: 1000, p90: 1000, p99: 1000, count: 2 }, 'both retained durations, index floor(p·1) = 0')
  t.same(m.errorWindow(T0 + 2 * HOUR), { total_tasks: 0, failed: 0, dead_letter: 0, failure_rate_pct: 0 })
  fail(m, T0 + 2 * HOUR, 'f2')
  fail(m, T0 + 2 * HOUR, 'f3')
  complete(m, T0 + 2 * HOUR, 'c3', 'a', 10)
  t.same(m.errorWindow(T0 + 2 * HOUR), { total_tasks: 3, failed: 2, dead_letter: 0, failure_rate_pct: 66.7 })
})

t.test('throughput counts each completion once, tokens and mean over the hour', async (t) => {
  const m = new MetricsAggregator()
  complete(m, T0, 't1', 'a', 1000, 50)
  complete(m, T0 + 1, 't1', 'a', 1000, 50) // the same completion reported twice
  complete(m, T0 + 2, 't2', 'b', 2001, null)
  t.same(m.throughput(T0 + 10), { completed_last_hour: 2, avg_completion_ms: 1500, total_tokens_hour: 50 })
  // a dead-letter retry lets the same task complete again, legitimately
  m.record(telemetry('agent_com.task.retry', {}, { task_id: 't1', previous_error: 'x' }, T0 + 20))
  complete(m, T0 + 30, 't1', 'a', 500, 5)
  t.same(m.throughput(T0 + 40), { completed_last_hour: 3, avg_completion_ms: 1167, total_tokens_hour: 55 })
  t.equal(m.totals.completed, 3)
  t.equal(m.totals.retried, 1)
  t.same(m.throughput(T0 + HOUR + 31), { completed_last_hour: 0, avg_completion_ms: 0, total_tokens_hour: 0 })
})

t.test('queue depth: sampled per tick, trend of the last 60, max/avg over a real hour', async (t) => {
  const m = new MetricsAggregator()
  t.same(m.snapshot(T0, live({ queue_depth: 4 })).queue_depth, { current: 4, trend: [], max_1h: 4, avg_1h: 4 }, 'before the first tick')
  let snap = m.tick(T0, live({ queue_depth: 50 }))
  for (let i = 1; i < 100; i++) snap = m.tick(T0 + i * 10_000, live({ queue_depth: i % 10 }))
  t.equal(snap.queue_depth.trend.length, QUEUE_TREND_SAMPLES)
  t.same(snap.queue_depth.trend.slice(-3), [7, 8, 9])
  t.equal(snap.queue_depth.current, 9)
  t.equal(snap.queue_depth.max_1h, 50, 'the 50 from 16 minutes ago is outside the trend but inside the hour')
  t.equal(snap.queue_depth.avg_1h, Math.round(((50 + 45 * 10 - 0) / 100) * 10) / 10)
  snap = m.tick(T0 + HOUR + 5000, live({ queue_depth: 1 }))
  t.ok(snap.queue_depth.max_1h < 50, 'the old peak rolled out of the hour')
})

t.test('agent utilisation from FSM transitions over the connected part of the hour', async (t) => {
  const m = new MetricsAggregator()
  const now = T0 + HOUR
  transition(m, T0 + 10 * MIN, 'a', 'idle', 'assigned')
  transition(m, T0 + 11 * MIN, 'a', 'assigned', 'working')
  transition(m, T0 + 40 * MIN, 'a', 'working', 'blocked')
  transition(m, T0 + 46 * MIN, 'a', 'blocked', 'idle')
  complete(m, T0 + 40 * MIN, 'ta', 'a', 29 * MIN)
  transition(m, now - 10 * MIN, 'b', 'idle', 'working')
  const snap = m.snapshot(now, {
    queue_depth: 0,
    agents_online: 2,
    agents: [
      { agent_id: 'a', fsm_state: 'idle', connected_at: T0 - HOUR },
      { agent_id: 'b', fsm_state: 'working', connected_at: now - 10 * MIN },
      { agent_id: 'c', fsm_state: 'blocked', connected_at: null },
    ],
  })
  t.same(snap.agent_utilization.per_agent, [
    { agent_id: 'a', state: 'idle', idle_pct_1h: 40, working_pct_1h: 50, blocked_pct_1h: 10, tasks_completed_1h: 1, avg_task_duration_ms: 29 * MIN },
    { agent_id: 'b', state: 'working', idle_pct_1h: 0, working_pct_1h: 100, blocked_pct_1h: 0, tasks_completed_1h: 0, avg_task_duration_ms: 0 },
    { agent_id: 'c', state: 'blocked', idle_pct_1h: 0, working_pct_1h: 0, blocked_pct_1h: 100, tasks_completed_1h: 0, avg_task_duration_ms: 0 },
  ])
  t.same(snap.agent_utilization.system, { total_agents: 3, agents_online: 2, agents_idle: 1, agents_working: 1, utilization_pct: 33.3 })
  t.same(stateShares([], 'offline', now, now), { idle: 100, working: 0, blocked: 0 }, 'zero-length span: current state')
  m.record(telemetry('agent_com.agent.disconnect', { connected_duration_ms: 1 }, { agent_id: 'a', reason: 'closed' }, now))
  const after = m.snapshot(now, { queue_depth: 0, agents_online: 1, agents: [{ agent_id: 'a', fsm_state: 'idle', connected_at: now - MIN }] })
  t.same(after.agent_utilization.per_agent[0].idle_pct_1h, 100, 'a reconnected agent starts a fresh history')
})

t.test('a computation error yields the all-zero snapshot, never an exception', async (t) => {
  const m = new MetricsAggregator()
  complete(m, T0, 't', 'a', 10)
  t.same(m.snapshot(T0, { queue_depth: 1, agents: null, agents_online: 0 } as unknown as LiveInputs), emptySnapshot(T0))
})

t.test('telemetry envelope, catalogue and log entry', async (t) => {
  t.equal(V11_TELEMETRY_EVENTS.length, 22)
  t.equal(new Set(TELEMETRY_EVENTS).size, TELEMETRY_EVENTS.length)
  const e = telemetry('agent_com.task.submit', { queue_depth: 3 }, { task_id: 't', priority: 2, submitted_by: 'a' }, T0)
  t.equal(asTelemetryEvent(e), e)
  t.equal(asTelemetryEvent({ type: 'supervisor', event: 'restart' }), null, 'supervisor payloads on the same topic are ignored')
  t.equal(asTelemetryEvent({ ...e, event: 'agent_com.unknown' }), null)
  t.equal(asTelemetryEvent({ ...e, at: 'now' }), null)
  t.equal(asTelemetryEvent(null), null)
  t.same(telemetryLogEntry(e), { level: 'info', message: 'telemetry_event', meta: { telemetry_event: 'agent_com.task.submit', measurements: { queue_depth: 3 }, metadata: { task_id: 't', priority: 2, submitted_by: 'a' } } })
  t.equal(telemetryLogEntry(telemetry('agent_com.rate_limit.check', { tokens_remaining: 1 }, { agent_id: 'a', channel: 'ws', tier: 'light', result: 'allow' }, T0)).level, 'debug')
})
