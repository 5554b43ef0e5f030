// The `mailbox` actor's contract (actors/names.ts ACTOR.mailbox). Every reply that follows a
// change is sent after the change committed.
import type { StoredMessage } from '../../relay/protocol'

export type MailboxCall =
  /** one copy of `message` per distinct agent, in one transaction → `{seqs: {agent_id: seq}}` */
  | { type: 'deliver'; agent_ids: string[]; message: StoredMessage }
  /** entries with seq > since, ascending → `MailboxPoll` (does not delete) */
  | { type: 'poll'; agent_id: string; since: number }
  /** deletes the agent's entries with seq ≤ seq → `{acked: <entries removed>}` */
  | { type: 'ack'; agent_id: string; seq: number }
  /** TTL eviction now (`mailbox_ttl_ms` from config) → `{evicted: n}` */
  | { type: 'evict_expired' }
  /** → number of entries held for the agent */
  | { type: 'count'; agent_id: string }
  /** → the last seq handed out (never decreases, survives restarts) */
  | { type: 'last_seq' }

export interface MailboxRecord {
  seq: number
  agent_id: string
  message: StoredMessage
  stored_at: number
}

export type MailboxMessage = StoredMessage & { seq: number }

export interface MailboxPoll {
  messages: MailboxMessage[]
  /** max returned seq, or `since` when nothing was returned */
  last_seq: number
}

export interface DeliverReply {
  seqs: Record<string, number>
}

export type MailboxInfo = { type: 'evict_expired' }
