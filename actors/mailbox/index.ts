export { MailboxActor, MAILBOX_SEQ_KEY, MAILBOX_TABLE, EVICTION_INTERVAL_MS, type MailboxArgs } from './actor'
export { MailboxIndex, MAILBOX_CAP, type EntryRef, type IndexedEntry } from './mailbox-index'
export type { MailboxCall, MailboxRecord, MailboxMessage, MailboxPoll, DeliverReply } from './messages'
