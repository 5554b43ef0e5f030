// The in-memory index of queued tasks (task-pipeline.md §2.3). Rebuilt from the `task_queue`
// table at start; the queue actor keeps it in step through each transition's `effects.index`.
//
// Order: (priority ascending, original created_at ascending, id). Strict priority, no aging:
// a steady stream of urgent work keeps lower lanes waiting; they run whenever the idle agents
// outnumber the higher-priority tasks they can take (documented, tested).
//
// Three B+trees (sorted-btree), all O(log n) per insert/remove:
// - `all`: every queued task in order → peek, ordered listing;
// - one tree per *placement group* = (needed capabilities as a set, repo): all tasks of a group
//   are interchangeable for matching, so the scheduler looks at group heads instead of scanning
//   every queued task (see actors/scheduler/matching.ts);
// - `ttl`: non-trivial tasks by TTL start → the TTL sweep visits only expired tasks.

import BTree from 'sorted-btree'
import { isTrivialTask, type Task } from './task'

/** The part of a queued task the scheduler and the sweeps need, kept in memory. */
export interface QueuedEntry {
  readonly id: string
  readonly priority: number
  readonly created_at: number
  readonly ttl_started_at: number
  /** sorted, duplicates removed */
  readonly needed_capabilities: readonly string[]
  readonly repo: string | null
  readonly trivial: boolean
}

export function toQueuedEntry(task: Task): QueuedEntry {
  return {
    id: task.id,
    priority: task.priority,
    created_at: task.created_at,
    ttl_started_at: task.ttl_started_at,
    needed_capabilities: [...new Set(task.needed_capabilities)].sort(),
    repo: task.repo,
    trivial: isTrivialTask(task),
  }
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** (priority, created_at, id) — the scheduling order. */
export function compareQueueOrder(a: QueuedEntry, b: QueuedEntry): number {
  return a.priority - b.priority || a.created_at - b.created_at || compareIds(a.id, b.id)
}

const compareTtlOrder = (a: QueuedEntry, b: QueuedEntry): number =>
  a.ttl_started_at - b.ttl_started_at || compareIds(a.id, b.id)

/** Tasks that need the same capabilities for the same repo: interchangeable for matching. */
export interface PlacementGroup {
  readonly key: string
  readonly capabilities: readonly string[]
  readonly repo: string | null
  readonly size: number
  /** the group's tasks in scheduling order */
  entries(): IterableIterator<QueuedEntry>
  first(): QueuedEntry | undefined
}

class Group implements PlacementGroup {
  readonly tree = new BTree<QueuedEntry, undefined>(undefined, compareQueueOrder)
  constructor(
    readonly key: string,
    readonly capabilities: readonly string[],
    readonly repo: string | null,
  ) {}
  get size(): number {
    return this.tree.size
  }
  entries(): IterableIterator<QueuedEntry> {
    return this.tree.keys()
  }
  first(): QueuedEntry | undefined {
    return this.tree.minKey()
  }
}

const groupKeyOf = (e: QueuedEntry): string => JSON.stringify([e.needed_capabilities, e.repo])

export class PriorityIndex {
  private readonly all = new BTree<QueuedEntry, undefined>(undefined, compareQueueOrder)
  private readonly ttl = new BTree<QueuedEntry, undefined>(undefined, compareTtlOrder)
  private readonly byId = new Map<string, { entry: QueuedEntry; group: Group }>()
  private readonly groupsByKey = new Map<string, Group>()
  private readonly perPriority = new Map<number, number>()

  /** Index every `queued` task of the list; other statuses are ignored. */
  static fromTasks(tasks: Iterable<Task>): PriorityIndex {
    const index = new PriorityIndex()
    for (const task of tasks) if (task.status === 'queued') index.insert(task)
    return index
  }

  get size(): number {
    return this.all.size
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  get(id: string): QueuedEntry | undefined {
    return this.byId.get(id)?.entry
  }

  /** Adds (or re-indexes) a queued task. Indexing a task of any other status is a bug. */
  insert(task: Task): void {
    if (task.status !== 'queued') {
      throw new TypeError(`priority index holds queued tasks only; ${task.id} is ${task.status}`)
    }
    this.remove(task.id)
    const entry = toQueuedEntry(task)
    const key = groupKeyOf(entry)
    let group = this.groupsByKey.get(key)
    if (!group) {
      group = new Group(key, entry.needed_capabilities, entry.repo)
      this.groupsByKey.set(key, group)
    }
    group.tree.set(entry, undefined)
    this.all.set(entry, undefined)
    if (!entry.trivial) this.ttl.set(entry, undefined)
    this.byId.set(entry.id, { entry, group })
    this.perPriority.set(entry.priority, (this.perPriority.get(entry.priority) ?? 0) + 1)
  }

  /** Removes a task by id; false when it was not indexed. */
  remove(id: string): boolean {
    const slot = this.byId.get(id)
    if (!slot) return false
    const { entry, group } = slot
    group.tree.delete(entry)
    if (group.size === 0) this.groupsByKey.delete(group.key)
    this.all.delete(entry)
    this.ttl.delete(entry)
    this.byId.delete(id)
    const left = (this.perPriority.get(entry.priority) ?? 1) - 1
    if (left === 0) this.perPriority.delete(entry.priority)
    else this.perPriority.set(entry.priority, left)
    return true
  }

  /** The task the scheduler would offer first, ignoring capabilities. */
  peek(): QueuedEntry | undefined {
    return this.all.minKey()
  }

  /** All queued tasks in scheduling order. */
  entries(): IterableIterator<QueuedEntry> {
    return this.all.keys()
  }

  /** The non-empty placement groups, in no particular order. */
  groups(): IterableIterator<PlacementGroup> {
    return this.groupsByKey.values()
  }

  get groupCount(): number {
    return this.groupsByKey.size
  }

  /**
   * Non-trivial tasks whose TTL clock started before `cutoff` (= now − ttl), oldest first.
   * Stops at the first younger task, so a sweep costs O(k log n) for k expired tasks.
   */
  *startedBefore(cutoff: number): IterableIterator<QueuedEntry> {
    for (const entry of this.ttl.keys()) {
      if (entry.ttl_started_at >= cutoff) return
      yield entry
    }
  }

  /** Queued count per priority, only non-zero keys. */
  countsByPriority(): Map<number, number> {
    return new Map(this.perPriority)
  }
}
