// Per-connection validation violations (hardening.md §2.4): a window anchored at its first
// failure; the 10th failure inside 60 s closes the socket with 1008. Lives with the socket
// (reset on reconnect); parse failures (invalid JSON) are not violations and never get here.

export const VALIDATION_WINDOW_MS = 60_000
export const VALIDATION_FAILURES_BEFORE_CLOSE = 10
export const VALIDATION_CLOSE_CODE = 1008
export const VALIDATION_CLOSE_REASON = 'too many validation errors'

export interface ConnectionViolations {
  /** failures in the current window */
  count: number
  /** when the current window's first failure happened; null before any */
  window_start: number | null
}

export const NO_VIOLATIONS: ConnectionViolations = Object.freeze({ count: 0, window_start: null })

export type ViolationOutcome =
  /** reply with the validation_failed frame and publish `validation_failure` */
  | { action: 'reply'; violations: ConnectionViolations }
  /** publish `validation_disconnect`, close 1008 without replying; record a disconnect if identified */
  | { action: 'close'; code: typeof VALIDATION_CLOSE_CODE; reason: typeof VALIDATION_CLOSE_REASON; violations: ConnectionViolations }

/**
 * Counts one schema failure at `now`. A window older than 60 000 ms (strictly) starts over with
 * this failure as its first; otherwise the count grows, and reaching 10 closes the connection.
 */
export function recordValidationFailure(state: ConnectionViolations, now: number): ViolationOutcome {
  const expired = state.window_start === null || now - state.window_start > VALIDATION_WINDOW_MS
  const violations = expired ? { count: 1, window_start: now } : { count: state.count + 1, window_start: state.window_start }
  if (violations.count >= VALIDATION_FAILURES_BEFORE_CLOSE) {
    return { action: 'close', code: VALIDATION_CLOSE_CODE, reason: VALIDATION_CLOSE_REASON, violations }
  }
  return { action: 'reply', violations }
}
