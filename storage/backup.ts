// Backups: a consistent snapshot of the whole environment while writers keep running
// (LMDB's environment copy reads one snapshot), one file per run, the newest `keep` kept.
//
// Names: agentcom_<YYYY-MM-DDTHH-MM-SS>Z_<nnn>.mdb (UTC). They sort chronologically as plain
// strings; <nnn> counts runs within the same second, so two runs never collide (the original's
// one-second names overwrote each other).
import { linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileSize, fsyncPath, lockFileOf } from './data-files'
import type { Storage, TableStats } from './environment'

export const BACKUPS_KEPT = 3

const BACKUP_NAME = /^agentcom_(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z_(\d{3})\.mdb$/
const PARTIAL_SUFFIX = '.partial'

export interface BackupEntry {
  name: string
  path: string
  /** When the run started, from the name (second resolution). */
  takenAt: number
  sizeBytes: number
}

export interface BackupResult {
  name: string
  path: string
  sizeBytes: number
  takenAt: number
  durationMs: number
  /** Per-table record counts and sizes of the live environment when the copy was taken. */
  tables: TableStats[]
  /** Older backups deleted by retention. */
  removed: string[]
}

export interface BackupOptions {
  /** Clock for the name; defaults to Date.now. */
  now?: () => number
  /** How many backups to keep, newest first. Default 3. */
  keep?: number
}

/**
 * Copies the live environment into `dir` as a new backup, then applies retention.
 * Serialised with other maintenance through `storage.exclusive`.
 */
export function backup(storage: Storage, dir: string, options: BackupOptions = {}): Promise<BackupResult> {
  const now = options.now ?? Date.now
  const keep = options.keep ?? BACKUPS_KEPT
  if (!Number.isInteger(keep) || keep < 1) return Promise.reject(new RangeError(`backup: keep must be a positive integer, got ${keep}`))
  return storage.exclusive(async () => {
    const started = now()
    mkdirSync(dir, { recursive: true })
    removeLeftoverPartials(dir)
    const tables = storage.stats().tables
    const partial = join(dir, `.backup-${process.pid}-${started}${PARTIAL_SUFFIX}`)
    let name: string
    try {
      await storage.copyTo(partial)
      name = publishUnderFreshName(dir, partial, started)
    } finally {
      rmSync(partial, { force: true })
    }
    fsyncPath(dir)
    const path = join(dir, name)
    const removed = applyRetention(dir, keep)
    return { name, path, sizeBytes: fileSize(path), takenAt: started, durationMs: now() - started, tables, removed }
  })
}

/** Backups in `dir`, newest first. Files that are not backups are ignored. */
export function listBackups(dir: string): BackupEntry[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
    .reverse()
    .map((name) => ({ name, path: join(dir, name), takenAt: backupTime(name)!, sizeBytes: fileSize(join(dir, name)) }))
}

/** When the newest backup in `dir` was taken, or null when there is none. */
export function lastBackupTime(dir: string): number | null {
  return listBackups(dir)[0]?.takenAt ?? null
}

/** The first free name for a run at `now`, given the names already present. */
export function backupName(now: number, existing: readonly string[]): string {
  const second = secondStamp(now)
  let sequence = 0
  for (const name of existing) {
    const match = BACKUP_NAME.exec(name)
    if (match && `${match[1]}T${match[2]}-${match[3]}-${match[4]}` === second) sequence = Math.max(sequence, Number(match[5]) + 1)
  }
  // A clock that stepped back must not make the new backup sort before older ones
  // (retention would then delete the newest).
  const newest = [...existing].filter((name) => BACKUP_NAME.test(name)).sort().pop()
  const candidate = formatName(second, sequence)
  if (newest !== undefined && candidate <= newest) {
    const match = BACKUP_NAME.exec(newest)!
    return formatName(`${match[1]}T${match[2]}-${match[3]}-${match[4]}`, Number(match[5]) + 1)
  }
  return candidate
}

/** The time encoded in a backup name, or null when it is not a backup name. */
export function backupTime(name: string): number | null {
  const match = BACKUP_NAME.exec(name)
  return match ? Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}Z`) : null
}

/** Deletes all but the `keep` newest backups; returns the deleted names. */
export function applyRetention(dir: string, keep: number): string[] {
  const doomed = listBackups(dir).slice(keep)
  for (const entry of doomed) {
    rmSync(entry.path, { force: true })
    rmSync(lockFileOf(entry.path), { force: true })
  }
  return doomed.map((entry) => entry.name)
}

function formatName(second: string, sequence: number): string {
  if (sequence > 999) throw new Error(`more than 1000 backups within ${second}`)
  return `agentcom_${second}Z_${String(sequence).padStart(3, '0')}.mdb`
}

function secondStamp(now: number): string {
  return new Date(now).toISOString().slice(0, 19).replace(/:/g, '-')
}

/** Hard-links the finished copy under the first free name; link never overwrites, so racing runs cannot collide. */
function publishUnderFreshName(dir: string, partial: string, now: number): string {
  for (;;) {
    const name = backupName(now, readdirSync(dir))
    try {
      linkSync(partial, join(dir, name))
      return name
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

function removeLeftoverPartials(dir: string): void {
  for (const name of readdirSync(dir)) if (name.endsWith(PARTIAL_SUFFIX)) rmSync(join(dir, name), { force: true })
}
