// Registered actor names: the only way one part of the hub finds another (system.byName(...)).
// A restarted actor keeps its name, so callers hold names, not refs.

export const ACTOR = {
  config: 'config',
  auth: 'auth',
  presence: 'presence',
  reaper: 'reaper',
  mailbox: 'mailbox',
  channels: 'channels',
  messageHistory: 'message-history',
  threads: 'threads',
  analytics: 'analytics',
  taskQueue: 'task-queue',
  agents: 'agents',
  agentFsms: 'agent-fsms',
  scheduler: 'scheduler',
  sessions: 'sessions',
  rateLimiter: 'rate-limiter',
  validationTracker: 'validation-tracker',
  metrics: 'metrics',
  alerter: 'alerter',
  llmRegistry: 'llm-registry',
  repoRegistry: 'repo-registry',
  dashboardState: 'dashboard-state',
  notifier: 'notifier',
  backup: 'backup',
  compaction: 'compaction',
  console: 'console-server',
} as const

/** The session actor of a connected agent (the hub's side of its sidecar). */
export const sessionName = (agentId: string): string => `agent:${agentId}`

/** The FSM actor of an identified agent. */
export const fsmName = (agentId: string): string => `fsm:${agentId}`

/** Bus topics (task-pipeline.md §6, plus `sessions` and `telemetry`). */
export const TOPIC = {
  tasks: 'tasks',
  presence: 'presence',
  messages: 'messages',
  validation: 'validation',
  rateLimits: 'rate_limits',
  backups: 'backups',
  metrics: 'metrics',
  alerts: 'alerts',
  llmRegistry: 'llm_registry',
  repoRegistry: 'repo_registry',
  telemetry: 'telemetry',
  supervisor: 'supervisor',
  execution: 'execution',
  /** `{type:'token_revoked', agent_id}` after a revoke or reset (dashboard sockets re-check). */
  auth: 'auth',
} as const

export const channelTopic = (channel: string): string => `channel:${channel}`
