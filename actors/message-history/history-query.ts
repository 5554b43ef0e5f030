// Message history queries (protocol.md §3.5): filters, exclusive cursor, limit, ascending seq.

import type { StoredMessage } from '../../relay/protocol'

export const HISTORY_CAP = 10_000
export const HISTORY_DEFAULT_LIMIT = 50
export const HISTORY_MAX_LIMIT = 200

export interface HistoryQuery {
  from?: string
  to?: string
  /** matches `payload.channel` */
  channel?: string
  /** inclusive, on the message timestamp */
  start_time?: number
  /** inclusive, on the message timestamp */
  end_time?: number
  /** exclusive seq; default 0 */
  cursor?: number
  /** default 50, at most 200 */
  limit?: number
}

export interface HistoryRecord {
  seq: number
  message: StoredMessage
  stored_at: number
}

export type HistoryMessage = StoredMessage & { seq: number }

export interface HistoryPage {
  messages: HistoryMessage[]
  /** last returned seq, or the input cursor when nothing matched */
  cursor: number
  count: number
}

export function matchesQuery(record: HistoryRecord, query: HistoryQuery): boolean {
  const message = record.message
  const timestamp = typeof message.timestamp === 'number' ? message.timestamp : record.stored_at
  if (query.from !== undefined && message.from !== query.from) return false
  if (query.to !== undefined && message.to !== query.to) return false
  if (query.channel !== undefined && message.payload?.channel !== query.channel) return false
  if (query.start_time !== undefined && timestamp < query.start_time) return false
  if (query.end_time !== undefined && timestamp > query.end_time) return false
  return true
}

export function effectiveLimit(limit: number | undefined): number {
  if (limit === undefined) return HISTORY_DEFAULT_LIMIT
  return Math.max(0, Math.min(HISTORY_MAX_LIMIT, Math.trunc(limit)))
}

/** Runs a query over records in ascending seq order, all with seq > cursor. */
export function runQuery(records: Iterable<HistoryRecord>, query: HistoryQuery): HistoryPage {
  const limit = effectiveLimit(query.limit)
  const cursor = query.cursor ?? 0
  const messages: HistoryMessage[] = []
  if (limit > 0) {
    for (const record of records) {
      if (record.seq <= cursor || !matchesQuery(record, query)) continue
      messages.push({ ...record.message, seq: record.seq })
      if (messages.length >= limit) break
    }
  }
  return { messages, cursor: messages.length > 0 ? messages[messages.length - 1]!.seq : cursor, count: messages.length }
}
