// Rolling chart data: one point per `metrics_snapshot` (every 10 s), 360 points = the last hour
// (hardening.md §7.1). Points are plain objects; the chart view turns them into uPlot columns.
export const SERIES_CAPACITY = 360
export const SERIES_WINDOW_MS = 3600000

export function createMetricsSeries() {
  return { points: [] }
}

const numberOrNull = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : null)

/** A chart point from a metrics snapshot (hardening.md §4.1 shape). */
export function pointFromMetrics(metrics, completedLastHour) {
  const latency = (metrics.task_latency && metrics.task_latency.window) || {}
  const system = (metrics.agent_utilization && metrics.agent_utilization.system) || {}
  const errors = (metrics.error_rates && metrics.error_rates.window) || {}
  return {
    at: numberOrNull(metrics.timestamp) ?? Date.now(),
    queueDepth: numberOrNull(metrics.queue_depth && metrics.queue_depth.current),
    p50: numberOrNull(latency.p50),
    p90: numberOrNull(latency.p90),
    p99: numberOrNull(latency.p99),
    utilization: numberOrNull(system.utilization_pct),
    completed: numberOrNull(completedLastHour),
    failed: numberOrNull(errors.failed),
  }
}

/** A first point from the dashboard snapshot, so charts are not empty until the next tick. */
export function pointFromSnapshot(snapshot, completedLastHour) {
  const agents = Array.isArray(snapshot.agents) ? snapshot.agents : []
  const busy = agents.filter((agent) => agent.fsm_state === 'assigned' || agent.fsm_state === 'working').length
  const byStatus = (snapshot.queue && snapshot.queue.by_status) || {}
  return {
    at: numberOrNull(snapshot.timestamp) ?? Date.now(),
    queueDepth: numberOrNull(byStatus.queued) ?? 0,
    p50: null,
    p90: null,
    p99: null,
    utilization: agents.length ? Math.round((busy / agents.length) * 1000) / 10 : 0,
    completed: numberOrNull(completedLastHour),
    failed: null,
  }
}

/** New series with `point` appended (a point with the same timestamp replaces the last one). */
export function appendPoint(series, point) {
  const points = series.points.filter((existing) => existing.at !== point.at)
  points.push(point)
  points.sort((a, b) => a.at - b.at)
  const oldestAllowed = points[points.length - 1].at - SERIES_WINDOW_MS
  const recent = points.filter((existing) => existing.at >= oldestAllowed)
  return { points: recent.slice(-SERIES_CAPACITY) }
}

/** uPlot's column layout: [x seconds[], ...one array per key]. */
export function chartColumns(series, keys) {
  return [series.points.map((point) => point.at / 1000), ...keys.map((key) => series.points.map((point) => point[key]))]
}
