// Error frames and close codes of the agent socket (protocol.md §1.3–1.4, hardening.md §2.4, §5.1).
import type { ErrorItem } from './error-items'
import type { RateTier } from './http-bodies'
import type { ErrorFrame, RateLimitedFrame, RateLimitWarningFrame, ValidationFailedFrame } from './ws-outbound'

/** The plain `{"type":"error","error":<code>}` codes. */
export const WS_ERROR_CODES = [
  'invalid_json',
  'not_identified',
  'invalid_token',
  'token_agent_mismatch',
  'channel_not_found',
  'unknown_message_type',
] as const
export type WsErrorCode = (typeof WS_ERROR_CODES)[number]

/** Why the queue refused a completion or failure report (task-pipeline.md §2.5). */
export const TASK_REPORT_REJECTIONS = ['stale_generation', 'invalid_state', 'not_found', 'table_corrupted'] as const
export type TaskReportRejection = (typeof TASK_REPORT_REJECTIONS)[number]

export function errorFrame(code: WsErrorCode): ErrorFrame {
  return { type: 'error', error: code }
}

/** `message_type` is the frame's type when it had a string one, else "unknown". */
export function validationFailedFrame(messageType: string, errors: ErrorItem[]): ValidationFailedFrame {
  return { type: 'error', error: 'validation_failed', message_type: messageType, errors }
}

export function taskCompleteFailedFrame(reason: TaskReportRejection): ErrorFrame {
  return { type: 'error', error: `task_complete_failed: ${reason}` }
}

export function taskFailFailedFrame(reason: TaskReportRejection): ErrorFrame {
  return { type: 'error', error: `task_fail_failed: ${reason}` }
}

export function rateLimitedFrame(retryAfterMs: number, tier: RateTier): RateLimitedFrame {
  return { type: 'rate_limited', retry_after_ms: retryAfterMs, tier }
}

/** `remaining` is whole tokens, floored (hardening.md §5.1). */
export function rateLimitWarningFrame(tier: RateTier, remaining: number, capacity: number): RateLimitWarningFrame {
  return { type: 'rate_limit_warning', tier, remaining: Math.floor(remaining), capacity }
}

// ---- close codes ----

export interface CloseSpec {
  code: number
  reason: string
}

/**
 * Close codes with their reason texts. The first block is the original's (§1.4); the rest are
 * this implementation's choices for situations the original did not close on or closed abruptly.
 * Reason texts stay under the 123-byte limit of a close frame.
 */
export const CLOSE = Object.freeze({
  /** 10th validation failure inside the 60 s window; the offending frame gets no reply. */
  tooManyValidationErrors: { code: 1008, reason: 'too many validation errors' },
  /** No inbound frame for 60 s (the original's framework used 1002). */
  idleTimeout: { code: 1002, reason: 'idle timeout' },
  /** Text frame with invalid UTF-8. */
  invalidUtf8: { code: 1007, reason: 'invalid utf-8' },
  /** Handler crash. */
  internalError: { code: 1011, reason: 'internal error' },
  /** Hub shutdown. */
  shutdown: { code: 1001, reason: 'hub shutting down' },
  /** Binary frame (the original crashed with 1011). */
  binaryFrame: { code: 1003, reason: 'binary frames are not supported' },
  /** Frame over the size limit. */
  frameTooLarge: { code: 1009, reason: 'frame too large' },
  /** Reaper eviction: no ping for more than 60 s (the original dropped the TCP connection). */
  staleEvicted: { code: 1008, reason: 'stale: no ping received' },
  /** The agent's token was revoked (the original kept such sessions open). */
  tokenRevoked: { code: 1008, reason: 'token revoked' },
  /** A newer connection identified as the same agent (the original kept the older one). */
  replaced: { code: 1000, reason: 'replaced by a newer connection' },
} satisfies Record<string, CloseSpec>)

export const COOLDOWN_CLOSE_CODE = 1008

/** `identify` during a validation-disconnect cooldown: N = floor(remaining ms / 1000) + 1. */
export function cooldownClose(remainingMs: number): CloseSpec {
  const seconds = Math.floor(Math.max(0, remainingMs) / 1000) + 1
  return { code: COOLDOWN_CLOSE_CODE, reason: `cooldown active: retry in ${seconds}s` }
}

/** Validation-disconnect ladder (hardening.md §2.4): cooldown by disconnect count. */
export function validationCooldownMs(disconnectCount: number): number {
  if (disconnectCount <= 0) return 0
  if (disconnectCount === 1) return 30_000
  if (disconnectCount === 2) return 60_000
  return 300_000
}

export const VALIDATION_WINDOW_MS = 60_000
export const VALIDATION_DISCONNECT_THRESHOLD = 10
