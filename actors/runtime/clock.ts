// Time is injected: every timer in the runtime (actor timers, call timeouts, stop deadlines,
// supervisor restart intensity) goes through a Clock, so tests run minutes of virtual time in
// milliseconds.

export interface TimerHandle {
  readonly at: number
}

export interface Clock {
  /** Milliseconds since the epoch (virtual or real). */
  now(): number
  /** Runs `fn` once after `ms` milliseconds. */
  schedule(ms: number, fn: () => void): TimerHandle
  /** Cancels a scheduled timer; cancelling a fired or cancelled timer is a no-op. */
  cancel(handle: TimerHandle): void
  /** A promise resolved after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>
}

class SystemTimer implements TimerHandle {
  constructor(readonly at: number, readonly timeout: NodeJS.Timeout) {}
}

/** The real clock: Date.now() and setTimeout. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now()
  }

  schedule(ms: number, fn: () => void): TimerHandle {
    const delay = clampDelay(ms)
    return new SystemTimer(Date.now() + delay, setTimeout(fn, delay))
  }

  cancel(handle: TimerHandle): void {
    if (handle instanceof SystemTimer) clearTimeout(handle.timeout)
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(ms, resolve))
  }
}

// setTimeout overflows above 2^31-1 ms and fires at once; such timers are effectively "never".
const MAX_TIMEOUT_MS = 2 ** 31 - 1

function clampDelay(ms: number): number {
  if (!Number.isFinite(ms)) return MAX_TIMEOUT_MS
  return Math.min(Math.max(0, ms), MAX_TIMEOUT_MS)
}

class VirtualTimer implements TimerHandle {
  cancelled = false
  constructor(readonly at: number, readonly seq: number, readonly fn: () => void) {}
}

export interface PendingTimer {
  readonly at: number
  readonly inMs: number
}

/** Something the virtual clock waits for between timers (an ActorSystem registers itself). */
export interface Quiescence {
  /** True when no message is queued or being handled. */
  isIdle(): boolean
  /** Increments whenever work completes; lets the clock tell "busy" from "stuck". */
  progress(): number
}

export interface VirtualClockOptions {
  /** Start time, ms since the epoch. Default 2025-01-01T00:00:00Z. */
  start?: number
  /** How long (real ms) advance() waits for busy actors that make no progress (blocked on
   *  virtual time, or awaiting something that never ends). Default 200. */
  stuckAfterMs?: number
}

/**
 * A clock that moves only when told. `advance(ms)` fires due timers in time order (ties in
 * scheduling order), and after each one lets promise chains settle and every attached actor
 * system go idle, so an actor that handles a timer and awaits something finishes before the
 * next timer fires.
 */
export class VirtualClock implements Clock {
  private current: number
  private seq = 0
  private readonly heap: VirtualTimer[] = []
  private readonly systems = new Set<Quiescence>()
  private readonly stuckAfterMs: number
  private cancelledInHeap = 0

  constructor(opts: VirtualClockOptions = {}) {
    this.current = opts.start ?? Date.UTC(2025, 0, 1)
    this.stuckAfterMs = opts.stuckAfterMs ?? 200
  }

  now(): number {
    return this.current
  }

  schedule(ms: number, fn: () => void): TimerHandle {
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : Number.POSITIVE_INFINITY
    const timer = new VirtualTimer(this.current + delay, this.seq++, fn)
    if (delay !== Number.POSITIVE_INFINITY) heapPush(this.heap, timer)
    return timer
  }

  cancel(handle: TimerHandle): void {
    if (!(handle instanceof VirtualTimer) || handle.cancelled) return
    handle.cancelled = true
    if (handle.at === Number.POSITIVE_INFINITY) return
    this.cancelledInHeap++
    if (this.cancelledInHeap > 1024 && this.cancelledInHeap * 2 > this.heap.length) this.compact()
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(ms, resolve))
  }

  // Call timeouts are scheduled and cancelled by the thousand; drop the dead ones in bulk.
  private compact(): void {
    const live = this.heap.filter((t) => !t.cancelled)
    this.heap.length = 0
    for (const t of live) heapPush(this.heap, t)
    this.cancelledInHeap = 0
  }

  /** Timers not yet fired or cancelled, soonest first. */
  pendingTimers(): PendingTimer[] {
    return this.heap
      .filter((t) => !t.cancelled)
      .sort(compareTimers)
      .map((t) => ({ at: t.at, inMs: t.at - this.current }))
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs a non-negative number, got ${ms}`)
    await this.advanceTo(this.current + ms)
  }

  /** Moves time forward to the absolute time `t` (never backwards). */
  async advanceTo(t: number): Promise<void> {
    await this.settle()
    for (;;) {
      const next = this.popDue(t)
      if (!next) break
      this.current = Math.max(this.current, next.at)
      next.fn()
      await this.settle()
    }
    this.current = Math.max(this.current, t)
    await this.settle()
  }

  /** Fires timers one by one until none is left within `maxMs` from now. */
  async runAll(maxMs = 24 * 3600_000): Promise<void> {
    await this.advance(maxMs)
  }

  /** Registers an actor system whose idleness advance() waits for. Returns a detach function. */
  attach(system: Quiescence): () => void {
    this.systems.add(system)
    return () => this.systems.delete(system)
  }

  /** Lets microtasks, I/O callbacks and attached actor systems settle. */
  async settle(): Promise<void> {
    await nextMacrotask()
    let lastProgress = this.totalProgress()
    let lastChange = Date.now()
    while (!this.allIdle()) {
      await nextMacrotask()
      const progress = this.totalProgress()
      if (progress !== lastProgress) {
        lastProgress = progress
        lastChange = Date.now()
      } else if (Date.now() - lastChange > this.stuckAfterMs) {
        break // blocked on virtual time or on something that never resolves
      }
    }
  }

  private allIdle(): boolean {
    for (const s of this.systems) if (!s.isIdle()) return false
    return true
  }

  private totalProgress(): number {
    let sum = 0
    for (const s of this.systems) sum += s.progress()
    return sum
  }

  private popDue(t: number): VirtualTimer | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]
      if (top.cancelled) {
        heapPop(this.heap)
        this.cancelledInHeap = Math.max(0, this.cancelledInHeap - 1)
        continue
      }
      if (top.at > t) return undefined
      heapPop(this.heap)
      top.cancelled = true // fired: later cancel() is a no-op
      return top
    }
    return undefined
  }
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function compareTimers(a: VirtualTimer, b: VirtualTimer): number {
  return a.at - b.at || a.seq - b.seq
}

function heapPush(heap: VirtualTimer[], item: VirtualTimer): void {
  heap.push(item)
  let i = heap.length - 1
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (compareTimers(heap[parent], item) <= 0) break
    heap[i] = heap[parent]
    i = parent
  }
  heap[i] = item
}

function heapPop(heap: VirtualTimer[]): VirtualTimer | undefined {
  const top = heap[0]
  const last = heap.pop()
  if (heap.length === 0 || !last) return top
  let i = 0
  const n = heap.length
  for (;;) {
    const l = 2 * i + 1
    const r = l + 1
    let smallest = i
    const candidate = (k: number) => (k === i ? last : heap[k])
    if (l < n && compareTimers(heap[l], candidate(smallest)) < 0) smallest = l
    if (r < n && compareTimers(heap[r], candidate(smallest)) < 0) smallest = r
    if (smallest === i) break
    heap[i] = heap[smallest]
    i = smallest
  }
  heap[i] = last
  return top
}
