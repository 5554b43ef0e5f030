// `GET /metrics` (beyond the original): the metrics snapshot in the Prometheus text exposition
// format, rendered by prom-client from a fresh Registry per scrape so values are exactly the
// snapshot's (the same numbers /api/metrics reports). Latency percentiles are exported as gauges
// with a `quantile` label rather than a prom-client Summary: a Summary would re-estimate them
// with its own t-digest over its own time buckets (on the wall clock) and disagree with
// /api/metrics.
import { Counter, Gauge, Registry } from 'prom-client'
import type { MetricsSnapshot } from './metrics-aggregator'

export const PROMETHEUS_PREFIX = 'agentcom_'

export interface PrometheusExposition {
  contentType: string
  body: string
}

interface StorageTable {
  table: string
  record_count: number
  file_size_bytes: number
  fragmentation_ratio: number
  status: string
}

export async function toPrometheus(snapshot: MetricsSnapshot): Promise<PrometheusExposition> {
  const registry = new Registry()
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name: PROMETHEUS_PREFIX + name, help, labelNames, registers: [registry] })
  const counter = (name: string, help: string, value: number) => {
    const c = new Counter({ name: PROMETHEUS_PREFIX + name, help, registers: [registry] })
    c.inc(Math.max(0, value))
  }

  const queue = snapshot.queue_depth
  gauge('queue_depth', 'Queued tasks now.').set(queue.current)
  gauge('queue_depth_max_1h', 'Highest sampled queue depth over the last hour.').set(queue.max_1h)
  gauge('queue_depth_avg_1h', 'Mean sampled queue depth over the last hour.').set(queue.avg_1h)

  const latency = gauge('task_latency_ms', 'Task run time (assignment to completion) percentiles in ms.', ['window', 'quantile'])
  const w = snapshot.task_latency.window
  const c = snapshot.task_latency.cumulative
  for (const [q, key] of [['0.5', 'p50'], ['0.9', 'p90'], ['0.99', 'p99']] as const) {
    latency.set({ window: '1h', quantile: q }, w[key])
    latency.set({ window: 'cumulative', quantile: q }, c[key])
  }
  const latencyStat = gauge('task_latency_window_ms', 'Task run time over the last hour: min, max, mean in ms.', ['stat'])
  latencyStat.set({ stat: 'min' }, w.min)
  latencyStat.set({ stat: 'max' }, w.max)
  latencyStat.set({ stat: 'mean' }, w.mean)
  gauge('tasks_completed_1h', 'Tasks completed in the last hour.').set(w.count)

  const cumulative = snapshot.error_rates.cumulative
  counter('tasks_completed_total', 'Tasks completed since the hub started.', cumulative.total_tasks - cumulative.failed - cumulative.dead_letter)
  counter('tasks_failed_total', 'Failed attempts that were requeued, since the hub started.', cumulative.failed)
  counter('tasks_dead_letter_total', 'Tasks dead-lettered since the hub started.', cumulative.dead_letter)
  const windowOutcomes = gauge('tasks_1h', 'Task outcomes in the last hour.', ['outcome'])
  const win = snapshot.error_rates.window
  windowOutcomes.set({ outcome: 'completed' }, win.total_tasks - win.failed - win.dead_letter)
  windowOutcomes.set({ outcome: 'failed' }, win.failed)
  windowOutcomes.set({ outcome: 'dead_letter' }, win.dead_letter)
  const failureRate = gauge('failure_rate_pct', 'Failed + dead-lettered share of finished tasks, percent.', ['window'])
  failureRate.set({ window: '1h' }, win.failure_rate_pct)
  failureRate.set({ window: 'cumulative' }, cumulative.failure_rate_pct)

  const system = snapshot.agent_utilization.system
  const agents = gauge('agents', 'Agents by kind: live FSMs (total), connected (online), idle, working.', ['kind'])
  agents.set({ kind: 'total' }, system.total_agents)
  agents.set({ kind: 'online' }, system.agents_online)
  agents.set({ kind: 'idle' }, system.agents_idle)
  agents.set({ kind: 'working' }, system.agents_working)
  gauge('utilization_pct', 'Working agents as a percentage of live agents.').set(system.utilization_pct)

  const share = gauge('agent_state_pct_1h', "Share of the agent's last hour per state, percent.", ['agent_id', 'state'])
  const done = gauge('agent_tasks_completed_1h', 'Tasks the agent completed in the last hour.', ['agent_id'])
  const avg = gauge('agent_avg_task_duration_ms', "Mean run time of the agent's tasks in the last hour.", ['agent_id'])
  for (const agent of snapshot.agent_utilization.per_agent) {
    share.set({ agent_id: agent.agent_id, state: 'idle' }, agent.idle_pct_1h)
    share.set({ agent_id: agent.agent_id, state: 'working' }, agent.working_pct_1h)
    share.set({ agent_id: agent.agent_id, state: 'blocked' }, agent.blocked_pct_1h)
    done.set({ agent_id: agent.agent_id }, agent.tasks_completed_1h)
    avg.set({ agent_id: agent.agent_id }, agent.avg_task_duration_ms)
  }

  const tables = storageTables(snapshot.dets_health)
  if (tables.length > 0) {
    const records = gauge('storage_table_records', 'Records per storage table.', ['table'])
    const bytes = gauge('storage_table_bytes', 'Bytes per storage table.', ['table'])
    const fragmentation = gauge('storage_fragmentation_ratio', 'Dead-space share of the storage file (0..1).', ['table'])
    const up = gauge('storage_table_up', '1 when the table is available.', ['table'])
    for (const t of tables) {
      records.set({ table: t.table }, t.record_count)
      bytes.set({ table: t.table }, t.file_size_bytes)
      fragmentation.set({ table: t.table }, t.fragmentation_ratio)
      up.set({ table: t.table }, t.status === 'ok' ? 1 : 0)
    }
  }
  return { contentType: registry.contentType, body: await registry.metrics() }
}

function storageTables(health: unknown): StorageTable[] {
  if (typeof health !== 'object' || health === null) return []
  const tables = (health as { tables?: unknown }).tables
  if (!Array.isArray(tables)) return []
  return tables.filter(
    (t): t is StorageTable =>
      typeof t === 'object' && t !== null && typeof t.table === 'string' && [t.record_count, t.file_size_bytes, t.fragmentation_ratio].every((n) => typeof n === 'number'),
  )
}
