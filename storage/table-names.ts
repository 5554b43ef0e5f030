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
] as const

/** Storage's own bookkeeping (schema version). */
export const META_TABLE = 'meta'

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
  meta: 'storage (schema version, at open)',
}

export function isManagedTable(name: string): name is ManagedTableName {
  return (MANAGED_TABLES as readonly string[]).includes(name)
}

export function isTableName(name: string): name is TableName {
  return (ALL_TABLES as readonly string[]).includes(name)
}
