// The `threads` actor: single writer of `thread_messages` (message id → message) and
// `thread_replies` (parent id → child ids). Fed by the router with every routed message
// (direct, broadcast, channel), which the original never did (protocol.md §3.6).
//
// Writes do not block the actor; until they commit, a small overlay holds what they wrote, so
// the next index call builds on it (no lost reply lists). Queries wait for pending writes and
// then read the tables.
import { Actor, noReply, replyError, type From } from '../runtime'
import { CommittedReplies, type Storage, type Table } from '../../storage'
import type { StoredMessage } from '../../relay/protocol'
import { collectThread, directReplies, findRoot } from './thread-walk'
import type { ThreadsCall, ThreadView } from './messages'

export const THREAD_MESSAGES_TABLE = 'thread_messages' as const
export const THREAD_REPLIES_TABLE = 'thread_replies' as const

export interface ThreadsArgs {
  storage: Storage
}

interface Pending<V> {
  value: V
  writes: number
}

export class ThreadsActor extends Actor<ThreadsCall, never, never, ThreadsArgs> {
  private messages!: Table<string, StoredMessage>
  private replies!: Table<string, string[]>
  private readonly pendingMessages = new Map<string, Pending<StoredMessage>>()
  private readonly pendingReplies = new Map<string, Pending<string[]>>()
  private writes!: CommittedReplies

  override init(args: ThreadsArgs): void {
    this.writes = new CommittedReplies(args.storage, (reason) => this.ctx.stop(reason))
    this.messages = args.storage.table<string, StoredMessage>(THREAD_MESSAGES_TABLE)
    this.replies = args.storage.table<string, string[]>(THREAD_REPLIES_TABLE)
  }

  override handleCall(msg: ThreadsCall, from: From): unknown {
    switch (msg.type) {
      case 'index':
        return this.index(msg.message, from)
      case 'thread':
        return this.afterWrites(from, () => this.thread(msg.message_id))
      case 'replies':
        return this.afterWrites(from, () => directReplies(msg.message_id, this.lookup, this.children))
      case 'root':
        return this.afterWrites(from, () => findRoot(msg.message_id, this.lookup))
      default:
        return replyError(new TypeError(`threads: unknown call ${(msg as { type?: unknown }).type}`))
    }
  }

  private readonly lookup = (id: string): StoredMessage | undefined => this.pendingMessages.get(id)?.value ?? this.messages.get(id)
  private readonly children = (id: string): readonly string[] => this.pendingReplies.get(id)?.value ?? this.replies.get(id) ?? []

  private thread(messageId: string): ThreadView {
    const root = findRoot(messageId, this.lookup)
    const messages = collectThread(root, this.lookup, this.children)
    return { root, messages, count: messages.length }
  }

  private index(message: StoredMessage, from: From): typeof noReply {
    const id = message.id
    const parent = typeof message.reply_to === 'string' ? message.reply_to : null
    hold(this.pendingMessages, id, message)
    let siblings: string[] | null = null
    if (parent !== null) {
      const current = this.children(parent)
      if (!current.includes(id)) {
        siblings = [...current, id]
        hold(this.pendingReplies, parent, siblings)
      }
    }
    const release = () => {
      unhold(this.pendingMessages, id)
      if (parent !== null && siblings !== null) unhold(this.pendingReplies, parent)
    }
    const write = () => {
      void this.messages.put(id, message)
      if (parent !== null && siblings !== null) void this.replies.put(parent, siblings)
    }
    void this.writes.write(from, { ok: true }, write, { settle: release })
    return noReply
  }

  private afterWrites<R>(from: From, read: () => R): typeof noReply {
    this.writes.afterWrites(from, read)
    return noReply
  }
}

function hold<V>(pending: Map<string, Pending<V>>, key: string, value: V): void {
  const entry = pending.get(key)
  pending.set(key, { value, writes: (entry?.writes ?? 0) + 1 })
}

function unhold<V>(pending: Map<string, Pending<V>>, key: string): void {
  const entry = pending.get(key)
  if (!entry) return
  if (entry.writes <= 1) pending.delete(key)
  else entry.writes -= 1
}
