// Rate-limit violations per principal, shared by the ws and http channels (hardening.md §5.3),
// and the progressive backoff 1 / 2 / 5 / 10 / 30 s by consecutive violations.
//
// The original computed the backoff but returned the plain bucket-refill time, so repeat
// offenders were never slowed down more. Here the returned `retry_after_ms` is
// max(bucket time, backoff) — the spec's recommendation.
import { RATE_LIMIT_BACKOFF_MS, RATE_LIMIT_VIOLATION_WINDOW_MS } from '../../relay/protocol/rate-limit-tiers'

export { RATE_LIMIT_BACKOFF_MS, RATE_LIMIT_VIOLATION_WINDOW_MS }

export interface ViolationRecord {
  count: number
  window_start: number
  consecutive: number
}

/** A denial at `now`: a window older than 60 000 ms (strictly) starts over at 1. */
export function recordViolation(record: ViolationRecord | undefined, now: number): ViolationRecord {
  if (!record || now - record.window_start > RATE_LIMIT_VIOLATION_WINDOW_MS) return { count: 1, window_start: now, consecutive: 1 }
  return { count: record.count + 1, window_start: record.window_start, consecutive: record.consecutive + 1 }
}

export function progressiveBackoffMs(consecutive: number): number {
  if (consecutive <= 0) return 0
  return RATE_LIMIT_BACKOFF_MS[Math.min(consecutive, RATE_LIMIT_BACKOFF_MS.length) - 1]
}

/** Rate-limited (excluded from scheduling) while a violation window that began ≤ 60 s ago is open. */
export function isLimitedBy(record: ViolationRecord | undefined, now: number): boolean {
  return record !== undefined && record.consecutive > 0 && now - record.window_start <= RATE_LIMIT_VIOLATION_WINDOW_MS
}
