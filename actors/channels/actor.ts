// The `channels` actor: single writer of `agent_channels` (channel records with their members)
// and `channel_history` (key [channel, seq], 200 per channel). Live delivery follows
// membership at once: after a subscribe (new or repeated, over WS or HTTP) the member's session
// is told `join_channel`, after an unsubscribe `leave_channel` — the original only attached
// live delivery at the next identify.
import { Actor, noReply, replyError, type From } from '../runtime'
import { CommittedReplies, type Storage, type Table } from '../../storage'
import type { HistoryEntry, StoredMessage } from '../../relay/protocol'
import { channelTopic, sessionName } from '../names'
import { normalizeChannelName } from './channel-name'
import { CHANNEL_HISTORY_CAP, CHANNEL_HISTORY_DEFAULT_LIMIT, channelInfo, channelSummary, lastEntries, type ChannelRecord } from './channel-record'
import type {
  ChannelEvent,
  ChannelsCall,
  CreateReply,
  PublishReply,
  SessionChannelCast,
  SubscribeReply,
  UnsubscribeReply,
} from './messages'

type HistoryKey = [string, number]

export const CHANNELS_TABLE = 'agent_channels' as const
export const CHANNEL_HISTORY_TABLE = 'channel_history' as const

export interface ChannelsArgs {
  storage: Storage
  /** per-channel history cap, default 200 */
  historyCap?: number
}

export class ChannelsActor extends Actor<ChannelsCall, never, never, ChannelsArgs> {
  private channels!: Table<string, ChannelRecord>
  private history!: Table<HistoryKey, HistoryEntry>
  private historyCap = CHANNEL_HISTORY_CAP
  private readonly records = new Map<string, ChannelRecord>()
  /** oldest seq still in each channel's history */
  private readonly firstSeq = new Map<string, number>()
  private writes!: CommittedReplies

  override init(args: ChannelsArgs): void {
    this.writes = new CommittedReplies(args.storage, (reason) => this.ctx.stop(reason))
    this.historyCap = args.historyCap ?? CHANNEL_HISTORY_CAP
    this.channels = args.storage.table<string, ChannelRecord>(CHANNELS_TABLE)
    this.history = args.storage.table<HistoryKey, HistoryEntry>(CHANNEL_HISTORY_TABLE)
    for (const { key, value } of this.channels.entries()) {
      const newest = first(this.history.keys({ start: [key, Infinity], end: [key, 0], reverse: true, limit: 1 }))
      const oldest = first(this.history.keys({ start: [key, 0], end: [key, Infinity], limit: 1 }))
      const lastSeq = Math.max(value.last_seq ?? 0, newest ? newest[1] : 0)
      this.records.set(key, { ...value, last_seq: lastSeq })
      this.firstSeq.set(key, oldest ? oldest[1] : lastSeq + 1)
    }
  }

  override handleCall(msg: ChannelsCall, from: From): unknown {
    switch (msg.type) {
      case 'create':
        return this.create(msg.name, msg.description ?? '', msg.created_by, from)
      case 'subscribe':
        return this.subscribe(msg.channel, msg.agent_id, from)
      case 'unsubscribe':
        return this.unsubscribe(msg.channel, msg.agent_id, from)
      case 'publish':
        return this.publish(msg.channel, msg.message, from)
      case 'info':
        return this.afterWrites(from, () => {
          const record = this.records.get(normalizeChannelName(msg.channel))
          return record ? channelInfo(record) : null
        })
      case 'list':
        return this.afterWrites(from, () => [...this.records.values()].sort(byName).map(channelSummary))
      case 'history':
        return this.afterWrites(from, () => this.readHistory(msg.channel, msg.limit ?? CHANNEL_HISTORY_DEFAULT_LIMIT, msg.since ?? 0))
      case 'memberships':
        return this.afterWrites(from, () =>
          [...this.records.values()].filter((record) => record.subscribers.includes(msg.agent_id)).map((record) => record.name).sort(),
        )
      default:
        return replyError(new TypeError(`channels: unknown call ${(msg as { type?: unknown }).type}`))
    }
  }

  private create(name: string, description: string, createdBy: string, from: From): unknown {
    const channel = normalizeChannelName(String(name))
    if (channel === '') return { ok: false, error: 'invalid_channel_name' } satisfies CreateReply
    if (this.records.has(channel)) return this.afterWrites(from, () => ({ ok: false, error: 'channel_exists' }) satisfies CreateReply)
    const record: ChannelRecord = {
      name: channel,
      description,
      created_at: this.ctx.clock.now(),
      created_by: createdBy,
      subscribers: [],
      last_seq: 0,
    }
    this.records.set(channel, record)
    this.firstSeq.set(channel, 1)
    const reply: CreateReply = { ok: true, channel }
    return this.write(from, reply, () => void this.channels.put(channel, record))
  }

  private subscribe(name: string, agentId: string, from: From): unknown {
    const channel = normalizeChannelName(name)
    const record = this.records.get(channel)
    if (!record) return this.afterWrites(from, () => ({ ok: false, error: 'channel_not_found' }) satisfies SubscribeReply)
    const already = record.subscribers.includes(agentId)
    const reply: SubscribeReply = { ok: true, channel, already }
    if (already) {
      return this.afterWrites(from, () => {
        this.tellSession(agentId, { type: 'join_channel', channel })
        return reply
      })
    }
    const updated: ChannelRecord = { ...record, subscribers: [...record.subscribers, agentId] }
    this.records.set(channel, updated)
    return this.write(
      from,
      reply,
      () => void this.channels.put(channel, updated),
      () => {
        this.tellSession(agentId, { type: 'join_channel', channel })
        this.announce(channel, { type: 'channel_agent_joined', channel, agent_id: agentId })
      },
    )
  }

  private unsubscribe(name: string, agentId: string, from: From): unknown {
    const channel = normalizeChannelName(name)
    const record = this.records.get(channel)
    if (!record) return this.afterWrites(from, () => ({ ok: false, error: 'channel_not_found' }) satisfies UnsubscribeReply)
    const wasMember = record.subscribers.includes(agentId)
    const reply: UnsubscribeReply = { ok: true, channel, was_member: wasMember }
    const leave = () => this.tellSession(agentId, { type: 'leave_channel', channel })
    if (!wasMember) {
      return this.afterWrites(from, () => {
        leave()
        return reply
      })
    }
    const updated: ChannelRecord = { ...record, subscribers: record.subscribers.filter((id) => id !== agentId) }
    this.records.set(channel, updated)
    return this.write(from, reply, () => void this.channels.put(channel, updated), leave)
  }

  private publish(name: string, message: StoredMessage, from: From): unknown {
    const channel = normalizeChannelName(name)
    const record = this.records.get(channel)
    if (!record) return this.afterWrites(from, () => ({ ok: false, error: 'channel_not_found' }) satisfies PublishReply)
    const seq = record.last_seq + 1
    const updated: ChannelRecord = { ...record, last_seq: seq }
    this.records.set(channel, updated)
    const entry: HistoryEntry = { seq, message, stored_at: this.ctx.clock.now() }
    const trimmed: number[] = []
    let oldest = this.firstSeq.get(channel) ?? seq
    while (seq - oldest + 1 > this.historyCap) trimmed.push(oldest++)
    this.firstSeq.set(channel, oldest)
    const reply: PublishReply = { ok: true, channel, seq, recipients: record.subscribers.filter((id) => id !== message.from) }
    return this.write(
      from,
      reply,
      () => {
        void this.history.put([channel, seq], entry)
        void this.channels.put(channel, updated)
        for (const old of trimmed) void this.history.remove([channel, old])
      },
      () => this.announce(channel, { type: 'channel_message', channel, message }),
    )
  }

  private readHistory(name: string, limit: number, since: number): HistoryEntry[] {
    const channel = normalizeChannelName(name)
    if (!this.records.has(channel)) return []
    const entries = [...this.history.values({ start: [channel, since], exclusiveStart: true, end: [channel, Infinity] })]
    return lastEntries(entries, limit)
  }

  private tellSession(agentId: string, cast: SessionChannelCast): void {
    this.ctx.system.whereis(sessionName(agentId))?.cast(cast)
  }

  private announce(channel: string, event: ChannelEvent): void {
    this.ctx.publish(channelTopic(channel), event)
  }

  /** One transaction for `fn`'s writes; after the commit: `then`, then the reply. */
  private write(from: From, reply: unknown, fn: () => void, then?: () => void): typeof noReply {
    void this.writes.write(from, reply, fn, { then })
    return noReply
  }

  private afterWrites<R>(from: From, read: () => R): typeof noReply {
    this.writes.afterWrites(from, read)
    return noReply
  }
}

function byName(a: ChannelRecord, b: ChannelRecord): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

function first<T>(iterable: Iterable<T>): T | undefined {
  for (const item of iterable) return item
  return undefined
}
