// The snapshot of protocol.md §5.3 (+ smart-pipeline.md §11.2): its type, the empty sections a
// missing peer leaves, and the row shapes built from the owning actors' replies.
import { emptyRoutingStats, type RoutingStats } from '../routing/routing-stats'
import type { DashboardHealth } from '../health'
import type { ValidationView } from '../validation-tracker/failure-history'
import type { CompletionEntry, Throughput } from './completion-ledger'
import { capabilityObjects } from './event-items'

type Json = Record<string, unknown>

/** What the snapshot reads of a task (a TaskView from the queue is a superset). */
export interface TaskLike {
  id?: unknown
  description?: unknown
  priority?: unknown
  submitted_by?: unknown
  created_at?: unknown
  updated_at?: unknown
  assigned_at?: unknown
  last_error?: unknown
  retry_count?: unknown
  complexity?: unknown
  generation?: unknown
  tokens_used?: unknown
  result?: unknown
  verification_report?: unknown
  routing_decision?: unknown
}

export interface AgentRow {
  agent_id: string
  name: string
  fsm_state: string
  current_task_id: string | null
  capabilities: Array<{ name: string }>
  connected_at: number | null
  last_state_change: number | null
}

export interface QueueSection {
  by_status: { queued: number; assigned: number; completed: number }
  by_priority: Record<'0' | '1' | '2' | '3', number>
  dead_letter: number
}

export interface DashboardSnapshot {
  uptime_ms: number
  timestamp: number
  health: DashboardHealth
  agents: AgentRow[]
  queue: QueueSection
  dead_letter_tasks: Array<{ id: string; description: string; last_error: string | null; retry_count: number; created_at: number | null; priority: number }>
  queued_tasks: Array<{ id: string; description: string; priority: number; submitted_by: string; created_at: number | null; complexity_tier: string | null }>
  recent_completions: CompletionEntry[]
  throughput: Throughput
  dets_health: Json
  compaction_history: unknown[]
  validation: ValidationView
  active_alerts: Json[]
  rate_limits: Json
  llm_registry: Json
  repo_registry: { repos: unknown[] }
  routing_stats: Json | RoutingStats
  /** every agent that joined since boot (hardening.md §7.2) */
  last_known_agents: string[]
}

export function emptySnapshotSections(): { rate_limits: Json; llm_registry: Json; repo_registry: { repos: unknown[] }; routing_stats: RoutingStats } {
  return {
    rate_limits: { summary: { total_violations_1h: 0, active_rate_limited: 0, exempt_count: 0, top_offenders: [] }, per_agent: {} },
    llm_registry: { endpoints: [], resources: {}, fleet_models: {} },
    repo_registry: { repos: [] },
    routing_stats: emptyRoutingStats(),
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback)
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const strOr = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback)

/**
 * The queue's stats view (task-pipeline.md §2.9, non-zero keys only) with every key present.
 * `by_priority` counts the QUEUED tasks per priority (the dashboard's queue cards): the queue's
 * own stats count the whole active table, completed tasks included, which made the original's
 * cards show finished work as waiting. Without the queued list, the stats' counts are used.
 */
export function queueSection(stats: Json, queued?: readonly TaskLike[]): QueueSection {
  const byStatus = isObject(stats.by_status) ? stats.by_status : {}
  const byPriority: Json = isObject(stats.by_priority) ? stats.by_priority : {}
  const counts = queued === undefined ? byPriority : queuedByPriority(queued)
  return {
    by_status: { queued: num(byStatus.queued), assigned: num(byStatus.assigned), completed: num(byStatus.completed) },
    by_priority: { '0': num(counts['0']), '1': num(counts['1']), '2': num(counts['2']), '3': num(counts['3']) },
    dead_letter: num(stats.dead_letter),
  }
}

function queuedByPriority(queued: readonly TaskLike[]): Json {
  const counts: Record<string, number> = {}
  for (const task of queued) {
    const key = String(num(task.priority, 2))
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

export function toAgentRow(agent: Json): AgentRow {
  const id = strOr(agent.agent_id, '')
  return {
    agent_id: id,
    name: strOr(agent.name, id),
    fsm_state: strOr(agent.fsm_state, 'unknown'),
    current_task_id: typeof agent.current_task_id === 'string' ? agent.current_task_id : null,
    capabilities: capabilityObjects(agent.capabilities),
    connected_at: numOrNull(agent.connected_at),
    last_state_change: numOrNull(agent.last_state_change),
  }
}

export function toDeadLetterRow(task: TaskLike): DashboardSnapshot['dead_letter_tasks'][number] {
  return {
    id: strOr(task.id, ''),
    description: strOr(task.description, ''),
    last_error: typeof task.last_error === 'string' ? task.last_error : null,
    retry_count: num(task.retry_count),
    created_at: numOrNull(task.created_at),
    priority: num(task.priority, 2),
  }
}

export function toQueuedRow(task: TaskLike): DashboardSnapshot['queued_tasks'][number] {
  const complexity = isObject(task.complexity) ? task.complexity : null
  return {
    id: strOr(task.id, ''),
    description: strOr(task.description, ''),
    priority: num(task.priority, 2),
    submitted_by: strOr(task.submitted_by, ''),
    created_at: numOrNull(task.created_at),
    complexity_tier: complexity && typeof complexity.effective_tier === 'string' ? complexity.effective_tier : null,
  }
}
