// The message record of protocol.md §3: what the router builds from a `message` frame, a
// POST /api/message or a channel publish, and what history, mailbox and threads store.
import { randomBytes } from 'node:crypto'
import type { StoredMessage } from '../../relay/protocol'

export interface MessageInput {
  from: string
  /** agent id; null, absent or "broadcast" = broadcast */
  to?: string | null
  /** default "chat" */
  type?: string | null
  payload?: Record<string, unknown> | null
  reply_to?: string | null
}

/** 16 lowercase hex chars (8 random bytes), as the original. */
export function newMessageId(): string {
  return randomBytes(8).toString('hex')
}

export function buildMessage(input: MessageInput, now: number, id: string = newMessageId()): StoredMessage {
  return {
    id,
    from: input.from,
    to: input.to ?? null,
    type: input.type ?? 'chat',
    payload: input.payload ?? {},
    reply_to: input.reply_to ?? null,
    timestamp: now,
  }
}

export function isBroadcast(to: string | null | undefined): boolean {
  return to === null || to === undefined || to === 'broadcast'
}
