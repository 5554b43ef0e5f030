// The durable side of the queue: the `task_queue` and `task_dead_letter` tables plus an overlay
// of writes that are decided but not yet committed.
//
// Why the overlay: the queue actor decides a transition synchronously and answers only after
// the commit (noReply + from.reply), so it keeps handling messages while earlier writes are in
// flight. LMDB reads do not see uncommitted writes, so every read goes through the overlay
// first: the actor always decides on its newest state, and LMDB batches the writes of one
// event-loop turn into one fsync.

import type { Storage, Table } from '../../storage'
import type { CheckpointTables } from './queue-checkpoint'
import type { Task } from './task'
import type { TaskEffects, TaskTable } from './transitions'

export class TaskStore {
  private readonly active: Table<string, Task>
  private readonly dead: Table<string, Task>
  /** id → newest decided record (null: removed everywhere) whose write has not committed */
  private readonly pending = new Map<string, Task | null>()
  /**
   * Assigned tasks stay in memory (at most one per agent): accept, progress and the final
   * report all read the record again, and decoding it from LMDB each time was a fifth of the
   * queue's CPU.
   */
  private readonly hot = new Map<string, Task>()
  /**
   * Writes in flight that went through `storage.transaction`. lmdb-js runs a transaction's
   * callback when its batch commits, after the plain puts queued meanwhile: a plain put issued
   * now would land first, and for the same id the older record would overwrite it (a
   * dead-letter retry followed at once by the assignment lost the assignment on disk).
   * Transactions run in the order they were started, so while one is in flight every write
   * goes through a transaction too: commits stay in decision order, which `commit` in the
   * actor relies on.
   */
  private transactionsInFlight = 0
  private last: Promise<void> = Promise.resolve()

  constructor(private readonly storage: Storage) {
    this.active = storage.table<string, Task>('task_queue')
    this.dead = storage.table<string, Task>('task_dead_letter')
  }

  /** The newest record of a task in either table, committed or not. */
  read(id: string): Task | undefined {
    const pending = this.pending.get(id)
    if (pending !== undefined) return pending ?? undefined
    return this.hot.get(id) ?? this.active.get(id) ?? this.dead.get(id)
  }

  /** Every committed record of one table (for the start-up rebuild and scans); keeps the assigned ones at hand. */
  *committed(table: TaskTable): Iterable<Task> {
    for (const task of this.table(table).values()) {
      if (task.status === 'assigned') this.hot.set(task.id, task)
      yield task
    }
  }

  /** Records of a table as the actor sees them now: committed ones overlaid by pending writes. */
  *current(table: TaskTable): Iterable<Task> {
    for (const task of this.table(table).values()) {
      const pending = this.pending.get(task.id)
      if (pending === undefined) yield task
      else if (pending !== null && tableOf(pending) === table) yield pending
    }
    for (const [id, pending] of this.pending) {
      if (pending !== null && tableOf(pending) === table && !this.table(table).has(id)) yield pending
    }
  }

  /** What a checkpoint is checked against: record counts and committed live records (assigned ones kept at hand). */
  checkpointTables(): CheckpointTables {
    return {
      activeCount: this.active.count(),
      deadCount: this.dead.count(),
      read: (id) => {
        const task = this.active.get(id)
        if (task?.status === 'assigned') this.hot.set(id, task)
        return task
      },
    }
  }

  countCommitted(table: TaskTable): number {
    return this.table(table).count()
  }

  /**
   * Starts the durable write of `next` as `effects` describe it (a move between tables is one
   * transaction). Resolves when committed to disk; the record is readable at once.
   */
  write(next: Task, effects: Pick<TaskEffects, 'write' | 'remove'>, alsoInside?: () => void): Promise<void> {
    this.pending.set(next.id, next)
    if (next.status === 'assigned') this.hot.set(next.id, next)
    else this.hot.delete(next.id)
    const target = this.table(effects.write)
    const source = effects.remove === null ? null : this.table(effects.remove)
    const plain = source === null && alsoInside === undefined && this.transactionsInFlight === 0
    const commit = plain
      ? target.put(next.id, next)
      : this.storage.transaction(() => {
          void target.put(next.id, next)
          if (source !== null) void source.remove(next.id)
          alsoInside?.()
        })
    const done = commit.then(() => {
      if (this.pending.get(next.id) === next) this.pending.delete(next.id)
    })
    if (!plain) this.countTransaction(done)
    const previous = this.last
    this.last = Promise.all([previous, done]).then(() => undefined)
    this.last.catch(() => undefined) // marks it handled; whoever awaits settled() still sees the failure
    return done
  }

  private countTransaction(done: Promise<void>): void {
    this.transactionsInFlight++
    const finished = () => void this.transactionsInFlight--
    done.then(finished, finished)
  }

  /** Resolves when every write started so far has committed; rejects if any of them failed. */
  settled(): Promise<void> {
    return this.last
  }

  /** Writes decided but not yet on disk. */
  get inFlight(): number {
    return this.pending.size
  }

  private table(name: TaskTable): Table<string, Task> {
    return name === 'task_queue' ? this.active : this.dead
  }
}

const tableOf = (task: Task): TaskTable => (task.status === 'dead_letter' ? 'task_dead_letter' : 'task_queue')
