// The dashboard's health badge (hardening.md §7.3): `{status: ok|warning|critical, conditions}`
// from real signals. Independent of the alert rules (different thresholds and windows), as in the
// original, except that active alerts now show up here too.
//
// Changes from the original, all deliberate:
// - an agent that left is a warning for AGENT_OFFLINE_WARNING_MS (1 h) after it left, not
//   forever (the original listed every agent ever seen that had no live FSM);
// - "backup never run" is a warning only once a backup is overdue (booted more than one backup
//   interval + 1 h ago); a fresh hub is `ok` (the original showed `warning` for its first 24 h);
// - storage in degraded mode (data lost, running on an empty table) or not open is critical;
// - supervisor restarts in the last hour are a warning, a supervisor giving up is critical;
// - unacknowledged active alerts are listed (critical alerts make the status critical);
// - the hour-based rules use rolling hours (the original reset its counters on an hourly timer)
//   and count each failure once (it counted a dead-lettering failure twice).
export type HealthStatus = 'ok' | 'warning' | 'critical'

export interface DashboardHealth {
  status: HealthStatus
  conditions: string[]
}

export const AGENT_OFFLINE_WARNING_MS = 3_600_000
export const STUCK_TASK_MS = 300_000
export const HIGH_FAILURE_SHARE = 0.5
export const BACKUP_STALE_MS = 48 * 3_600_000
export const BACKUP_INTERVAL_MS = 24 * 3_600_000
export const BACKUP_OVERDUE_GRACE_MS = 3_600_000
export const HIGH_FRAGMENTATION_RATIO = 0.5
export const HIGH_VALIDATION_FAILURES = 50
export const RESTART_WINDOW_MS = 3_600_000

export interface HealthSignals {
  now: number
  /** when this hub process started */
  booted_at: number
  /** agents that left and have not come back (AgentDepartures.recent) */
  departed_agents: ReadonlyArray<{ agent_id: string; left_at: number }>
  /** queued count sampled once a minute, newest last */
  queue_minute_samples: readonly number[]
  /** rolling-hour task outcomes; `failed` counts every failed attempt once (requeued or dead-lettered) */
  hour: { completed: number; failed: number }
  assigned_tasks: ReadonlyArray<{ task_id: string; assigned_at: number | null; updated_at: number | null }>
  /** null when storage is not open */
  storage: {
    mode: 'normal' | 'degraded'
    degraded_reason?: string | null
    last_backup_at: number | null
    tables: ReadonlyArray<{ table: string; status: string; fragmentation_ratio: number }>
  } | null
  validation_failures_1h: number
  /** supervisor events (bus topic `supervisor`) of at least the last hour */
  supervisor_events: ReadonlyArray<{ event: string; supervisor: string; child: string; at: number }>
  active_alerts: ReadonlyArray<{ rule_id: string; severity: string; message: string; acknowledged: boolean }>
  /** the backup schedule (default 24 h) */
  backup_interval_ms?: number
}

interface Finding {
  severity: 'warning' | 'critical'
  text: string
}

export function dashboardHealth(signals: HealthSignals): DashboardHealth {
  const findings: Finding[] = [
    ...storageFindings(signals),
    ...agentFindings(signals),
    ...queueFindings(signals),
    ...failureFindings(signals),
    ...stuckFindings(signals),
    ...backupFindings(signals),
    ...fragmentationFindings(signals),
    ...validationFindings(signals),
    ...supervisorFindings(signals),
    ...alertFindings(signals),
  ]
  const status: HealthStatus = findings.some((f) => f.severity === 'critical') ? 'critical' : findings.length > 0 ? 'warning' : 'ok'
  return { status, conditions: findings.map((f) => f.text) }
}

function storageFindings({ storage }: HealthSignals): Finding[] {
  if (storage === null) return [{ severity: 'critical', text: 'Storage unavailable' }]
  if (storage.mode === 'degraded') return [{ severity: 'critical', text: `Storage degraded: ${storage.degraded_reason || 'running without the stored data'}` }]
  return []
}

function agentFindings({ departed_agents, now }: HealthSignals): Finding[] {
  const recent = departed_agents.filter((a) => now - a.left_at <= AGENT_OFFLINE_WARNING_MS).map((a) => a.agent_id)
  return recent.length > 0 ? [{ severity: 'warning', text: `Agent offline: ${[...recent].sort().join(', ')}` }] : []
}

function queueFindings({ queue_minute_samples: samples }: HealthSignals): Finding[] {
  if (samples.length < 3) return []
  const [x, y, z] = samples.slice(-3)
  return x < y && y < z ? [{ severity: 'warning', text: `Queue growing: ${x} -> ${y} -> ${z}` }] : []
}

function failureFindings({ hour }: HealthSignals): Finding[] {
  const total = hour.completed + hour.failed
  if (total === 0 || !(hour.failed / total > HIGH_FAILURE_SHARE)) return []
  return [{ severity: 'critical', text: `High failure rate: ${hour.failed}/${total} tasks failed this hour` }]
}

function stuckFindings({ assigned_tasks, now }: HealthSignals): Finding[] {
  const ids = assigned_tasks
    .filter((task) => {
      const since = task.updated_at ?? task.assigned_at
      return since !== null && now - since > STUCK_TASK_MS
    })
    .map((task) => task.task_id)
  return ids.length > 0 ? [{ severity: 'warning', text: `Stuck tasks: ${ids.join(', ')}` }] : []
}

function backupFindings({ storage, now, booted_at, backup_interval_ms }: HealthSignals): Finding[] {
  if (storage === null) return []
  if (storage.last_backup_at === null) {
    const overdueAt = booted_at + (backup_interval_ms ?? BACKUP_INTERVAL_MS) + BACKUP_OVERDUE_GRACE_MS
    return now > overdueAt ? [{ severity: 'warning', text: 'DETS backup: never run' }] : []
  }
  const age = now - storage.last_backup_at
  if (age <= BACKUP_STALE_MS) return []
  return [{ severity: 'warning', text: `DETS backup stale: last backup ${Math.floor(age / 3_600_000)}h ago` }]
}

function fragmentationFindings({ storage }: HealthSignals): Finding[] {
  if (storage === null) return []
  const tables = storage.tables.filter((t) => t.status === 'ok' && t.fragmentation_ratio > HIGH_FRAGMENTATION_RATIO).map((t) => t.table)
  return tables.length > 0 ? [{ severity: 'warning', text: `DETS fragmentation >50%: ${tables.join(', ')}` }] : []
}

function validationFindings({ validation_failures_1h: n }: HealthSignals): Finding[] {
  return n > HIGH_VALIDATION_FAILURES ? [{ severity: 'warning', text: `High validation failures: ${n} this hour` }] : []
}

function supervisorFindings({ supervisor_events, now }: HealthSignals): Finding[] {
  const recent = supervisor_events.filter((e) => now - e.at <= RESTART_WINDOW_MS)
  const findings: Finding[] = []
  const gaveUp = [...new Set(recent.filter((e) => e.event === 'give_up').map((e) => e.supervisor))]
  if (gaveUp.length > 0) findings.push({ severity: 'critical', text: `Supervisor gave up: ${gaveUp.join(', ')}` })
  const restarts = recent.filter((e) => e.event === 'restart' || e.event === 'restart_failed')
  if (restarts.length > 0) {
    const children = [...new Set(restarts.map((e) => e.child))].sort()
    findings.push({ severity: 'warning', text: `Supervisor restarts: ${restarts.length} in the last hour (${children.join(', ')})` })
  }
  return findings
}

function alertFindings({ active_alerts }: HealthSignals): Finding[] {
  return active_alerts
    .filter((a) => !a.acknowledged)
    .map((a) => ({ severity: a.severity === 'critical' ? 'critical' : 'warning', text: `Alert ${a.rule_id}: ${a.message}` }))
}

/**
 * The push notification for a health change (hardening.md §7.4): only when the badge goes from
 * `ok` to `warning` / `critical`.
 */
export function healthPush(previous: HealthStatus | null, next: DashboardHealth): { title: string; body: string } | null {
  if (previous !== 'ok' || next.status === 'ok') return null
  return { title: 'AgentCom Alert', body: `Health ${next.status}: ${next.conditions.join('; ')}` }
}
