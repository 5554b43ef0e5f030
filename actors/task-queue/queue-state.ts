// The queue actor's in-memory views, all derived from the stored records and kept in step with
// every write: the priority index of queued tasks, the incremental stats, and the assigned
// tasks (what the FSM start-up, the overdue sweep and the stuck sweep look at). Completed and
// dead-lettered records stay on disk only, so memory grows with the live work, not the history.

import { PriorityIndex } from './priority-index'
import { TaskStats } from './stats'
import type { Task } from './task'

export interface AssignedEntry {
  task_id: string
  agent_id: string
  generation: number
  assigned_at: number
  updated_at: number
  complete_by: number | null
}

export class QueueState {
  readonly index = new PriorityIndex()
  readonly stats: TaskStats
  private readonly assigned = new Map<string, AssignedEntry>()
  private readonly byAgent = new Map<string, Set<string>>()

  constructor(stats = new TaskStats()) {
    this.stats = stats
  }

  /** From counts kept elsewhere (the checkpoint) and the live (queued, assigned) tasks alone. */
  static restore(stats: TaskStats, live: Iterable<Task>): QueueState {
    const state = new QueueState(stats)
    for (const task of live) {
      if (task.status === 'queued') state.index.insert(task)
      else if (task.status === 'assigned') state.rememberAssigned(task)
    }
    return state
  }

  /** One pass over both tables: O(n log q) for n records, q of them queued. */
  static rebuild(active: Iterable<Task>, dead: Iterable<Task>): QueueState {
    const state = new QueueState()
    for (const task of active) state.apply(undefined, task)
    for (const task of dead) state.stats.apply(undefined, task)
    return state
  }

  /** Accounts for one record changing from `before` (undefined: new) to `after`. */
  apply(before: Task | undefined, after: Task): void {
    this.stats.apply(before, after)
    if (after.status === 'queued') this.index.insert(after)
    else if (before?.status === 'queued') this.index.remove(after.id)
    if (before?.status === 'assigned') this.forgetAssigned(before)
    if (after.status === 'assigned') this.rememberAssigned(after)
  }

  assignedEntries(): IterableIterator<AssignedEntry> {
    return this.assigned.values()
  }

  /** The agent's assigned tasks, oldest assignment first. */
  assignedTo(agentId: string): AssignedEntry[] {
    const ids = this.byAgent.get(agentId)
    if (!ids) return []
    return [...ids].map((id) => this.assigned.get(id)!).sort((a, b) => a.assigned_at - b.assigned_at || (a.task_id < b.task_id ? -1 : 1))
  }

  /** Whether the agent holds any assigned task (the one-task-per-agent guard). */
  holdsTask(agentId: string): boolean {
    return (this.byAgent.get(agentId)?.size ?? 0) > 0
  }

  get assignedCount(): number {
    return this.assigned.size
  }

  private rememberAssigned(task: Task): void {
    const agent = task.assigned_to ?? ''
    this.assigned.set(task.id, {
      task_id: task.id,
      agent_id: agent,
      generation: task.generation,
      assigned_at: task.assigned_at ?? task.updated_at,
      updated_at: task.updated_at,
      complete_by: task.complete_by,
    })
    let ids = this.byAgent.get(agent)
    if (!ids) this.byAgent.set(agent, (ids = new Set()))
    ids.add(task.id)
  }

  private forgetAssigned(task: Task): void {
    this.assigned.delete(task.id)
    const agent = task.assigned_to ?? ''
    const ids = this.byAgent.get(agent)
    if (!ids) return
    ids.delete(task.id)
    if (ids.size === 0) this.byAgent.delete(agent)
  }
}
