// The `mailbox` actor: single writer of `agent_mailbox` (protocol.md §3.4).
//
// The global seq is persisted in the table itself (key MAILBOX_SEQ_KEY, written in the same
// transaction as the entries it numbers), so it never goes backwards, even when every entry was
// acked or evicted before a restart (the original recovered it as the max surviving seq).
// Changes are applied to the in-memory index at once, written without blocking the actor, and
// answered when their transaction committed. Reads wait for the writes before them.
import { Actor, noReply, replyError, type From } from '../runtime'
import { CommittedReplies, type Storage, type Table } from '../../storage'
import { readPositiveInteger } from '../config/config-reader'
import type { StoredMessage } from '../../relay/protocol'
import { MAILBOX_CAP, MailboxIndex, type EntryRef } from './mailbox-index'
import type { DeliverReply, MailboxCall, MailboxInfo, MailboxMessage, MailboxPoll, MailboxRecord } from './messages'

type MailboxKey = [string, number] | [0, 'last_seq']

/** Sorts before every `[agent_id, seq]` key (numbers sort before strings), so agent ranges never meet it. */
export const MAILBOX_SEQ_KEY: [0, 'last_seq'] = [0, 'last_seq']
export const MAILBOX_TABLE = 'agent_mailbox' as const
export const EVICTION_INTERVAL_MS = 3_600_000

export interface MailboxArgs {
  storage: Storage
  /** default hourly */
  evictionIntervalMs?: number
  /** per-agent cap, default 100 */
  cap?: number
}

export class MailboxActor extends Actor<MailboxCall, never, MailboxInfo, MailboxArgs> {
  private storage!: Storage
  private table!: Table<MailboxKey, MailboxRecord | number>
  private index!: MailboxIndex
  private lastSeq = 0
  private writes!: CommittedReplies

  override async init(args: MailboxArgs): Promise<void> {
    this.storage = args.storage
    this.writes = new CommittedReplies(args.storage, (reason) => this.ctx.stop(reason))
    this.table = args.storage.table<MailboxKey, MailboxRecord | number>(MAILBOX_TABLE)
    this.index = new MailboxIndex(args.cap ?? MAILBOX_CAP)
    this.lastSeq = this.rebuild()
    const trimmed = this.index.finishRestore()
    if (trimmed.length > 0) await this.storage.transaction(() => this.removeEntries(trimmed))
    this.ctx.interval({ type: 'evict_expired' }, args.evictionIntervalMs ?? EVICTION_INTERVAL_MS)
  }

  override handleCall(msg: MailboxCall, from: From): unknown {
    switch (msg.type) {
      case 'deliver':
        return this.deliver(msg.agent_ids, msg.message, from)
      case 'poll':
        return this.afterWrites(from, () => this.poll(msg.agent_id, msg.since))
      case 'ack':
        return this.ack(msg.agent_id, msg.seq, from)
      case 'evict_expired':
        return this.evictExpired(from)
      case 'count':
        return this.index.count(msg.agent_id)
      case 'last_seq':
        return this.lastSeq
      default:
        return replyError(new TypeError(`mailbox: unknown call ${(msg as { type?: unknown }).type}`))
    }
  }

  override handleInfo(msg: MailboxInfo): void {
    if (msg.type === 'evict_expired') this.evictExpired(null)
  }

  /** Rebuilds the index; returns the seq to continue from (the persisted one, or the max seen). */
  private rebuild(): number {
    let max = 0
    for (const { key, value } of this.table.entries()) {
      if (typeof key[0] !== 'string') {
        if (typeof value === 'number') max = Math.max(max, value)
        continue
      }
      const record = value as MailboxRecord
      this.index.restore(key[0], key[1] as number, record.stored_at)
      max = Math.max(max, key[1] as number)
    }
    return max
  }

  private deliver(agentIds: string[], message: StoredMessage, from: From): typeof noReply {
    const storedAt = this.ctx.clock.now()
    const recipients = [...new Set(agentIds)]
    const seqs: Record<string, number> = {}
    const records: MailboxRecord[] = []
    const overflow: EntryRef[] = []
    for (const agentId of recipients) {
      const seq = ++this.lastSeq
      seqs[agentId] = seq
      records.push({ seq, agent_id: agentId, message, stored_at: storedAt })
      for (const dropped of this.index.add(agentId, seq, storedAt)) overflow.push({ agentId, seq: dropped })
    }
    const lastSeq = this.lastSeq
    const reply: DeliverReply = { seqs }
    this.write(from, reply, () => {
      for (const record of records) void this.table.put([record.agent_id, record.seq], record)
      this.removeEntries(overflow)
      if (records.length > 0) void this.table.put(MAILBOX_SEQ_KEY, lastSeq)
    })
    return noReply
  }

  private poll(agentId: string, since: number): MailboxPoll {
    const messages: MailboxMessage[] = []
    for (const value of this.table.values({ start: [agentId, since], exclusiveStart: true, end: [agentId, Infinity] })) {
      const record = value as MailboxRecord
      messages.push({ ...record.message, seq: record.seq })
    }
    return { messages, last_seq: messages.length > 0 ? messages[messages.length - 1]!.seq : since }
  }

  private ack(agentId: string, upTo: number, from: From): typeof noReply {
    const removed = this.index.ackUpTo(agentId, upTo)
    this.write(from, { acked: removed.length }, () => this.removeEntries(removed.map((seq) => ({ agentId, seq }))))
    return noReply
  }

  private evictExpired(from: From | null): typeof noReply {
    const ttl = readPositiveInteger(this.storage, 'mailbox_ttl_ms')
    const evicted = this.index.evictStoredBefore(this.ctx.clock.now() - ttl)
    if (evicted.length > 0) this.ctx.log.info('mailbox entries evicted', { count: evicted.length, ttl_ms: ttl })
    this.write(from, { evicted: evicted.length }, () => this.removeEntries(evicted))
    return noReply
  }

  private removeEntries(entries: readonly EntryRef[]): void {
    for (const { agentId, seq } of entries) void this.table.remove([agentId, seq])
  }

  /** Runs `fn`'s writes as one transaction, replies `reply` once it committed. */
  private write(from: From | null, reply: unknown, fn: () => void): void {
    void this.writes.write(from, reply, fn)
  }

  private afterWrites<R>(from: From, read: () => R): typeof noReply {
    this.writes.afterWrites(from, read)
    return noReply
  }
}
