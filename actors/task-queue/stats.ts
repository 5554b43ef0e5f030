// Queue statistics (task-pipeline.md §2.9), kept incrementally so `GET /api/tasks/stats` does not
// scan a million records. The queue actor calls `apply(before, after)` for every write.

import type { Task, TaskStatus } from './task'

/** `{by_status, by_priority, dead_letter, queued_index_size}`; only non-zero keys appear. */
export interface TaskStatsView {
  by_status: Partial<Record<Exclude<TaskStatus, 'dead_letter'>, number>>
  by_priority: Record<string, number>
  dead_letter: number
  queued_index_size: number
}

type Counted = Pick<Task, 'status' | 'priority'>

export class TaskStats {
  private readonly byStatus = new Map<TaskStatus, number>()
  private readonly activeByPriority = new Map<number, number>()

  static fromTasks(tasks: Iterable<Counted>): TaskStats {
    const stats = new TaskStats()
    for (const t of tasks) stats.apply(undefined, t)
    return stats
  }

  /** The counts as they are (for the queue's checkpoint); `fromCounts` turns them back. */
  counts(): { byStatus: Array<[TaskStatus, number]>; activeByPriority: Array<[number, number]> } {
    return { byStatus: [...this.byStatus], activeByPriority: [...this.activeByPriority] }
  }

  static fromCounts(byStatus: Iterable<[TaskStatus, number]>, activeByPriority: Iterable<[number, number]>): TaskStats {
    const stats = new TaskStats()
    for (const [status, n] of byStatus) bump(stats.byStatus, status, n)
    for (const [priority, n] of activeByPriority) bump(stats.activeByPriority, priority, n)
    return stats
  }

  /** Account for one record changing from `before` to `after` (undefined = absent). */
  apply(before: Counted | undefined, after: Counted | undefined): void {
    if (before) this.count(before, -1)
    if (after) this.count(after, +1)
  }

  private count(t: Counted, delta: number): void {
    bump(this.byStatus, t.status, delta)
    // by_priority counts over the active table only (dead letters are a separate table)
    if (t.status !== 'dead_letter') bump(this.activeByPriority, t.priority, delta)
  }

  view(queuedIndexSize: number): TaskStatsView {
    const by_status: TaskStatsView['by_status'] = {}
    for (const [status, n] of this.byStatus) if (status !== 'dead_letter' && n > 0) by_status[status] = n
    const by_priority: Record<string, number> = {}
    for (const [p, n] of [...this.activeByPriority].sort((a, b) => a[0] - b[0])) if (n > 0) by_priority[String(p)] = n
    return {
      by_status,
      by_priority,
      dead_letter: this.byStatus.get('dead_letter') ?? 0,
      queued_index_size: queuedIndexSize,
    }
  }
}

function bump<K>(map: Map<K, number>, key: K, delta: number): void {
  const n = (map.get(key) ?? 0) + delta
  if (n === 0) map.delete(key)
  else map.set(key, n)
}
