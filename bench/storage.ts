// Storage benchmark: our layer beside raw lmdb-js doing the same work on the same disk.
// Prints one JSON line per figure: {"bench":"storage","metric",...,"agentcom","raw","ratio"}.
// ratio = agentcom / raw for rates (1.0 = as fast as raw), raw / agentcom for durations.
//
// Run: npm run bench:storage   (env STORAGE_BENCH_MB sets the backup store size, default 128)
import { open, type Database, type RootDatabase } from 'lmdb'
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backup, compact, lmdbOpenOptions, openStorage, verify, walkLmdbFile, type Storage, type Table } from '../storage'

const BENCH_MS = 6000
const BACKUP_TRIALS = 6
const BATCH = 100
const READ_RECORDS = 100_000
const VALUE = { kind: 'task', description: 'x'.repeat(180), priority: 2, created_at: 1_700_000_000_000 }

interface Side {
  storage: Storage
  table: Table<string, typeof VALUE>
  raw: RootDatabase
  rawTable: Database<typeof VALUE, string>
}

function emit(metric: string, unit: string, agentcom: number, raw: number, higherIsBetter = true, extra: Record<string, unknown> = {}): void {
  const ratio = higherIsBetter ? agentcom / raw : raw / agentcom
  console.log(JSON.stringify({ bench: 'storage', metric, unit, agentcom: round(agentcom), raw: round(raw), ratio: Math.round(ratio * 1000) / 1000, ...extra }))
}

function round(value: number): number {
  return value >= 100 ? Math.round(value) : Math.round(value * 100) / 100
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * Alternates one step of ours with one step of raw for `BENCH_MS`, timing each step, so both
 * sides see the same disk and the same neighbours (this machine is shared; fsync latency
 * drifts tenfold within seconds). Returns operations per second for each side.
 */
async function interleave(ours: () => Promise<number>, raw: () => Promise<number>): Promise<[number, number]> {
  const totals = { ours: { ops: 0, ns: 0n }, raw: { ops: 0, ns: 0n } }
  const until = Date.now() + BENCH_MS
  while (Date.now() < until) {
    for (const [step, total] of [[ours, totals.ours], [raw, totals.raw]] as const) {
      const started = process.hrtime.bigint()
      total.ops += await step()
      total.ns += process.hrtime.bigint() - started
    }
  }
  return [totals.ours.ops / (Number(totals.ours.ns) / 1e9), totals.raw.ops / (Number(totals.raw.ns) / 1e9)]
}

function sides(dir: string): Side {
  const storage = openStorage({ dataDir: join(dir, 'ours') })
  const raw = open(lmdbOpenOptions(join(dir, 'raw', 'raw.mdb'))) as RootDatabase
  return { storage, table: storage.table<string, typeof VALUE>('task_queue'), raw, rawTable: raw.openDB<typeof VALUE, string>({ name: 'task_queue' }) }
}

async function durableSingleCommits(side: Side): Promise<void> {
  let n = 0
  const [a, b] = await interleave(
    async () => {
      await side.table.put(`single-${n++}`, VALUE)
      return 1
    },
    async () => {
      await side.rawTable.put(`single-${n++}`, VALUE)
      return 1
    },
  )
  emit('durable_commits_per_s_one_by_one', 'commits/s', a, b)
}

async function batchedCommits(side: Side): Promise<void> {
  let n = 0
  const batch = (put: (key: string) => Promise<unknown>) => async () => {
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < BATCH; i++) writes.push(put(`batch-${n++}`))
    await Promise.all(writes)
    return BATCH
  }
  const [a, b] = await interleave(
    batch((key) => side.table.put(key, VALUE)),
    batch((key) => side.rawTable.put(key, VALUE)),
  )
  emit('durable_records_per_s_event_turn_batching', 'records/s', a, b, true, { records_per_turn: BATCH })
  emit('durable_commits_per_s_event_turn_batching', 'commits/s', a / BATCH, b / BATCH, true, { records_per_turn: BATCH })
}

async function reads(side: Side): Promise<void> {
  for (let i = 0; i < READ_RECORDS; i++) {
    void side.table.put(`read-${i}`, VALUE)
    void side.rawTable.put(`read-${i}`, VALUE)
  }
  await Promise.all([side.storage.settled(), side.raw.committed])
  let seed = 1
  const nextKey = () => `read-${(seed = (seed * 1103515245 + 12345) % 2147483648) % READ_RECORDS}`
  const chunk = (get: (key: string) => unknown) => async () => {
    for (let i = 0; i < 10_000; i++) if (get(nextKey()) === undefined) throw new Error('missing record')
    return 10_000
  }
  const [a, b] = await interleave(
    chunk((key) => side.table.get(key)),
    chunk((key) => side.rawTable.get(key)),
  )
  emit('random_reads_per_s', 'reads/s', a, b, true, { records: READ_RECORDS })
}

async function fillTo(side: Side, megabytes: number): Promise<void> {
  const records = Math.ceil((megabytes * 1024 * 1024) / 300)
  for (let start = 0; start < records; start += 20_000) {
    for (let i = start; i < Math.min(records, start + 20_000); i++) {
      void side.table.put(`bulk-${i}`, VALUE)
      void side.rawTable.put(`bulk-${i}`, VALUE)
    }
    await Promise.all([side.storage.settled(), side.raw.committed])
  }
}

async function backups(side: Side, dir: string, megabytes: number): Promise<void> {
  await fillTo(side, megabytes)
  const oursMs: number[] = []
  const rawMs: number[] = []
  let size = 0
  const ours = async () => {
    const started = Date.now()
    const result = await backup(side.storage, join(dir, 'backups-ours'), { keep: BACKUP_TRIALS })
    oursMs.push(Date.now() - started)
    size = result.sizeBytes
  }
  const raw = async (i: number) => {
    const rawPath = join(dir, 'backups-raw', `raw-${i}.mdb`)
    const started = Date.now()
    await side.raw.backup(rawPath, false)
    fsyncFile(rawPath) // a backup is only a backup once it is on disk
    rawMs.push(Date.now() - started)
    rmSync(rawPath, { force: true })
  }
  for (let i = 0; i < BACKUP_TRIALS; i++) {
    // Alternate who goes first: the second copy finds the source hotter in the page cache.
    if (i % 2 === 0) {
      await ours()
      await raw(i)
    } else {
      await raw(i)
      await ours()
    }
  }
  const gigabytes = size / 1024 ** 3
  emit('backup_seconds_per_gb', 's/GB', median(oursMs) / 1000 / gigabytes, median(rawMs) / 1000 / gigabytes, false, {
    store_mb: Math.round(size / 1024 ** 2),
    note: 'median of 6; both: env copy + fsync; ours adds naming, hard-link publish, dir fsync (retention deletes nothing here)',
  })
}

/** Our own costs with no raw equivalent: startup verification and compaction, per GB. */
async function maintenance(side: Side, dir: string): Promise<void> {
  const file = side.storage.dataFile
  const size = side.storage.stats().fileSizeBytes
  const gigabytes = size / 1024 ** 3
  const copy = join(dir, 'verify-copy.mdb')
  await side.storage.copyTo(copy)
  let started = Date.now()
  walkLmdbFile(copy)
  const walkSeconds = (Date.now() - started) / 1000
  started = Date.now()
  const report = await verify(copy)
  const verifySeconds = (Date.now() - started) / 1000
  if (!report.ok) throw new Error(`benchmark store failed verification: ${report.problems.join('; ')}`)
  for (let i = 0; i < 100_000; i += 2) void side.table.remove(`bulk-${i}`)
  await side.storage.settled()
  started = Date.now()
  const compaction = await compact(side.storage, { force: true })
  const compactSeconds = (Date.now() - started) / 1000
  console.log(
    JSON.stringify({
      bench: 'storage',
      metric: 'maintenance_seconds_per_gb',
      unit: 's/GB',
      page_walk: round(walkSeconds / gigabytes),
      verify_in_child: round(verifySeconds / gigabytes),
      compaction: round(compactSeconds / gigabytes),
      compaction_status: compaction.status,
      store_mb: Math.round(size / 1024 ** 2),
      data_file: file === side.storage.dataFile ? 'unchanged' : 'swapped',
    }),
  )
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r')
  fsyncSync(fd)
  closeSync(fd)
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-bench-storage-'))
  const megabytes = Number(process.env.STORAGE_BENCH_MB ?? 128)
  const side = sides(dir)
  try {
    await durableSingleCommits(side)
    await batchedCommits(side)
    await reads(side)
    await backups(side, dir, megabytes)
    await maintenance(side, dir)
  } finally {
    await side.storage.close()
    await side.raw.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
