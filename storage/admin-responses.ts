// Storage results in the wire shapes of protocol.md §4.9, for the admin routes to send as-is.
// The environment is one file, so a backup or compaction covers every table at once; the
// per-table lists repeat the environment's outcome for each of the ten managed tables.
import type { BackupResult } from './backup'
import type { CompactionResult } from './compaction'
import type { TableRestoreResult } from './restore'
import { MANAGED_TABLES, type ManagedTableName } from './table-names'

export type BackupTableResult =
  | { table: ManagedTableName; status: 'ok'; path: string; size: number }
  | { table: ManagedTableName; status: 'error'; reason: string }

export interface BackupResponse {
  status: 'complete'
  tables_total: number
  tables_success: number
  results: BackupTableResult[]
}

export interface CompactTableResult {
  table: ManagedTableName
  status: CompactionResult['status']
  duration_ms: number
  reason?: string
  retried?: boolean
}

export interface CompactResponse {
  status: 'complete'
  tables_total: number
  tables_compacted: number
  tables_skipped: number
  results: CompactTableResult[]
}

export type RestoreResponse =
  | { httpStatus: 200; body: { status: 'restored'; table: string; backup_used: string; record_count: number; file_size: number } }
  | { httpStatus: 500; body: { status: 'failed'; table: string; error: string } }

/** POST /api/admin/backup body, from a finished backup or the error that stopped it. */
export function backupResponse(outcome: BackupResult | Error): BackupResponse {
  const results: BackupTableResult[] = MANAGED_TABLES.map((table) => {
    if (outcome instanceof Error) return { table, status: 'error', reason: outcome.message }
    const bytes = outcome.tables.find((entry) => entry.table === table)?.bytes ?? 0
    return { table, status: 'ok', path: outcome.path, size: bytes }
  })
  return { status: 'complete', tables_total: results.length, tables_success: results.filter((r) => r.status === 'ok').length, results }
}

/** POST /api/admin/compact body. */
export function compactResponse(result: CompactionResult): CompactResponse {
  const results = MANAGED_TABLES.map((table) => compactTableResponse(table, result))
  const count = (status: CompactionResult['status']) => results.filter((r) => r.status === status).length
  return { status: 'complete', tables_total: results.length, tables_compacted: count('compacted'), tables_skipped: count('skipped'), results }
}

/** POST /api/admin/compact/:table body (and one entry of the all-tables list). */
export function compactTableResponse(table: ManagedTableName, result: CompactionResult): CompactTableResult {
  return {
    table,
    status: result.status,
    duration_ms: result.durationMs,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    ...(result.retried ? { retried: true } : {}),
  }
}

/**
 * POST /api/admin/restore/:table. Unlike the original, a restore without a usable backup
 * answers 500 `failed` (error `no_usable_backup`), never 200 "restored".
 */
export function restoreResponse(result: TableRestoreResult): RestoreResponse {
  if (result.status === 'restored') {
    return {
      httpStatus: 200,
      body: { status: 'restored', table: result.table, backup_used: result.backupUsed, record_count: result.recordCount, file_size: result.tableBytes },
    }
  }
  return { httpStatus: 500, body: { status: 'failed', table: result.table, error: result.error } }
}
