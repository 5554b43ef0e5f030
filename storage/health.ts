// The body of GET /api/admin/dets-health (protocol.md §4.9; the "dets" name is kept for wire
// compatibility) computed from the live environment, with the rules of hardening.md §1.5.
import type { Storage } from './environment'
import { MANAGED_TABLES, type ManagedTableName } from './table-names'

export const STALE_BACKUP_AFTER_MS = 48 * 60 * 60 * 1000
export const HIGH_FRAGMENTATION_RATIO = 0.5

export type HealthStatus = 'healthy' | 'warning' | 'unhealthy'

export interface TableHealth {
  table: ManagedTableName
  record_count: number
  file_size_bytes: number
  fragmentation_ratio: number
  status: 'ok' | 'unavailable'
}

export interface DetsHealth {
  health_status: HealthStatus
  stale_backup: boolean
  high_fragmentation: boolean
  last_backup_at: number | null
  tables: TableHealth[]
  /** Added to the original shape: `degraded` after a start without usable data. */
  storage_mode: 'normal' | 'degraded'
  /** Present in degraded mode: why, and where the damaged file was kept. */
  degraded?: { reason: string; damaged_file_kept_at: string | null; since: number }
}

export interface HealthInputs {
  /** The injected clock's current time (ms). */
  now: number
  /** When the newest backup was taken (ms), or null when there is none; see `lastBackupTime`. */
  lastBackupAt: number | null
}

/**
 * Health of the storage layer. Pass `null` when storage is not open: every table then reads
 * `unavailable` with zeros. Each managed table shares the one environment file, so
 * `fragmentation_ratio` is the file's dead-space share and `file_size_bytes` the table's own pages.
 */
export function storageHealth(storage: Storage | null, inputs: HealthInputs): DetsHealth {
  const tables = storage === null ? MANAGED_TABLES.map(unavailable) : tableHealth(storage)
  const staleBackup = isBackupStale(inputs.lastBackupAt, inputs.now)
  const highFragmentation = tables.some((table) => table.status === 'ok' && table.fragmentation_ratio > HIGH_FRAGMENTATION_RATIO)
  const degraded = storage?.degraded ?? null
  return {
    health_status: degraded !== null ? 'unhealthy' : healthStatus(staleBackup, highFragmentation),
    stale_backup: staleBackup,
    high_fragmentation: highFragmentation,
    last_backup_at: inputs.lastBackupAt,
    tables,
    storage_mode: degraded === null ? 'normal' : 'degraded',
    ...(degraded !== null ? { degraded: { reason: degraded.reason, damaged_file_kept_at: degraded.damagedFileKeptAt, since: degraded.since } } : {}),
  }
}

/** No backup yet, or the newest older than 48 h. */
export function isBackupStale(lastBackupAt: number | null, now: number): boolean {
  return lastBackupAt === null || now - lastBackupAt > STALE_BACKUP_AFTER_MS
}

export function healthStatus(staleBackup: boolean, highFragmentation: boolean): HealthStatus {
  if (staleBackup && highFragmentation) return 'unhealthy'
  return staleBackup || highFragmentation ? 'warning' : 'healthy'
}

function tableHealth(storage: Storage): TableHealth[] {
  let stats
  try {
    stats = storage.stats()
  } catch {
    return MANAGED_TABLES.map(unavailable)
  }
  return MANAGED_TABLES.map((table) => {
    const own = stats.tables.find((entry) => entry.table === table)!
    return { table, record_count: own.recordCount, file_size_bytes: own.bytes, fragmentation_ratio: stats.fragmentationRatio, status: 'ok' as const }
  })
}

function unavailable(table: ManagedTableName): TableHealth {
  return { table, record_count: 0, file_size_bytes: 0, fragmentation_ratio: 0, status: 'unavailable' }
}
