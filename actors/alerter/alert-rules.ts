// The six alert conditions (hardening.md §4.2, smart-pipeline.md §10) as pure checks on the
// inputs of one alert cycle. Each returns null (condition absent) or the message and details the
// alert would carry. Lifecycle (fire / re-fire / clear) is in evaluation.ts.
import type { AlertThresholds, RuleId } from './thresholds'

export type Severity = 'warning' | 'critical'

export const RULE_SEVERITY: Readonly<Record<RuleId, Severity>> = Object.freeze({
  queue_growing: 'warning',
  high_failure_rate: 'warning',
  stuck_tasks: 'critical',
  no_agents_online: 'critical',
  high_error_rate: 'warning',
  tier_down: 'warning',
})

export const DEFAULT_TIER_DOWN_ALERT_THRESHOLD_MS = 60_000
export const STUCK_IDS_IN_MESSAGE = 5

/** What one alert cycle looks at, gathered from the owning actors. */
export interface AlertInputs {
  /** queued tasks now (task queue) */
  queue_depth: number
  /** rolling-hour outcome counts (metrics aggregator `errorWindow`) */
  errors_1h: { total_tasks: number; failed: number; dead_letter: number; failure_rate_pct: number }
  /** tasks in status `assigned` */
  assigned_tasks: ReadonlyArray<{ task_id: string; assigned_at: number | null; updated_at: number | null }>
  /** connected agents now (presence) */
  agents_online: number
  /** LLM registry endpoints and their health */
  llm_endpoints: ReadonlyArray<{ id: string; status: string }>
  /** config `tier_down_alert_threshold_ms` (default 60 000) */
  tier_down_alert_threshold_ms?: number
}

export interface Condition {
  message: string
  details: Record<string, unknown>
}

/** Length of the strictly increasing run at the end of `samples` (one sample = a run of 1). */
export function growingRun(samples: readonly number[]): number {
  if (samples.length === 0) return 0
  let run = 1
  for (let i = samples.length - 1; i > 0 && samples[i] > samples[i - 1]; i--) run++
  return run
}

/** The queue-depth samples (one per check) end with ≥ N strictly increasing samples. */
export function queueGrowing(samples: readonly number[], thresholds: AlertThresholds): Condition | null {
  const n = thresholds.queue_growing_checks
  const run = growingRun(samples)
  if (run < n) return null
  const trend = samples.slice(-run)
  return { message: `Queue growing: ${trend.join(' -> ')} over ${run} checks`, details: { trend, current: trend[trend.length - 1], checks: run, threshold: n } }
}

export function highFailureRate(inputs: AlertInputs, thresholds: AlertThresholds): Condition | null {
  const { total_tasks, failure_rate_pct, failed, dead_letter } = inputs.errors_1h
  if (total_tasks <= 0 || !(failure_rate_pct > thresholds.failure_rate_pct)) return null
  return {
    message: `High failure rate: ${failure_rate_pct}% of ${total_tasks} tasks failed in the last hour (threshold ${thresholds.failure_rate_pct}%)`,
    details: { failure_rate_pct, total_tasks, failed, dead_letter, threshold: thresholds.failure_rate_pct },
  }
}

export function stuckTasks(inputs: AlertInputs, thresholds: AlertThresholds, now: number): Condition | null {
  const stuck: Array<{ task_id: string; stuck_ms: number }> = []
  for (const task of inputs.assigned_tasks) {
    const since = task.updated_at ?? task.assigned_at
    if (since === null) continue
    const stuckMs = now - since
    if (stuckMs > thresholds.stuck_task_ms) stuck.push({ task_id: task.task_id, stuck_ms: stuckMs })
  }
  if (stuck.length === 0) return null
  stuck.sort((a, b) => b.stuck_ms - a.stuck_ms)
  const ids = stuck.map((s) => s.task_id)
  const shown = ids.slice(0, STUCK_IDS_IN_MESSAGE).join(', ') + (ids.length > STUCK_IDS_IN_MESSAGE ? `, … (+${ids.length - STUCK_IDS_IN_MESSAGE})` : '')
  return {
    message: `${ids.length} stuck task(s) with no progress for over ${Math.round(thresholds.stuck_task_ms / 1000)}s: ${shown}`,
    details: { task_ids: ids, count: ids.length, max_stuck_ms: stuck[0].stuck_ms, threshold_ms: thresholds.stuck_task_ms },
  }
}

/**
 * "Agents were connected before and now none are" (the intended meaning; the original compared
 * two counts that drop to 0 together). `agentsSeen` = at least one agent was online since boot.
 */
export function noAgentsOnline(inputs: AlertInputs, agentsSeen: boolean): Condition | null {
  if (!agentsSeen || inputs.agents_online > 0) return null
  return { message: 'No agents online: every agent that was connected has gone', details: { agents_online: 0 } }
}

export function highErrorRate(inputs: AlertInputs, thresholds: AlertThresholds): Condition | null {
  const failed = inputs.errors_1h.failed
  if (!(failed > thresholds.error_count_hour)) return null
  return { message: `High error rate: ${failed} failures in the last hour (threshold ${thresholds.error_count_hour})`, details: { failed, threshold: thresholds.error_count_hour } }
}

/** When no registered endpoint is healthy: since when (null = condition absent). */
export function tierDownSince(inputs: AlertInputs, previousSince: number | null, now: number): number | null {
  if (inputs.llm_endpoints.length === 0) return null
  if (inputs.llm_endpoints.some((e) => e.status === 'healthy')) return null
  return previousSince ?? now
}

export function tierDown(inputs: AlertInputs, since: number | null, now: number): Condition | null {
  if (since === null) return null
  const duration = now - since
  if (duration < (inputs.tier_down_alert_threshold_ms ?? DEFAULT_TIER_DOWN_ALERT_THRESHOLD_MS)) return null
  return {
    message: `Ollama tier down: no healthy endpoints for ${Math.floor(duration / 1000)}s`,
    details: { unhealthy_endpoints: inputs.llm_endpoints.map((e) => e.id), duration_ms: duration },
  }
}
