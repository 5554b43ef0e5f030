// The queue's in-memory views written down when the hub shuts down in order, so the next start
// reads the live tasks (queued + assigned) instead of decoding every record ever stored — with a
// million completed tasks, that decode was most of a hub restart.
//
// Why it cannot go stale: the task queue is the only writer of both task tables; it writes the
// checkpoint in terminate, after its last write committed, and every start deletes it before the
// queue writes anything (restoring a task table or migrating the file clears it too). So a checkpoint that exists describes the tables exactly. A crash
// (no terminate) leaves none, and the start rebuilds from every record. The cheap cross-checks
// below (record counts, each live task's status) still turn any surprise into a full rebuild.
import { QueueState } from './queue-state'
import { TaskStats } from './stats'
import type { Task, TaskStatus } from './task'

export const CHECKPOINT_TABLE = 'task_queue_checkpoint'
export const CHECKPOINT_KEY = 'checkpoint'
const VERSION = 1

export interface QueueCheckpoint {
  version: typeof VERSION
  written_at: number
  /** TaskStats counts, dead letters included */
  by_status: Array<[TaskStatus, number]>
  active_by_priority: Array<[number, number]>
  /** ids of the queued and assigned tasks: all the index and the assigned map are built from */
  live_ids: string[]
}

export function checkpointOf(state: QueueState, now: number): QueueCheckpoint {
  const counts = state.stats.counts()
  return {
    version: VERSION,
    written_at: now,
    by_status: counts.byStatus,
    active_by_priority: counts.activeByPriority,
    live_ids: [...[...state.index.entries()].map((e) => e.id), ...[...state.assignedEntries()].map((e) => e.task_id)],
  }
}

export interface CheckpointTables {
  activeCount: number
  deadCount: number
  /** a committed record of the active table */
  read(id: string): Task | undefined
}

/** The state the checkpoint describes, or why it does not match the tables (then: full rebuild). */
export function restoreFromCheckpoint(raw: unknown, tables: CheckpointTables): { state: QueueState } | { mismatch: string } {
  if (!isCheckpoint(raw)) return { mismatch: 'unknown checkpoint format' }
  const byStatus = new Map(raw.by_status)
  const counted = (s: TaskStatus) => byStatus.get(s) ?? 0
  const activeCounted = raw.by_status.reduce((sum, [status, n]) => (status === 'dead_letter' ? sum : sum + n), 0)
  if (activeCounted !== tables.activeCount) return { mismatch: `counts ${activeCounted} active tasks, the table holds ${tables.activeCount}` }
  if (counted('dead_letter') !== tables.deadCount) return { mismatch: `counts ${counted('dead_letter')} dead letters, the table holds ${tables.deadCount}` }
  const live: Task[] = []
  for (const id of raw.live_ids) {
    const task = tables.read(id)
    if (task === undefined || (task.status !== 'queued' && task.status !== 'assigned')) return { mismatch: `live task ${id} is ${task?.status ?? 'missing'}` }
    live.push(task)
  }
  const queued = live.filter((t) => t.status === 'queued').length
  if (queued !== counted('queued') || live.length - queued !== counted('assigned')) return { mismatch: 'the live tasks do not match the status counts' }
  return { state: QueueState.restore(TaskStats.fromCounts(raw.by_status, raw.active_by_priority), live) }
}

function isCheckpoint(raw: unknown): raw is QueueCheckpoint {
  const c = raw as Partial<QueueCheckpoint> | null | undefined
  return (
    typeof c === 'object' &&
    c !== null &&
    c.version === VERSION &&
    Array.isArray(c.by_status) &&
    Array.isArray(c.active_by_priority) &&
    Array.isArray(c.live_ids) &&
    c.live_ids.every((id) => typeof id === 'string')
  )
}
