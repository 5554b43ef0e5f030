// Every time constant of the task pipeline (task-pipeline.md §7, smart-pipeline.md §7.5) and the
// predicates the sweeps use. Kept in one place so the queue, FSM and scheduler agree.

import { isTrivialTask, type Task } from './task'

export const ACCEPTANCE_TIMEOUT_MS = 60_000
export const OVERDUE_SWEEP_INTERVAL_MS = 30_000
export const STUCK_SWEEP_INTERVAL_MS = 30_000
export const STUCK_THRESHOLD_MS = 300_000
export const SAFETY_PASS_INTERVAL_MS = 30_000
export const TTL_SWEEP_INTERVAL_MS = 60_000
/** config key `task_ttl_ms` */
export const DEFAULT_TASK_TTL_MS = 600_000
/**
 * Ours: how long an agent stays `blocked` after its sidecar answered `task_rejected` (busy) when
 * it never reports on the work it is busy with. Same as the stuck threshold: after that long
 * the hub would have reclaimed any task of its own the agent was silent about.
 */
export const BLOCKED_TIMEOUT_MS = STUCK_THRESHOLD_MS

/** An assigned task whose absolute deadline has passed (progress does not postpone it). */
export function isOverdue(task: Pick<Task, 'status' | 'complete_by'>, now: number): boolean {
  return task.status === 'assigned' && task.complete_by !== null && task.complete_by < now
}

/** An assigned task with no accept/progress touch for longer than the threshold. */
export function isStuck(
  task: Pick<Task, 'status' | 'updated_at'>,
  now: number,
  thresholdMs: number = STUCK_THRESHOLD_MS,
): boolean {
  return task.status === 'assigned' && now - task.updated_at > thresholdMs
}

/** A queued, non-trivial task whose TTL clock ran out (whether or not its repo is paused). */
export function isPastTtl(
  task: Pick<Task, 'status' | 'ttl_started_at' | 'complexity'>,
  now: number,
  ttlMs: number = DEFAULT_TASK_TTL_MS,
): boolean {
  return task.status === 'queued' && !isTrivialTask(task) && now - task.ttl_started_at > ttlMs
}
