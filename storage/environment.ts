// The hub's one LMDB environment: named tables, the durability contract, schema version,
// and the data-file swap that compaction and restore use.
//
// Durability contract (ARCHITECTURE.md §5): lmdb-js batches every write of one event-loop turn
// into one transaction (eventTurnBatching, its default, kept). We open with
// `overlappingSync: false`, so a commit fdatasyncs inside the write transaction and a write's
// promise resolves only after the data is on disk. (lmdb-js's default, overlappingSync, would
// resolve the promise at commit and sync later; see storage/README.md.)
import { open, type Database, type RootDatabase } from 'lmdb'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError, unknownTable } from './errors'
import {
  fileSize,
  fsyncPath,
  lmdbDirOf,
  moveAside,
  nextDataFileName,
  readCurrentDataFile,
  removeDataFile,
  writeCurrentDataFile,
} from './data-files'
import {
  BASE_SCHEMA_VERSION,
  SCHEMA_VERSION_KEY,
  checkMigrationOrder,
  pendingMigrations,
  type Migration,
} from './schema-migrations'
import { ALL_TABLES, CLEAN_CLOSE_KEY, DERIVED_TABLES, META_TABLE, isTableName, type TableName } from './table-names'
import { JOINED_WRITE, Table, type LmdbStats, type TableKey, type WriteGate } from './table'
import { lmdbOpenOptions } from './lmdb-options'

const DEGRADED_KEY = 'degraded'
const FRAGMENTATION_FLOOR_BYTES = 1024 * 1024

export interface StorageOptions {
  /** The hub's data directory (`--data-dir`); the environment lives in `<dataDir>/lmdb/`. */
  dataDir: string
  /** Run in order at open for every version above the stored one. */
  migrations?: readonly Migration<MigrationContext>[]
  /** LMDB page size for a new environment (default: the OS page size). */
  pageSize?: number
}

export type StorageMode = 'normal' | 'degraded'

/** Why storage runs without its data; set by startup recovery, shown in health. */
export interface DegradedState {
  reason: string
  damagedFileKeptAt: string | null
  since: number
}

export interface TableStats {
  table: TableName
  recordCount: number
  /** Pages this table occupies, times the page size. */
  bytes: number
}

export interface EnvironmentStats {
  dataFile: string
  pageSize: number
  fileSizeBytes: number
  totalPages: number
  /** Pages reachable from a tree (tables, the table directory, the free list) plus the 2 meta pages. */
  usedPages: number
  /** Share of the file that holds no live data (free-listed pages, unused tail), 0..1, 3 decimals; see `fragmentationRatio`. */
  fragmentationRatio: number
  lastTxnId: number
  tables: TableStats[]
}

interface OpenedFile {
  root: RootDatabase
  databases: Map<TableName, Database>
}

export class Storage implements WriteGate {
  readonly dataDir: string
  readonly lmdbDir: string
  private readonly migrations: readonly Migration<MigrationContext>[]
  private root: RootDatabase
  private databases: Map<TableName, Database>
  private currentFile: string
  private readonly tables = new Map<TableName, Table<TableKey, unknown>>()
  private paused: { promise: Promise<void>; resume: () => void } | null = null
  private maintenanceTail: Promise<unknown> = Promise.resolve()
  private depth = 0
  private outerCommit: Promise<void> | null = null
  private degradedState: DegradedState | null = null
  private closed = false
  private closeAnnounced = false
  /** The previous process closed this environment cleanly (see CLEAN_CLOSE_KEY). */
  readonly openedAfterCleanClose: boolean
  /**
   * Every record of the live file has been decoded by a verification since this process opened
   * it. False after a clean-close start (start-up checked the structure only) until a live
   * integrity check passes.
   */
  recordsVerified: boolean

  /** Use `openStorage`. */
  constructor(dataDir: string, fileName: string, opened: OpenedFile, migrations: readonly Migration<MigrationContext>[]) {
    this.dataDir = dataDir
    this.lmdbDir = lmdbDirOf(dataDir)
    this.currentFile = fileName
    this.root = opened.root
    this.databases = opened.databases
    this.migrations = migrations
    this.degradedState = readDegraded(opened.databases)
    this.openedAfterCleanClose = takeCleanCloseMarker(opened)
    this.recordsVerified = !this.openedAfterCleanClose
  }

  get writesResumed(): Promise<void> | null {
    return this.paused === null ? null : this.paused.promise
  }

  get transactionDepth(): number {
    return this.depth
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** The owner is shutting down (`beginClose` was called): actors stopping now may leave checkpoints. */
  get closing(): boolean {
    return this.closeAnnounced
  }

  /**
   * Called by whoever will close storage, before stopping the actors that write it: a stop that
   * belongs to a whole, orderly shutdown (not a subtree restart, not a storage swap) is when
   * owners write views for the next start (the task queue's checkpoint).
   */
  beginClose(): void {
    this.closeAnnounced = true
  }

  /** Absolute path of the live data file. */
  get dataFile(): string {
    return join(this.lmdbDir, this.currentFile)
  }

  get mode(): StorageMode {
    return this.degradedState === null ? 'normal' : 'degraded'
  }

  get degraded(): DegradedState | null {
    return this.degradedState
  }

  /**
   * Startup recovery calls this when it had to start empty. Recorded in the environment, so
   * health keeps saying so across restarts until an operator calls `clearDegraded` or a whole
   * environment restore succeeds.
   */
  markDegraded(state: DegradedState): void {
    const meta = this.databases.get(META_TABLE)!
    this.root.transactionSync(() => {
      void meta.put(DEGRADED_KEY, state)
    })
    this.degradedState = state
  }

  clearDegraded(): void {
    if (this.degradedState === null) return
    const meta = this.databases.get(META_TABLE)!
    this.root.transactionSync(() => {
      void meta.remove(DEGRADED_KEY)
    })
    this.degradedState = null
  }

  /** The typed handle of a table. Same instance on every call; it survives compaction and restore. */
  table<K extends TableKey = TableKey, V = unknown>(name: TableName): Table<K, V> {
    if (!isTableName(name)) throw unknownTable(name)
    let handle = this.tables.get(name)
    if (handle === undefined) {
      handle = new Table<TableKey, unknown>(name, this.databases.get(name)!, this)
      this.tables.set(name, handle)
    }
    return handle as unknown as Table<K, V>
  }

  /**
   * Runs `fn` synchronously inside one write transaction and resolves after it committed to
   * disk. Everything `fn` writes, across any tables, lands together or not at all: if `fn`
   * throws, its writes are rolled back and the promise rejects with that error. Reads inside
   * `fn` see its own writes. `fn` must not be async. Called inside another transaction's
   * callback, it joins that transaction and resolves when that one commits. (Inside `fn`, a
   * table write's own promise means nothing; await the transaction.)
   */
  transaction<T>(fn: () => T): Promise<T> {
    if (this.depth > 0) {
      const result = this.runInside(fn)
      return this.outerCommit!.then(() => result)
    }
    if (this.closed) return Promise.reject(new StorageError('storage_closed', 'cannot start a transaction: storage is closed'))
    if (this.paused !== null) return this.paused.promise.then(() => this.transaction(fn))
    let settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined }
    const committed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
    committed.catch(() => undefined) // only nested callers listen; they get the rejection
    let outcome: Promise<T>
    try {
      outcome = this.root.childTransaction(() => {
        this.outerCommit = committed
        try {
          return this.runInside(fn)
        } finally {
          this.outerCommit = null
        }
      }) as Promise<T>
    } catch (error) {
      return Promise.reject(error) // e.g. storage closed
    }
    outcome.then(settle.resolve, settle.reject)
    return outcome
  }

  /** Resolves once every write queued so far has committed. */
  async settled(): Promise<void> {
    await this.root.committed
  }

  schemaVersion(): number {
    return readSchemaVersion(this.databases)
  }

  stats(): EnvironmentStats {
    const env = this.root.getStats() as LmdbStats
    const pageSize = env.pageSize
    const tables: TableStats[] = []
    let tablePages = 0
    for (const name of ALL_TABLES) {
      const stats = this.databases.get(name)!.getStats() as LmdbStats
      const pages = treePages(stats)
      tablePages += pages
      tables.push({ table: name, recordCount: stats.entryCount, bytes: pages * pageSize })
    }
    const bytes = fileSize(this.dataFile)
    const usedPages = 2 + treePages(env.root) + treePages(env.free) + tablePages
    const totalPages = Math.max(Math.ceil(bytes / pageSize), env.lastPageNumber + 1, usedPages)
    return {
      dataFile: this.dataFile,
      pageSize,
      fileSizeBytes: bytes,
      totalPages,
      usedPages,
      fragmentationRatio: fragmentationRatio(totalPages - usedPages, totalPages, pageSize),
      lastTxnId: env.lastTxnId,
      tables,
    }
  }

  /**
   * Runs maintenance work one at a time (backup, compaction, restore, live verification), so
   * that no two of them touch the data file at once.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.maintenanceTail.then(work, work)
    this.maintenanceTail = run.catch(() => undefined)
    return run
  }

  /**
   * A consistent copy of the live environment at `targetPath` (which must not exist), taken
   * while writers keep running: LMDB's environment copy, reading one snapshot. Never the
   * compacting variant: in lmdb-js 3.5 a compacted copy crashes the first process that writes
   * to it (lmdb-js issue #198); compaction rewrites records instead (compaction.ts).
   */
  async copyTo(targetPath: string): Promise<void> {
    this.assertOpen()
    await this.root.backup(targetPath, false)
    fsyncPath(targetPath)
  }

  /**
   * Replaces the live data file with one that `produce` writes (a compacted copy, a restored
   * backup). Writes are held back from before the copy starts until the new file is live, so
   * none is lost; reads keep being served, from the old file and then from the new one.
   * Call it from inside `exclusive`. The old file is deleted (`keepOldAs` undefined) or moved
   * aside with that reason.
   */
  async replaceDataFile(
    produce: (targetPath: string) => Promise<void>,
    now: number,
    keepOldAs?: string,
  ): Promise<{ previousFile: string; keptAt: string | null }> {
    this.assertOpen()
    const resume = this.pauseWrites()
    const nextName = nextDataFileName(this.lmdbDir)
    const nextPath = join(this.lmdbDir, nextName)
    let opened: OpenedFile | null = null
    try {
      await this.settled()
      await produce(nextPath)
      fsyncPath(nextPath)
      opened = openFile(nextPath, this.migrations)
      // an adopted file (an offline backup) may carry the marker of its own clean close; it says nothing about this process
      takeCleanCloseMarker(opened)
      writeCurrentDataFile(this.lmdbDir, nextName)
    } catch (error) {
      if (opened !== null) await opened.root.close().catch(() => undefined)
      removeDataFile(nextPath)
      resume()
      throw error
    }
    const previousPath = this.dataFile
    const previousRoot = this.root
    this.root = opened.root
    this.databases = opened.databases
    this.currentFile = nextName
    for (const [name, handle] of this.tables) handle.rebind(opened.databases.get(name)!)
    this.degradedState = readDegraded(opened.databases)
    resume()
    await previousRoot.close()
    if (keepOldAs === undefined) {
      removeDataFile(previousPath)
      return { previousFile: previousPath, keptAt: null }
    }
    return { previousFile: previousPath, keptAt: moveAside(this.dataDir, previousPath, keepOldAs, now) }
  }

  /** The open lmdb-js root; for storage's own maintenance functions and the benchmark only. */
  lmdbRoot(): RootDatabase {
    return this.root
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.maintenanceTail
    await this.settled().catch(() => undefined)
    try {
      const meta = this.databases.get(META_TABLE)!
      this.root.transactionSync(() => void meta.put(CLEAN_CLOSE_KEY, { at: Date.now() }))
    } catch {
      // a store that cannot write any more is not closed cleanly: the next start verifies it in full
    }
    await this.root.close()
  }

  private runInside<T>(fn: () => T): T {
    this.depth++
    try {
      const result = fn()
      if (result === JOINED_WRITE) return undefined as T
      if (isThenable(result)) throw new TypeError('storage.transaction: the callback must be synchronous (it returned a promise)')
      return result
    } finally {
      this.depth--
    }
  }

  private pauseWrites(): () => void {
    let resume: () => void = () => undefined
    const promise = new Promise<void>((resolve) => (resume = resolve))
    this.paused = { promise, resume }
    return () => {
      this.paused = null
      resume()
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('storage_closed', 'storage is closed')
  }
}

/**
 * Opens (creating if needed) the environment under `<dataDir>/lmdb/`, opens every table, and
 * runs pending migrations. Does not verify integrity: startup recovery (`recoverStorage`) does.
 */
export function openStorage(options: StorageOptions): Storage {
  const migrations = options.migrations ?? []
  checkMigrationOrder(migrations)
  const lmdbDir = lmdbDirOf(options.dataDir)
  mkdirSync(lmdbDir, { recursive: true })
  const existing = readCurrentDataFile(lmdbDir)
  const fileName = existing ?? nextDataFileName(lmdbDir)
  const opened = openFile(join(lmdbDir, fileName), migrations, options.pageSize)
  if (existing === null) writeCurrentDataFile(lmdbDir, fileName)
  return new Storage(options.dataDir, fileName, opened, migrations)
}

function takeCleanCloseMarker(opened: OpenedFile): boolean {
  const meta = opened.databases.get(META_TABLE)!
  if (meta.get(CLEAN_CLOSE_KEY) === undefined) return false
  opened.root.transactionSync(() => void meta.remove(CLEAN_CLOSE_KEY))
  return true
}

function openFile(path: string, migrations: readonly Migration<MigrationContext>[], pageSize?: number): OpenedFile {
  const root = open(lmdbOpenOptions(path, { pageSize })) as RootDatabase
  try {
    const databases = new Map<TableName, Database>()
    for (const name of ALL_TABLES) databases.set(name, root.openDB({ name }))
    const opened = { root, databases }
    runMigrations(opened, migrations)
    return opened
  } catch (error) {
    void root.close()
    throw error
  }
}

/** What a migration sees: the tables of the file being migrated, inside its write transaction. */
export interface MigrationContext {
  table<K extends TableKey = TableKey, V = unknown>(name: TableName): Table<K, V>
}

/**
 * Records the base version on a fresh file, then applies pending migrations, each in its own
 * synchronous transaction together with its version bump. Runs on every file before it goes
 * live, so a restored backup older than the code is migrated too.
 */
function runMigrations(opened: OpenedFile, migrations: readonly Migration<MigrationContext>[]): void {
  const meta = opened.databases.get(META_TABLE)!
  if (meta.get(SCHEMA_VERSION_KEY) === undefined) {
    opened.root.transactionSync(() => {
      void meta.put(SCHEMA_VERSION_KEY, BASE_SCHEMA_VERSION)
    })
  }
  const pending = pendingMigrations(migrations, readSchemaVersion(opened.databases))
  if (pending.length === 0) return
  const insideTransaction: WriteGate = { writesResumed: null, transactionDepth: 1, isClosed: false }
  const context: MigrationContext = {
    table: <K extends TableKey, V>(name: TableName) => {
      if (!isTableName(name)) throw unknownTable(name)
      return new Table<K, V>(name, opened.databases.get(name)! as Database<V, K>, insideTransaction)
    },
  }
  for (const migration of pending) {
    opened.root.transactionSync(() => {
      migration.migrate(context)
      meta.put(SCHEMA_VERSION_KEY, migration.version)
      // a migration may rewrite any record: views of other tables are rebuilt by their owners
      for (const derived of Object.keys(DERIVED_TABLES) as TableName[]) void context.table(derived).removeAll()
    })
  }
}

function readSchemaVersion(databases: Map<TableName, Database>): number {
  const version = databases.get(META_TABLE)!.get(SCHEMA_VERSION_KEY)
  return typeof version === 'number' ? version : BASE_SCHEMA_VERSION
}

function readDegraded(databases: Map<TableName, Database>): DegradedState | null {
  return (databases.get(META_TABLE)!.get(DEGRADED_KEY) as DegradedState | undefined) ?? null
}

/**
 * Dead pages over total pages, 3 decimals; a file under 1 MiB counts as 1 MiB, so that the
 * few copy-on-write pages of a small store do not read as "40 % fragmented".
 */
export function fragmentationRatio(deadPages: number, totalPages: number, pageSize: number): number {
  const floorPages = Math.ceil(FRAGMENTATION_FLOOR_BYTES / pageSize)
  return Math.round((deadPages / Math.max(totalPages, floorPages)) * 1000) / 1000
}

function treePages(stats: { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number }): number {
  return stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}
