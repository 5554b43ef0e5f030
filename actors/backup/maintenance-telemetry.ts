// The storage spans of hardening.md §3.2 (`agent_com.dets.{backup,compaction,restore}.*`) as
// telemetry events on the bus. Only the outcome is emitted (stop or exception), with the
// duration measured on the actor's clock; nobody consumes the start events.
import { telemetry, type TelemetryEvent } from '../metrics/telemetry-events'

export function backupSpan(at: number, durationMs: number, outcome: { status: string } | { error: string }): TelemetryEvent {
  if ('error' in outcome) return telemetry('agent_com.dets.backup.exception', { duration: durationMs, monotonic_time: at }, { kind: 'error', reason: outcome.error, table_count: 0 }, at)
  return telemetry('agent_com.dets.backup.stop', { duration: durationMs, monotonic_time: at }, { status: outcome.status, table_count: 10 }, at)
}

export function compactionSpan(at: number, table: string, durationMs: number, status: string, retried: boolean): TelemetryEvent {
  return telemetry('agent_com.dets.compaction.stop', { duration: durationMs, monotonic_time: at }, { table, status, ...(retried ? { retried } : {}) }, at)
}

export function restoreSpan(at: number, table: string, durationMs: number, outcome: { status: string; backup_used?: string | null; record_count?: number }): TelemetryEvent {
  return telemetry('agent_com.dets.restore.stop', { duration: durationMs, monotonic_time: at }, { table, ...outcome }, at)
}
