// The sidecar's time source. Every timer in relay/sidecar goes through a Clock so tests can run a
// 60 s backoff or a 30 s heartbeat in microseconds. The shape (now/setTimeout/clearTimeout) is
// deliberately the smallest one the actor runtime's clock can satisfy, so the lead can swap it in.

export interface TimerHandle {
  readonly __timer: unique symbol
}

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle | undefined | null): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, Math.max(0, ms))
    // a pending sidecar timer must never keep a finished process (or a test) alive on its own
    handle.unref?.()
    return handle as unknown as TimerHandle
  },
  clearTimeout: (handle) => {
    if (handle) clearTimeout(handle as unknown as NodeJS.Timeout)
  },
}

interface VirtualTimer {
  id: number
  dueAt: number
  fn: () => void
  delayMs: number
}

/** A clock that only moves when told to; timers fire in due order during advance(). */
export class VirtualClock implements Clock {
  private current: number
  private nextId = 1
  private readonly timers = new Map<number, VirtualTimer>()

  constructor(startAt = 1_700_000_000_000) {
    this.current = startAt
  }

  now(): number {
    return this.current
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++
    const delayMs = Math.max(0, ms)
    this.timers.set(id, { id, dueAt: this.current + delayMs, fn, delayMs })
    return { id } as unknown as TimerHandle
  }

  clearTimeout(handle: TimerHandle | undefined | null): void {
    if (!handle) return
    this.timers.delete((handle as unknown as { id: number }).id)
  }

  /** Delays (ms, as requested) of the timers still pending, in due order. */
  pendingDelays(): number[] {
    return [...this.timers.values()].sort(byDue).map((t) => t.delayMs)
  }

  pendingCount(): number {
    return this.timers.size
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers
   * scheduled by those callbacks). Between timers it yields to the event loop so that promise
   * chains and real I/O started by a callback can make progress.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms
    for (;;) {
      await settle()
      const next = [...this.timers.values()].sort(byDue)[0]
      if (!next || next.dueAt > target) break
      this.timers.delete(next.id)
      this.current = Math.max(this.current, next.dueAt)
      next.fn()
    }
    this.current = target
    await settle()
  }

  /** Fires the earliest pending timer, whatever its delay; returns its requested delay. */
  async fireNext(): Promise<number | undefined> {
    await settle()
    const next = [...this.timers.values()].sort(byDue)[0]
    if (!next) return undefined
    this.timers.delete(next.id)
    this.current = Math.max(this.current, next.dueAt)
    next.fn()
    await settle()
    return next.delayMs
  }
}

function byDue(a: VirtualTimer, b: VirtualTimer): number {
  return a.dueAt - b.dueAt || a.id - b.id
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
