// What `agent_channels` and `channel_history` hold, and the wire views built from them.
import type { ChannelSummary, HistoryEntry } from '../../relay/protocol'

/** A channel, keyed by its normalised name in `agent_channels`. */
export interface ChannelRecord {
  name: string
  description: string
  created_at: number
  created_by: string
  /** member agent ids, in subscription order */
  subscribers: string[]
  /** last history seq handed out; persisted so seqs never repeat after trimming or restarts */
  last_seq: number
}

/** GET /api/channels/:channel */
export interface ChannelInfo {
  name: string
  description: string
  subscribers: string[]
  subscriber_count: number
  created_at: number
  created_by: string
}

/** Per-channel history cap (protocol.md §3.3). */
export const CHANNEL_HISTORY_CAP = 200
export const CHANNEL_HISTORY_DEFAULT_LIMIT = 50

export function channelSummary(record: ChannelRecord): ChannelSummary {
  return { name: record.name, description: record.description, subscriber_count: record.subscribers.length, created_at: record.created_at }
}

export function channelInfo(record: ChannelRecord): ChannelInfo {
  return {
    name: record.name,
    description: record.description,
    subscribers: [...record.subscribers],
    subscriber_count: record.subscribers.length,
    created_at: record.created_at,
    created_by: record.created_by,
  }
}

/** The last `limit` entries (0..200) with seq > since, ascending; `entries` ascending. */
export function lastEntries(entries: HistoryEntry[], limit: number): HistoryEntry[] {
  const n = Math.max(0, Math.min(CHANNEL_HISTORY_CAP, Math.trunc(limit)))
  return n === 0 ? [] : entries.slice(-n)
}
