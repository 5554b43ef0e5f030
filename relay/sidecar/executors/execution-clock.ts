// The time source of executors, the progress emitter and the verification runner. Every timeout,
// back-off and batch window goes through it so tests drive minutes of retries in microseconds.
// It is the structural subset of relay/sidecar/clock.ts's Clock, so that clock can be passed in.

export interface ExecutionClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemExecutionClock: ExecutionClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, Math.max(0, ms))
    // a pending back-off must never keep a finished sidecar (or a test) alive on its own
    handle.unref?.()
    return handle
  },
  clearTimeout: (handle) => {
    if (handle) clearTimeout(handle as NodeJS.Timeout)
  },
}

/** Resolves after `ms` on the clock, or early (resolving `false`) when the signal aborts. */
export function sleep(clock: ExecutionClock, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false)
    const onAbort = (): void => {
      clock.clearTimeout(timer)
      resolve(false)
    }
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
