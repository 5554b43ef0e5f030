// Bookkeeping of the pending fallback waits (smart-pipeline.md §7.4): at most one per task,
// started on the task's first unroutable pass, dropped on expiry or when the task is assigned,
// completed, reclaimed or dead-lettered. Holds data only: the scheduler arms one clock timer
// per entry (for `due_at`) and, when it fires, calls `expire` and runs a pass — in which
// `route` (given `fallbackSince`) escalates the task.
//
// The TTL sweep (§7.5: 600 s, trivial tasks exempt) is the task queue's; its constants live in
// actors/task-queue/deadlines and are re-exported here so the router's timeouts are in one view.

import type { FallbackSignal, RoutingTier } from './tier-router'
import { DEFAULT_FALLBACK_WAIT_MS } from './tier-router'

export { DEFAULT_TASK_TTL_MS, TTL_SWEEP_INTERVAL_MS } from '../task-queue/deadlines'
export { DEFAULT_FALLBACK_WAIT_MS }

export interface PendingFallback {
  task_id: string
  original_tier: RoutingTier
  fallback_tier: RoutingTier | null
  since: number
  due_at: number
}

/** `scheduler.fallback` telemetry: measurements `{wait_ms}`, metadata the rest. */
export interface FallbackExpiry {
  task_id: string
  original_tier: RoutingTier
  fallback_tier: RoutingTier | null
  wait_ms: number
}

export class FallbackTimers {
  private readonly pending = new Map<string, PendingFallback>()

  /** When this task's wait started (for route's `fallbackSince`), null when none is pending. */
  since(taskId: string): number | null {
    return this.pending.get(taskId)?.since ?? null
  }

  get(taskId: string): PendingFallback | undefined {
    return this.pending.get(taskId)
  }

  /**
   * Records a `wait` answer of the router. Returns the entry when it is new (arm a timer for
   * its due_at), null when the task already had one (keep the running timer).
   */
  start(taskId: string, signal: FallbackSignal): PendingFallback | null {
    if (this.pending.has(taskId)) return null
    const entry: PendingFallback = {
      task_id: taskId,
      original_tier: signal.original_tier,
      fallback_tier: signal.fallback_tier,
      since: signal.since,
      due_at: signal.due_at,
    }
    this.pending.set(taskId, entry)
    return entry
  }

  /**
   * The task was assigned, completed, reclaimed or dead-lettered: forget its wait (cancel its
   * timer if this returns true).
   */
  cancel(taskId: string): boolean {
    return this.pending.delete(taskId)
  }

  /**
   * The timer fired. The entry is kept so the next pass can still see when the wait started
   * (route then escalates); it goes once the task is assigned (cancel). Returns the telemetry
   * record, or null for an unknown or not-yet-due task.
   */
  expire(taskId: string, now: number): FallbackExpiry | null {
    const entry = this.pending.get(taskId)
    if (!entry || now < entry.due_at) return null
    return { task_id: taskId, original_tier: entry.original_tier, fallback_tier: entry.fallback_tier, wait_ms: entry.due_at - entry.since }
  }

  /** Tasks whose wait is over at `now` (a restarted scheduler re-arms from this). */
  due(now: number): PendingFallback[] {
    return [...this.pending.values()].filter((e) => e.due_at <= now)
  }

  get size(): number {
    return this.pending.size
  }

  entries(): PendingFallback[] {
    return [...this.pending.values()]
  }
}
