// The contract between the TaskRelay (which owns the durable slot and talks to the hub) and
// whatever does the work: the legacy wake path (wake.ts) or the direct executors
// (executors/, verification/). A runner never touches the queue file or the socket directly.
import type { ExecutionEvent } from './frames'
import type { TaskRecord } from './local-queue'

export type TaskOutcome =
  | {
      kind: 'complete'
      result: Record<string, unknown>
      verification_report: Record<string, unknown> | null
      verification_history: Record<string, unknown>[] | null
      tokens_used?: number
    }
  | { kind: 'failed'; reason: string }
  /** the run stopped because the task was taken away or the sidecar is stopping; nothing is sent */
  | { kind: 'abandoned' }

export interface TaskRunContext {
  /** the task as persisted when the run started */
  readonly task: TaskRecord
  /** true when this run continues a task from before a restart or reconnect */
  readonly resumed: boolean
  /** the task's own git worktree, or null when the task has no repository */
  readonly workspaceDir: string | null
  /** aborted when the hub reassigns the task or the sidecar shuts down */
  readonly signal: AbortSignal
  /** persists fields of the task record (status, wake_attempts, executor progress…) */
  update(patch: Partial<TaskRecord>): TaskRecord
  /** sends a `task_progress` frame; also keeps the hub's stuck sweep away */
  progress(event?: Omit<ExecutionEvent, 'timestamp'>): void
}

export interface TaskRunner {
  run(ctx: TaskRunContext): Promise<TaskOutcome>
  /** called once the outcome is durable in the outbox (e.g. to delete result files) */
  afterOutcomePersisted?(task: TaskRecord): void
}
