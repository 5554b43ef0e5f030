// The messages of the `task-queue` actor: the part relay/hub/CONTRACTS.md fixes for the front
// door, plus the pipeline-internal calls the agent FSMs, the scheduler and the sweeper use.

import type { AgentSnapshot } from '../scheduler/matching'
import type { TaskStatsView } from './stats'
import type { RoutingDecision, Task, TaskStatus, TaskView } from './task'
import type { FailOutcome, ReclaimReason, RecoveryAnswer, TaskErrorCode } from './transitions'

/** `POST /api/tasks` body (relay/protocol PostTaskBody) or any internal submission; untrusted fields fall back to defaults. */
export type SubmitInput = Record<string, unknown>

export interface TaskListFilter {
  status?: TaskStatus
  /** 0..3 */
  priority?: number
  assigned_to?: string
}

export type TaskQueueCall =
  // ---- relay/hub/CONTRACTS.md ----
  | { type: 'submit'; input: SubmitInput; submitted_by?: string }
  | { type: 'get'; task_id: string }
  | { type: 'list'; filter?: TaskListFilter }
  | { type: 'dead_letter' }
  | { type: 'stats' }
  | { type: 'retry_dead_letter'; task_id: string }
  | { type: 'accepted'; task_id: string; agent_id: string }
  | {
      type: 'complete'
      task_id: string
      agent_id: string
      generation: number
      result?: unknown
      tokens_used?: unknown
      verification_report?: unknown
      verification_history?: unknown
    }
  | { type: 'fail'; task_id: string; agent_id: string; generation: number; error: string }
  | { type: 'recovering'; task_id: string; agent_id: string }
  | { type: 'rejected'; task_id: string; agent_id: string; generation?: number }
  // ---- inside the pipeline ----
  /** plan a scheduling pass over the index (the scheduler); read-only */
  | { type: 'plan'; agents: AgentSnapshot[]; paused_repos?: string[]; exclude?: string[] }
  /** only the agent's FSM calls this (it is the serialisation point that keeps one task per agent) */
  | { type: 'assign'; task_id: string; agent_id: string; routing_decision?: RoutingDecision | null }
  | { type: 'reclaim'; task_id: string; agent_id: string; reason: ReclaimReason; generation?: number }
  /** tasks the queue holds `assigned` to the agent, oldest assignment first (FSM start, §3.4) */
  | { type: 'assigned_to'; agent_id: string }
  /** the stuck sweep (§4.3), run by the stuck sweeper */
  | { type: 'reclaim_stuck'; threshold_ms?: number }
  /** run the overdue / TTL sweep now (they also run on their own timers) */
  | { type: 'sweep_overdue' }
  | { type: 'sweep_ttl'; paused_repos?: string[] }
  /** resolves once every write accepted so far has committed */
  | { type: 'sync' }

export type TaskQueueCast =
  | { type: 'progress'; task_id: string; agent_id: string }
  /** the TTL timer's paused-repo lookup finished */
  | { type: 'ttl_sweep_with'; paused_repos: string[] }
  /** the repo registry's top active repo (nil-repo inheritance) */
  | { type: 'top_active_repo'; repo: string | null }
  /** a write failed to commit: crash, so that the supervisor rebuilds the state from LMDB */
  | { type: 'write_failed'; message: string }

export type TaskQueueInfo =
  | { type: 'overdue_sweep' }
  | { type: 'ttl_sweep' }

// ---- replies -----------------------------------------------------------------------------

export interface SubmitReply {
  ok: true
  task: TaskView
  warnings?: string[]
}

/**
 * A refused operation. `agent_busy` (assign only): the queue already holds a task assigned to
 * that agent — the last line of defence of "one task per agent".
 */
export type TaskOpError = { ok: false; error: TaskErrorCode | 'agent_busy'; status?: TaskStatus }

export type RetryDeadLetterReply = { ok: true; task: TaskView } | { ok: false; error: 'not_found' }
export type OkReply = { ok: boolean }
export type CompleteReply = { ok: true } | TaskOpError
export type FailReply = { ok: true; outcome: FailOutcome } | TaskOpError
export type RecoveringReply = RecoveryAnswer
/** The stored task (not the view): the FSM needs every field for the `task_assign` frame. */
export type AssignReply = { ok: true; task: Task } | TaskOpError
export type ReclaimReply = { ok: true; task: TaskView } | TaskOpError
export type StatsReply = TaskStatsView

export interface PlannedTask {
  agent_id: string
  task: Task
}

export interface PlanReply {
  assignments: PlannedTask[]
  idle_agents: number
  queued_tasks: number
}

export interface AssignedTaskRef {
  task_id: string
  generation: number
}

export interface SweepReply {
  /** ids of the tasks the sweep changed */
  task_ids: string[]
}

/** `{type:'task_event', …}` on topic `tasks` (task-pipeline.md §2.8). */
export interface TaskEventMessage {
  type: 'task_event'
  event: string
  task_id: string
  agent_id: string | null
  task: TaskView
  timestamp: number
}

/** The error a caller gets when a write could not be committed (hardening.md §1.4 `table_corrupted`). */
export class TaskStorageError extends Error {
  override readonly name = 'TaskStorageError'
  readonly code = 'table_corrupted'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}
