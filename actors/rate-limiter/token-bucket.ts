// Lazy token buckets (hardening.md §5.1). Levels are kept in UNITS of 1/60 000 000 token, so a
// refill of R tokens per minute is exactly R × 1000 units per millisecond: the default tiers
// (120, 60, 10 per minute) refill by whole units and boundaries (a heavy token every 6 s) are
// exact, with no floating-point drift. The original's "internal units" (capacity × 1000,
// refill per ms) exist only at the persistence / admin API edge (see policy.ts).

export const UNITS_PER_TOKEN = 60_000_000
export const WARN_BELOW_FRACTION = 0.2
/** `retry_after_ms` when the bucket never refills (refill rate 0). */
export const NO_REFILL_RETRY_MS = 60_000

export interface BucketSpec {
  /** whole tokens (may be fractional for overrides) */
  capacity: number
  refill_per_min: number
}

export interface Bucket {
  /** units (1 token = UNITS_PER_TOKEN) */
  level: number
  /** last time refill was applied */
  refilled_at: number
}

export type TakeResult =
  | { ok: true; bucket: Bucket; remaining: number; warn: boolean }
  | { ok: false; bucket: Bucket; retry_after_ms: number }

export function fullBucket(spec: BucketSpec, now: number): Bucket {
  return { level: capacityUnits(spec), refilled_at: now }
}

export function capacityUnits(spec: BucketSpec): number {
  return spec.capacity * UNITS_PER_TOKEN
}

function unitsPerMs(spec: BucketSpec): number {
  return spec.refill_per_min * 1000
}

/** The bucket's level at `now` after the lazy refill (never above capacity). */
export function refilled(bucket: Bucket, spec: BucketSpec, now: number): Bucket {
  const elapsed = now - bucket.refilled_at
  if (elapsed <= 0) return bucket
  return { level: Math.min(capacityUnits(spec), bucket.level + elapsed * unitsPerMs(spec)), refilled_at: now }
}

/**
 * Charges one token. Allowed when at least one whole token is there; `warn` when what is left is
 * below 20 % of capacity. Denied otherwise, with the time until one token is back rounded up to a
 * whole second (60 s if the bucket never refills); the refill timestamp advances either way.
 */
export function takeToken(bucket: Bucket, spec: BucketSpec, now: number): TakeResult {
  const current = refilled(bucket, spec, now)
  if (current.level >= UNITS_PER_TOKEN) {
    const level = current.level - UNITS_PER_TOKEN
    const next = { level, refilled_at: current.refilled_at }
    return { ok: true, bucket: next, remaining: level / UNITS_PER_TOKEN, warn: level < WARN_BELOW_FRACTION * capacityUnits(spec) }
  }
  return { ok: false, bucket: current, retry_after_ms: retryAfterMs(current, spec) }
}

export function retryAfterMs(bucket: Bucket, spec: BucketSpec): number {
  const rate = unitsPerMs(spec)
  if (rate <= 0) return NO_REFILL_RETRY_MS
  const waitMs = Math.ceil((UNITS_PER_TOKEN - bucket.level) / rate)
  return Math.max(1, Math.ceil(waitMs / 1000)) * 1000
}

/** A full bucket is indistinguishable from no bucket: such entries can be dropped losslessly. */
export function isFull(bucket: Bucket, spec: BucketSpec, now: number): boolean {
  return refilled(bucket, spec, now).level >= capacityUnits(spec)
}
