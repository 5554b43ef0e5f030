// The `message-history` actor: single writer of `message_history`, the global history of
// direct and broadcast messages (protocol.md §3.5), keyed by seq, capped at 10,000 (oldest
// trimmed). The last seq is persisted with each append so it never goes backwards.
import { Actor, noReply, replyError, type From } from '../runtime'
import { CommittedReplies, type Storage, type Table } from '../../storage'
import type { StoredMessage } from '../../relay/protocol'
import { HISTORY_CAP, runQuery, type HistoryQuery, type HistoryRecord } from './history-query'
import type { MessageHistoryCall } from './messages'

type HistoryKey = number | 'last_seq'

export const HISTORY_TABLE = 'message_history' as const
/** Strings sort after numbers: scans over the numeric range never meet it. */
export const HISTORY_SEQ_KEY = 'last_seq' as const

export interface MessageHistoryArgs {
  storage: Storage
  /** default 10,000 */
  cap?: number
}

export class MessageHistoryActor extends Actor<MessageHistoryCall, never, never, MessageHistoryArgs> {
  private storage!: Storage
  private table!: Table<HistoryKey, HistoryRecord | number>
  private cap = HISTORY_CAP
  private firstSeq = 1
  private lastSeq = 0
  private writes!: CommittedReplies

  override async init(args: MessageHistoryArgs): Promise<void> {
    this.storage = args.storage
    this.writes = new CommittedReplies(args.storage, (reason) => this.ctx.stop(reason))
    this.cap = args.cap ?? HISTORY_CAP
    this.table = args.storage.table<HistoryKey, HistoryRecord | number>(HISTORY_TABLE)
    const persisted = this.table.get(HISTORY_SEQ_KEY)
    const newest = first(this.table.keys({ start: Infinity, end: 0, reverse: true, limit: 1 }))
    const oldest = first(this.table.keys({ start: 0, end: Infinity, limit: 1 }))
    this.lastSeq = Math.max(typeof persisted === 'number' ? persisted : 0, typeof newest === 'number' ? newest : 0)
    this.firstSeq = typeof oldest === 'number' ? oldest : this.lastSeq + 1
    await this.trimToCap()
  }

  override handleCall(msg: MessageHistoryCall, from: From): unknown {
    switch (msg.type) {
      case 'append':
        return this.append(msg.message, from)
      case 'query':
        this.writes.afterWrites(from, () => this.query(msg.query))
        return noReply
      case 'stats':
        return { count: this.size(), first_seq: this.firstSeq, last_seq: this.lastSeq }
      default:
        return replyError(new TypeError(`message-history: unknown call ${(msg as { type?: unknown }).type}`))
    }
  }

  private size(): number {
    return Math.max(0, this.lastSeq - this.firstSeq + 1)
  }

  private append(message: StoredMessage, from: From): typeof noReply {
    const seq = ++this.lastSeq
    const record: HistoryRecord = { seq, message, stored_at: this.ctx.clock.now() }
    const trimmed: number[] = []
    while (this.size() > this.cap) trimmed.push(this.firstSeq++)
    void this.writes.write(from, { seq }, () => {
      void this.table.put(seq, record)
      void this.table.put(HISTORY_SEQ_KEY, seq)
      for (const old of trimmed) void this.table.remove(old)
    })
    return noReply
  }

  private query(query: HistoryQuery) {
    const start = Math.max(this.firstSeq, (query.cursor ?? 0) + 1)
    return runQuery(this.table.values({ start, end: Infinity }) as Iterable<HistoryRecord>, query)
  }

  /** A smaller cap than the data on disk (or a restore) is applied at start. */
  private async trimToCap(): Promise<void> {
    if (this.size() <= this.cap) return
    const trimmed: number[] = []
    while (this.size() > this.cap) trimmed.push(this.firstSeq++)
    await this.storage.transaction(() => {
      for (const old of trimmed) void this.table.remove(old)
    })
  }
}

function first<T>(iterable: Iterable<T>): T | undefined {
  for (const item of iterable) return item
  return undefined
}
