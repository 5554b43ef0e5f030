// Every named table of the hub's LMDB environment, and the one actor allowed to write each.
// The names of the first ten are part of the admin API (protocol.md §4.9): keep them verbatim.

/** The ten tables of the original (hardening.md §1.1), in the original's backup order. */
export const MANAGED_TABLES = [
  'task_queue',
  'task_dead_letter',
  'agent_mailbox',
  'message_history',
  'agent_channels',
  'channel_history',
  'agentcom_config',
  'thread_messages',
  'thread_replies',
  'repo_registry',
] as const

/** Tables the original kept elsewhere (files, memory); here they live in the same environment. */
export const AUXILIARY_TABLES = [
  'tokens',
  'rate_limit_overrides',
  'llm_registry',
  'push_subscriptions',
  'push_keys',
  'verification_reports',
  // the queue's in-memory views, written when it stops cleanly (actors/task-queue/queue-checkpoint.ts)
  'task_queue_checkpoint',
] as const

/** Storage's own bookkeeping (schema version, degraded state, clean-close marker). */
export const META_TABLE = 'meta'

/**
 * The `meta` record `Storage.close()` writes as its last transaction and open removes before
 * any writer runs: present at open ⇔ the previous process closed the environment properly
 * (DETS's "properly closed" flag). Start-up then checks the file's structure but skips decoding
 * every record; after a crash (no marker) it decodes them all.
 */
export const CLEAN_CLOSE_KEY = 'closed_cleanly'

export const ALL_TABLES = [...MANAGED_TABLES, ...AUXILIARY_TABLES, META_TABLE] as const

export type ManagedTableName = (typeof MANAGED_TABLES)[number]
export type TableName = (typeof ALL_TABLES)[number]

/**
 * The single writer of each table (ARCHITECTURE.md §5: one writing actor per table). Anyone
 * may read; only the named actor writes. `meta` is written by storage itself at open.
 */
export const TABLE_WRITERS: Readonly<Record<TableName, string>> = {
  task_queue: 'task-queue',
  task_dead_letter: 'task-queue',
  agent_mailbox: 'mailbox',
  message_history: 'message-history',
  agent_channels: 'channels',
  channel_history: 'channels',
  agentcom_config: 'config',
  thread_messages: 'threads',
  thread_replies: 'threads',
  repo_registry: 'repo-registry',
  tokens: 'auth',
  rate_limit_overrides: 'rate-limiter',
  llm_registry: 'llm-registry',
  push_subscriptions: 'notifier',
  push_keys: 'notifier',
  verification_reports: 'task-queue',
  task_queue_checkpoint: 'task-queue',
  meta: 'storage (schema version and degraded state at open, clean-close marker at close)',
}

/**
 * Tables that hold a view of other tables, valid only while nobody but their owner changed the
 * sources (the queue's checkpoint, queue-checkpoint.ts). Restoring a source table or migrating
 * the file clears them; the owner then rebuilds from the sources.
 */
export const DERIVED_TABLES: Readonly<Partial<Record<TableName, readonly TableName[]>>> = {
  task_queue_checkpoint: ['task_queue', 'task_dead_letter'],
}

/** The derived tables to clear when `source` is changed behind its owner's back. */
export function derivedFrom(source: TableName): TableName[] {
  return (Object.entries(DERIVED_TABLES) as Array<[TableName, readonly TableName[]]>).filter(([, sources]) => sources.includes(source)).map(([derived]) => derived)
}

export function isManagedTable(name: string): name is ManagedTableName {
  return (MANAGED_TABLES as readonly string[]).includes(name)
}

export function isTableName(name: string): name is TableName {
  return (ALL_TABLES as readonly string[]).includes(name)
}
