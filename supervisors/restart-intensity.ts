// OTP restart intensity: more than maxRestarts restarts within maxSeconds makes the
// supervisor give up. A restart exactly maxSeconds after an earlier one still counts it
// (OTP keeps entries with Now - T =< Period).

export interface Intensity {
  maxRestarts: number
  maxSeconds: number
}

export const DEFAULT_INTENSITY: Intensity = { maxRestarts: 3, maxSeconds: 5 }

/** Adds a restart at `now` to `history` (kept sorted) and says whether the limit is exceeded. */
export function recordRestart(history: number[], now: number, limit: Intensity): { history: number[]; exceeded: boolean } {
  const periodMs = limit.maxSeconds * 1000
  const kept = history.filter((t) => now - t <= periodMs)
  kept.push(now)
  return { history: kept, exceeded: kept.length > limit.maxRestarts }
}

export function validateIntensity(limit: Partial<Intensity>): Intensity {
  const maxRestarts = limit.maxRestarts ?? DEFAULT_INTENSITY.maxRestarts
  const maxSeconds = limit.maxSeconds ?? DEFAULT_INTENSITY.maxSeconds
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new TypeError(`maxRestarts must be an integer >= 0, got ${maxRestarts}`)
  if (!(typeof maxSeconds === 'number' && maxSeconds > 0)) throw new TypeError(`maxSeconds must be > 0, got ${maxSeconds}`)
  return { maxRestarts, maxSeconds }
}
