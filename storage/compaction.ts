// Compaction: LMDB reuses freed pages but never shrinks its file. When dead space passes the
// threshold, rewrite every record into a fresh file (densely, in key order), check it, and swap
// it in while writes wait. Retry once on failure, as the original did.
//
// Why not LMDB's compacting copy (mdb_env_copy2 with MDB_CP_COMPACT)? With lmdb-js 3.5 the
// compacted file crashes (SIGSEGV) the first process that writes a few thousand records to
// it (seen here; lmdb-js issue #198 reports the same). The compaction tests write heavily
// into compacted files.
import { asBinary, open, type Database, type RootDatabase } from 'lmdb'
import { walkLmdbFile } from './integrity/page-walker'
import type { Storage } from './environment'
import { lmdbOpenOptions } from './lmdb-options'
import { ALL_TABLES } from './table-names'
import type { TableKey } from './table'

/** Records per write transaction while rewriting; the event loop breathes between chunks. */
const RECORDS_PER_CHUNK = 10_000

/** Below this share of dead space a run is skipped (hardening.md §1.3 `compaction_threshold`). */
export const COMPACTION_THRESHOLD = 0.1
/** Compaction history kept by the caller (hardening.md §1.3). */
export const COMPACTION_HISTORY_LIMIT = 20

export interface CompactionResult {
  status: 'compacted' | 'skipped' | 'error'
  /** `below_threshold` when skipped; the failure when error. */
  reason?: string
  /** True when the first attempt failed and a second one ran. */
  retried: boolean
  durationMs: number
  fragmentationBefore: number
  fragmentationAfter: number
  bytesBefore: number
  bytesAfter: number
}

export interface CompactOptions {
  /** Skip when the fragmentation ratio is below this. Default 0.1. */
  threshold?: number
  /** Compact even below the threshold. */
  force?: boolean
  /** Clock; defaults to Date.now. */
  now?: () => number
  /** Writes the compacted copy; defaults to LMDB's compacting copy. Injectable to test failures. */
  writeCopy?: (storage: Storage, target: string) => Promise<void>
}

export interface CompactionHistoryEntry {
  timestamp: number
  results: CompactionResult[]
}

export function compact(storage: Storage, options: CompactOptions = {}): Promise<CompactionResult> {
  const now = options.now ?? Date.now
  const threshold = options.threshold ?? COMPACTION_THRESHOLD
  const writeCopy = options.writeCopy ?? writeCompactedCopy
  return storage.exclusive(async () => {
    const started = now()
    const before = storage.stats()
    const result = (status: CompactionResult['status'], retried: boolean, reason?: string): CompactionResult => {
      const after = storage.stats()
      return {
        status,
        ...(reason !== undefined ? { reason } : {}),
        retried,
        durationMs: now() - started,
        fragmentationBefore: before.fragmentationRatio,
        fragmentationAfter: after.fragmentationRatio,
        bytesBefore: before.fileSizeBytes,
        bytesAfter: after.fileSizeBytes,
      }
    }
    if (!options.force && before.fragmentationRatio < threshold) return result('skipped', false, 'below_threshold')
    try {
      await swapInCompactedCopy(storage, started, writeCopy)
      return result('compacted', false)
    } catch {
      try {
        await swapInCompactedCopy(storage, started, writeCopy)
        return result('compacted', true)
      } catch (error) {
        return result('error', true, (error as Error).message)
      }
    }
  })
}

/** Newest first, capped at COMPACTION_HISTORY_LIMIT: what a compaction actor keeps. */
export function withCompactionEntry(history: readonly CompactionHistoryEntry[], entry: CompactionHistoryEntry): CompactionHistoryEntry[] {
  return [entry, ...history].slice(0, COMPACTION_HISTORY_LIMIT)
}

async function swapInCompactedCopy(storage: Storage, now: number, writeCopy: (storage: Storage, target: string) => Promise<void>): Promise<void> {
  await storage.replaceDataFile(async (target) => {
    await writeCopy(storage, target)
    // LMDB wrote this file from a healthy tree; the structural walk is pure JS (no crash
    // risk), quick, and catches a copy gone wrong before the original is deleted.
    const walk = walkLmdbFile(target)
    if (!walk.ok) throw new Error(`the compacted copy failed its check: ${walk.problems.slice(0, 3).join('; ')}`)
  }, now)
}

/**
 * Writes every record of every table into a new environment at `target`, in key order with
 * MDB_APPEND, so pages come out full and no page is free. Values are copied byte for byte. Run with writes paused (inside `replaceDataFile`) so the copy is complete.
 */
export async function writeCompactedCopy(storage: Storage, target: string): Promise<void> {
  const source = storage.lmdbRoot()
  const copy = open(lmdbOpenOptions(target, { pageSize: (source.getStats() as { pageSize: number }).pageSize })) as RootDatabase
  try {
    for (const name of ALL_TABLES) {
      // Raw values, but the tables' own key encoding (see restore.ts, tableIn).
      const from = source.openDB<Buffer, TableKey>({ name, encoding: 'binary' })
      const to = copy.openDB<Buffer, TableKey>({ name, encoding: 'binary' })
      await copyRecords(copy, from, to)
    }
  } finally {
    await copy.close()
  }
}

async function copyRecords(copy: RootDatabase, from: Database<Buffer, TableKey>, to: Database<Buffer, TableKey>): Promise<void> {
  const records = from.getRange()[Symbol.iterator]()
  for (;;) {
    let done = false
    copy.transactionSync(() => {
      for (let n = 0; n < RECORDS_PER_CHUNK; n++) {
        const next = records.next()
        if (next.done) {
          done = true
          return
        }
        to.put(next.value.key, asBinary(next.value.value) as unknown as Buffer, { append: true } as never)
      }
    })
    if (done) return
    await new Promise((resolve) => setImmediate(resolve))
  }
}
