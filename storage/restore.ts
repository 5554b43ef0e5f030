// Restore from the newest backup that verifies clean: one table (copied in one transaction,
// so readers see the old table or the restored one, never a mix) or the whole environment
// (a data-file swap; the replaced file is kept aside).
import { constants, copyFileSync, rmSync } from 'node:fs'
import { asBinary, open, type Database, type RootDatabase } from 'lmdb'
import { lockFileOf } from './data-files'
import type { Storage } from './environment'
import { lmdbOpenOptions } from './lmdb-options'
import { listBackups, type BackupEntry } from './backup'
import { verify, type VerifyOptions } from './integrity/verify'
import { derivedFrom, isTableName, type TableName } from './table-names'
import type { TableKey } from './table'

export interface RejectedBackup {
  name: string
  problems: string[]
}

export interface BackupChoice {
  chosen: BackupEntry | null
  /** Newer backups that failed verification, newest first. */
  rejected: RejectedBackup[]
}

export type TableRestoreResult =
  | { status: 'restored'; table: TableName; backupUsed: string; recordCount: number; tableBytes: number; rejectedBackups: RejectedBackup[] }
  | { status: 'failed'; table: TableName; error: string; rejectedBackups: RejectedBackup[] }

export type EnvironmentRestoreResult =
  | { status: 'restored'; backupUsed: string; previousFileKeptAt: string; rejectedBackups: RejectedBackup[] }
  | { status: 'failed'; error: string; rejectedBackups: RejectedBackup[] }

/** Verifies backups newest first and returns the first clean one. */
export async function newestGoodBackup(dir: string, options: VerifyOptions = {}): Promise<BackupChoice> {
  const rejected: RejectedBackup[] = []
  for (const entry of listBackups(dir)) {
    const report = await verify(entry.path, options)
    if (report.ok) return { chosen: entry, rejected }
    rejected.push({ name: entry.name, problems: report.problems })
  }
  return { chosen: null, rejected }
}

/**
 * Replaces the contents of `table` with its contents in the newest good backup, in one
 * transaction. Without a usable backup the table is left untouched and the result is
 * `failed` / `no_usable_backup` (the original wiped the table and still answered "restored").
 * The table's owning actor should reload its state afterwards.
 */
export function restoreTable(storage: Storage, table: TableName, backupDir: string, options: VerifyOptions = {}): Promise<TableRestoreResult> {
  if (!isTableName(table)) return Promise.resolve({ status: 'failed', table, error: 'unknown_table', rejectedBackups: [] })
  return storage.exclusive(async () => {
    const { chosen, rejected } = await newestGoodBackup(backupDir, options)
    if (chosen === null) return { status: 'failed', table, error: 'no_usable_backup', rejectedBackups: rejected }
    const source = open(lmdbOpenOptions(chosen.path, { readOnly: true })) as RootDatabase
    try {
      const recordCount = await copyTable(storage, table, tableIn(source, table))
      const tableBytes = storage.stats().tables.find((stats) => stats.table === table)?.bytes ?? 0
      return { status: 'restored', table, backupUsed: chosen.name, recordCount, tableBytes, rejectedBackups: rejected }
    } catch (error) {
      return { status: 'failed', table, error: `restore_failed: ${(error as Error).message}`, rejectedBackups: rejected }
    } finally {
      await source.close()
      rmSync(lockFileOf(chosen.path), { force: true })
    }
  })
}

/**
 * Replaces the whole live environment with the newest good backup. Writes wait during the
 * swap; the replaced data file is moved to `<dataDir>/aside/`. Owners reload afterwards.
 */
export function restoreEnvironment(storage: Storage, backupDir: string, now: number, options: VerifyOptions = {}): Promise<EnvironmentRestoreResult> {
  return storage.exclusive(async () => {
    const { chosen, rejected } = await newestGoodBackup(backupDir, options)
    if (chosen === null) return { status: 'failed', error: 'no_usable_backup', rejectedBackups: rejected }
    const { keptAt } = await storage.replaceDataFile(async (target) => copyFileSync(chosen.path, target, constants.COPYFILE_EXCL), now, 'replaced-by-restore')
    storage.clearDegraded()
    return { status: 'restored', backupUsed: chosen.name, previousFileKeptAt: keptAt!, rejectedBackups: rejected }
  })
}

/**
 * The table in a backup with raw values, or null when the backup predates the table. Keys keep
 * the tables' own (ordered-binary) encoding: lmdb-js compares keys with a comparator that
 * expects its own encoder's padding, and a `keyEncoding: 'binary'` handle on the same table
 * silently misses keys (seen: removes that remove nothing).
 */
function tableIn(source: RootDatabase, table: TableName): Database<Buffer, TableKey> | null {
  const names = new Set(Array.from(source.getKeys(), (key) => String(key).replace(/\0$/, '')))
  return names.has(table) ? source.openDB<Buffer, TableKey>({ name: table, encoding: 'binary' }) : null
}

/** Clears the live table and copies every record across, values byte for byte, in one transaction. */
function copyTable(storage: Storage, table: TableName, source: Database<Buffer, TableKey> | null): Promise<number> {
  const live = storage.lmdbRoot().openDB<Buffer, TableKey>({ name: table, encoding: 'binary' })
  return storage.transaction(() => {
    for (const key of Array.from(live.getKeys())) live.remove(key)
    for (const derived of derivedFrom(table)) void storage.table(derived).removeAll()
    let copied = 0
    if (source !== null) {
      for (const { key, value } of source.getRange()) {
        live.put(key, asBinary(value) as unknown as Buffer)
        copied++
      }
    }
    return copied
  })
}

export interface DegradeResult {
  /** Where the damaged file was moved (never deleted). */
  damagedFileKeptAt: string | null
  reason: string
}

/**
 * Degraded mode for a running hub (hardening.md §1.4): the live file is damaged and no backup is
 * usable. Swaps in a new empty data file, moves the damaged one to `<dataDir>/aside/` (never
 * deleted) and records the `degraded` state, as startup recovery does. Owners reload afterwards.
 */
export function degradeEnvironment(storage: Storage, reason: string, now: number): Promise<DegradeResult> {
  return storage.exclusive(async () => {
    const { keptAt } = await storage.replaceDataFile(async (target) => {
      const empty = open(lmdbOpenOptions(target)) as RootDatabase
      await empty.close()
    }, now, 'damaged')
    storage.markDegraded({ reason, damagedFileKeptAt: keptAt, since: now })
    return { damagedFileKeptAt: keptAt, reason }
  })
}
