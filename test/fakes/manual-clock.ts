// A clock for tests that only moves when told to (structurally an ExecutionClock and a
// relay/sidecar Clock). `whenScheduled(ms)` lets a test wait until the code under test has
// armed a particular timer (e.g. the 2 s Claude back-off) before advancing past it.

interface ManualTimer {
  id: number
  dueAt: number
  delayMs: number
  fn: () => void
}

export class ManualClock {
  private current: number
  private nextId = 1
  private readonly timers = new Map<number, ManualTimer>()
  private waiters: Array<{ delayMs: number | null; resolve: () => void }> = []

  constructor(startAt = 1_700_000_000_000) {
    this.current = startAt
  }

  now(): number {
    return this.current
  }

  setTimeout(fn: () => void, ms: number): { id: number } {
    const id = this.nextId++
    const delayMs = Math.max(0, ms)
    this.timers.set(id, { id, dueAt: this.current + delayMs, delayMs, fn })
    this.waiters = this.waiters.filter((w) => {
      if (w.delayMs !== null && w.delayMs !== delayMs) return true
      w.resolve()
      return false
    })
    return { id }
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object' && 'id' in handle) this.timers.delete((handle as { id: number }).id)
  }

  /** requested delays of the pending timers, soonest first */
  pendingDelays(): number[] {
    return [...this.timers.values()].sort(byDue).map((t) => t.delayMs)
  }

  /** Resolves once a timer with this delay is pending (any timer when omitted). */
  whenScheduled(delayMs: number | null = null): Promise<void> {
    if ([...this.timers.values()].some((t) => delayMs === null || t.delayMs === delayMs)) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ delayMs, resolve }))
  }

  /** Moves time forward, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const target = this.current + ms
    for (;;) {
      const next = [...this.timers.values()].sort(byDue)[0]
      if (!next || next.dueAt > target) break
      this.timers.delete(next.id)
      this.current = Math.max(this.current, next.dueAt)
      next.fn()
    }
    this.current = target
  }
}

function byDue(a: ManualTimer, b: ManualTimer): number {
  return a.dueAt - b.dueAt || a.id - b.id
}
