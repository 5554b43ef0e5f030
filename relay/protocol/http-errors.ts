// HTTP error bodies shared by every route (protocol.md §2, §4 general rules, §4.8–4.10).
import type { ErrorItem } from './error-items'
import { LOG_LEVELS, type RateTier } from './http-bodies'

export interface ValidationFailedBody {
  error: 'validation_failed'
  errors: ErrorItem[]
}

export function validationFailedBody(errors: ErrorItem[]): ValidationFailedBody {
  return { error: 'validation_failed', errors }
}

/** Bearer-only routes (auth **B**). */
export const UNAUTHORIZED_BEARER = Object.freeze({ error: 'unauthorized', hint: 'provide Authorization: Bearer <token>' })
/** Routes that also accept `?token=` (auth **T**). */
export const UNAUTHORIZED = Object.freeze({ error: 'unauthorized' })
/** An agent token on an admin route (the role system is new; the original had none). */
export const FORBIDDEN_ADMIN = Object.freeze({ error: 'forbidden', hint: 'this route needs an admin token' })
/** `POST /api/admin/reset` by a caller not listed in ADMIN_AGENTS. */
export const ADMIN_ONLY_RESET = Object.freeze({ error: 'admin_only', message: 'Only admin agents can reset the hub' })
export const NOT_FOUND = Object.freeze({ error: 'not_found' })

export interface RateLimitedBody {
  error: 'rate_limited'
  retry_after_ms: number
  tier: RateTier
}

export function rateLimitedBody(retryAfterMs: number, tier: RateTier): RateLimitedBody {
  return { error: 'rate_limited', retry_after_ms: retryAfterMs, tier }
}

/** Value of the `retry-after` header of a 429: whole seconds, at least 1. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.floor(retryAfterMs / 1000))
}

// ---- the original's inline (non-ErrorItem) 422 bodies ----

export const INVALID_LEVEL_BODY = Object.freeze({ error: 'invalid_level', valid: [...LOG_LEVELS] })

export const OVERRIDES_MALFORMED_DETAIL = "each tier must have numeric 'capacity' and 'refill_rate_per_min'"
export const OVERRIDES_NO_TIER_DETAIL = 'at least one tier (light, normal, heavy) must be specified'
export const OVERRIDES_RANGE_DETAIL = "'capacity' must be greater than 0 and 'refill_rate_per_min' at least 0"

export function invalidOverridesBody(detail: string) {
  return { error: 'invalid_overrides', detail }
}

export const INVALID_WHITELIST_BODY = Object.freeze({ error: 'invalid_whitelist', detail: 'agent_ids must be a list of strings' })
export const INVALID_AGENT_ID_BODY = Object.freeze({ error: 'invalid_agent_id', detail: 'agent_id must be a non-empty string' })

/** Any of the 422 bodies validateHttpBody can produce. */
export type HttpValidationErrorBody =
  | ValidationFailedBody
  | typeof INVALID_LEVEL_BODY
  | ReturnType<typeof invalidOverridesBody>
  | typeof INVALID_WHITELIST_BODY
  | typeof INVALID_AGENT_ID_BODY
