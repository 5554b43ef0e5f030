// Typed access to one named LMDB table. Storage knows nothing of tasks or agents: the caller
// names the key and value types when it asks for the table.
import type { Database, Key } from 'lmdb'
import { StorageError } from './errors'

/** Keys are ordered-binary: strings, numbers, booleans, byte arrays, and arrays of these. */
export type TableKey = Key

export interface Entry<K, V> {
  key: K
  value: V
}

/**
 * An ordered key range. `start` is inclusive, `end` exclusive unless `inclusiveEnd`. Bounds
 * may be any key, not only a full K: `[agentId]` … `[agentId, Infinity]` spans one agent's
 * `[agentId, seq]` keys (ordered-binary sorts a prefix first).
 */
export interface KeyRange<K = TableKey> {
  start?: TableKey
  end?: TableKey
  inclusiveEnd?: boolean
  exclusiveStart?: boolean
  reverse?: boolean
  limit?: number
  offset?: number
}

/** What a table needs from its storage: whether writes must wait, and whether we are inside a transaction. */
export interface WriteGate {
  /** A promise while maintenance (compaction, restore) holds writes back; null otherwise. */
  readonly writesResumed: Promise<void> | null
  /** > 0 while a `storage.transaction` callback runs; such writes join that transaction. */
  readonly transactionDepth: number
  /** After close, writes reject (lmdb-js would throw later, uncaught, from its write thread callback). */
  readonly isClosed: boolean
}

/**
 * What a write returns inside a transaction callback: it has joined that transaction, whose
 * own promise tells when it is durable. Returning it from the callback is harmless.
 */
export const JOINED_WRITE: Promise<void> = Promise.resolve()

export class Table<K extends TableKey = TableKey, V = unknown> {
  readonly name: string
  private db: Database<V, K>
  private readonly gate: WriteGate

  constructor(name: string, db: Database<V, K>, gate: WriteGate) {
    this.name = name
    this.db = db
    this.gate = gate
  }

  /** Storage swaps the underlying handle after compaction or restore; callers keep their Table. */
  rebind(db: Database<V, K>): void {
    this.db = db
  }

  /** A key too long for LMDB (> 1978 bytes encoded) cannot have been stored: absent, not a throw. */
  get(key: K): V | undefined {
    try {
      return this.db.get(key)
    } catch (error) {
      if (isOversizedKey(error)) return undefined
      throw error
    }
  }

  has(key: K): boolean {
    try {
      return this.db.doesExist(key)
    } catch (error) {
      if (isOversizedKey(error)) return false
      throw error
    }
  }

  /**
   * Stores `value` under `key`. The promise resolves only after the transaction holding this
   * write committed and was synced to disk; every write of the same event-loop turn shares that
   * transaction. Inside `storage.transaction(fn)` the write joins fn's transaction.
   * Rejects (never throws) on a bad key or an unencodable value.
   */
  put(key: K, value: V): Promise<void> {
    if (this.gate.isClosed) return Promise.reject(closedError(this.name))
    const paused = this.gate.writesResumed
    if (paused !== null && this.gate.transactionDepth === 0) return paused.then(() => this.put(key, value))
    if (this.gate.transactionDepth > 0) {
      this.db.put(key, value)
      return JOINED_WRITE
    }
    try {
      return this.db.put(key, value) as Promise<unknown> as Promise<void>
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Removes `key` (absent keys are fine). Resolves after the commit reached disk. */
  remove(key: K): Promise<void> {
    if (this.gate.isClosed) return Promise.reject(closedError(this.name))
    const paused = this.gate.writesResumed
    if (paused !== null && this.gate.transactionDepth === 0) return paused.then(() => this.remove(key))
    if (this.gate.transactionDepth > 0) {
      this.db.remove(key)
      return JOINED_WRITE
    }
    try {
      return this.db.remove(key) as Promise<unknown> as Promise<void>
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Entries in key order (or reverse), read from one consistent snapshot. */
  entries(range: KeyRange<K> = {}): Iterable<Entry<K, V>> {
    return this.db.getRange(range) as Iterable<Entry<K, V>>
  }

  keys(range: KeyRange<K> = {}): Iterable<K> {
    return this.db.getKeys(range)
  }

  values(range: KeyRange<K> = {}): Iterable<V> {
    return this.db.getRange(range).map((entry) => entry.value)
  }

  /** Number of records, or of records in `range`. */
  count(range?: KeyRange<K>): number {
    return range === undefined ? (this.db.getStats() as LmdbStats).entryCount : this.db.getCount(range)
  }

  /**
   * Removes every record of this table. Call it inside `storage.transaction` so that the
   * removals land together with whatever else must change; outside a transaction each removal
   * joins the current event-turn batch, which commits as one transaction too.
   */
  removeAll(): Promise<void> {
    const keys = Array.from(this.db.getKeys())
    const removals = keys.map((key) => this.remove(key))
    return this.gate.transactionDepth > 0 ? JOINED_WRITE : Promise.all(removals).then(() => undefined)
  }
}

// ordered-binary's message when the encoded key exceeds LMDB's maximum key size (fault/fuzz found it
// crashing the task queue through a 3000-character task_id).
function isOversizedKey(error: unknown): boolean {
  return error instanceof RangeError && /does not fit in target buffer|key.*(too large|larger)/i.test(error.message)
}

function closedError(table: string): StorageError {
  return new StorageError('storage_closed', `cannot write to ${table}: storage is closed`)
}

// lmdb-js types getStats() as {}; these are the fields it really returns.
export interface LmdbTreeStats {
  pageSize: number
  treeDepth: number
  treeBranchPageCount: number
  treeLeafPageCount: number
  entryCount: number
  overflowPages: number
}

export interface LmdbStats extends LmdbTreeStats {
  root: LmdbTreeStats
  free: LmdbTreeStats
  mapSize: number
  lastPageNumber: number
  lastTxnId: number
  numReaders: number
}
