// Per-agent overrides and the whitelist (hardening.md §5.5, protocol.md §4.10) as an immutable
// value, plus the admin operations on it. Each operation returns the HTTP reply and the next
// policy without touching anything: the actor persists the next policy (config keys
// `rate_limit_overrides` / `rate_limit_whitelist`), THEN installs it and replies — durable
// before acknowledged.
//
// Units: stored and reported overrides use the original's internal units — capacity × 1000
// (truncated) and refill per ms × 1000 — so persisted data and `GET /api/admin/rate-limits` keep
// the original shape (including its inconsistency: defaults in human units, overrides internal).
import { validateHttpBody } from '../../relay/protocol/validator'
import { RATE_TIERS, type RateTier, type TierOverride } from '../../relay/protocol/http-bodies'
import { invalidOverridesBody } from '../../relay/protocol/http-errors'
import { RATE_LIMIT_DEFAULTS } from '../../relay/protocol/rate-limit-tiers'
import type { BucketSpec } from './token-bucket'

export { RATE_TIERS, type RateTier }

/** Internal units: `capacity` = tokens × 1000 (truncated), `refill_rate` = tokens × 1000 per ms. */
export interface InternalTierOverride {
  capacity: number
  refill_rate: number
}

export type AgentOverrides = Partial<Record<RateTier, InternalTierOverride>>

export interface RateLimitPolicy {
  overrides: Readonly<Record<string, AgentOverrides>>
  whitelist: readonly string[]
}

export const EMPTY_POLICY: RateLimitPolicy = Object.freeze({ overrides: Object.freeze({}), whitelist: Object.freeze([]) })

export const CONFIG_KEY_OVERRIDES = 'rate_limit_overrides'
export const CONFIG_KEY_WHITELIST = 'rate_limit_whitelist'

export const OVERRIDES_MIN_CAPACITY_DETAIL = "'capacity' must be at least 1 token"

export function toInternal(override: TierOverride): InternalTierOverride {
  return { capacity: Math.trunc(override.capacity * 1000), refill_rate: (override.refill_rate_per_min * 1000) / 60_000 }
}

export function specFromInternal(override: InternalTierOverride): BucketSpec {
  return { capacity: override.capacity / 1000, refill_per_min: (override.refill_rate * 60_000) / 1000 }
}

/** The bucket spec of `tier` for `agentId` under `policy` (override or default). */
export function bucketSpecFor(policy: RateLimitPolicy, agentId: string, tier: RateTier): BucketSpec {
  const override = ownValue(policy.overrides, agentId)?.[tier]
  if (override) return specFromInternal(override)
  const defaults = RATE_LIMIT_DEFAULTS[tier]
  return { capacity: defaults.capacity, refill_per_min: defaults.refill_rate_per_min }
}

export function isWhitelisted(policy: RateLimitPolicy, principal: string): boolean {
  return policy.whitelist.includes(principal)
}

// ---- admin operations ----

export interface AdminResult {
  status: 200 | 422
  body: Record<string, unknown>
  /** the policy after the operation (the same object when nothing changed) */
  policy: RateLimitPolicy
  /** agents whose buckets must start over (their limits changed) */
  reset_agents: string[]
}

function rejected(policy: RateLimitPolicy, body: Record<string, unknown>): AdminResult {
  return { status: 422, body, policy, reset_agents: [] }
}

/** `PUT /api/admin/rate-limits/:agent_id`: replaces the agent's overrides with the given tiers. */
export function putOverrides(policy: RateLimitPolicy, agentId: string, body: unknown): AdminResult {
  const checked = validateHttpBody('put_rate_limit_overrides', body)
  if (!checked.ok) return rejected(policy, checked.response as Record<string, unknown>)
  const echo: Partial<Record<RateTier, TierOverride>> = {}
  const internal: AgentOverrides = {}
  for (const tier of RATE_TIERS) {
    const given = checked.body[tier]
    if (!given) continue
    // a bucket smaller than one token could never allow anything, and never be retried
    if (given.capacity < 1) return rejected(policy, invalidOverridesBody(OVERRIDES_MIN_CAPACITY_DETAIL))
    echo[tier] = { capacity: given.capacity, refill_rate_per_min: given.refill_rate_per_min }
    internal[tier] = toInternal(given)
  }
  return {
    status: 200,
    body: { status: 'updated', agent_id: agentId, overrides: echo },
    policy: { ...policy, overrides: { ...policy.overrides, [agentId]: internal } },
    reset_agents: [agentId],
  }
}

/** `DELETE /api/admin/rate-limits/:agent_id`: back to defaults (buckets start over too). */
export function deleteOverrides(policy: RateLimitPolicy, agentId: string): AdminResult {
  const body = { status: 'removed', agent_id: agentId }
  if (!hasOwn(policy.overrides, agentId)) return { status: 200, body, policy, reset_agents: [agentId] }
  const overrides = { ...policy.overrides }
  delete overrides[agentId]
  return { status: 200, body, policy: { ...policy, overrides }, reset_agents: [agentId] }
}

/** `PUT /api/admin/rate-limits/whitelist`: replaces the list (missing `agent_ids` → empty). */
export function putWhitelist(policy: RateLimitPolicy, body: unknown): AdminResult {
  const checked = validateHttpBody('put_rate_limit_whitelist', body)
  if (!checked.ok) return rejected(policy, checked.response as Record<string, unknown>)
  const whitelist = [...new Set(checked.body.agent_ids ?? [])]
  return { status: 200, body: { status: 'updated', whitelist }, policy: { ...policy, whitelist }, reset_agents: [] }
}

/** `POST /api/admin/rate-limits/whitelist`: adds one id (idempotent). */
export function postWhitelist(policy: RateLimitPolicy, body: unknown): AdminResult {
  const checked = validateHttpBody('post_rate_limit_whitelist', body)
  if (!checked.ok) return rejected(policy, checked.response as Record<string, unknown>)
  const agentId = checked.body.agent_id
  const next = policy.whitelist.includes(agentId) ? policy : { ...policy, whitelist: [...policy.whitelist, agentId] }
  return { status: 200, body: { status: 'added', agent_id: agentId }, policy: next, reset_agents: [] }
}

/** `DELETE /api/admin/rate-limits/whitelist/:agent_id`. */
export function deleteWhitelist(policy: RateLimitPolicy, agentId: string): AdminResult {
  const body = { status: 'removed', agent_id: agentId }
  if (!policy.whitelist.includes(agentId)) return { status: 200, body, policy, reset_agents: [] }
  return { status: 200, body, policy: { ...policy, whitelist: policy.whitelist.filter((id) => id !== agentId) }, reset_agents: [agentId] }
}

/** `GET /api/admin/rate-limits`. */
export function adminView(policy: RateLimitPolicy) {
  return {
    defaults: {
      light: { ...RATE_LIMIT_DEFAULTS.light },
      normal: { ...RATE_LIMIT_DEFAULTS.normal },
      heavy: { ...RATE_LIMIT_DEFAULTS.heavy },
    },
    overrides: policy.overrides,
    whitelist: [...policy.whitelist],
  }
}

/** `GET /api/admin/rate-limits/whitelist`. */
export function whitelistView(policy: RateLimitPolicy) {
  return { whitelist: [...policy.whitelist] }
}

// ---- persistence ----

export interface LoadedPolicy {
  policy: RateLimitPolicy
  /** what was dropped from the stored values, and why (for a warning log line) */
  problems: string[]
}

/**
 * The policy from the two stored config values (either may be missing/null). Anything malformed
 * is dropped and reported instead of failing the boot.
 */
export function policyFromStored(storedOverrides: unknown, storedWhitelist: unknown): LoadedPolicy {
  const problems: string[] = []
  const overrides: Record<string, AgentOverrides> = {}
  if (storedOverrides !== undefined && storedOverrides !== null) {
    if (!isPlainObject(storedOverrides)) problems.push(`${CONFIG_KEY_OVERRIDES}: not an object`)
    else {
      for (const [agentId, tiers] of Object.entries(storedOverrides)) {
        const parsed = parseAgentOverrides(tiers)
        if (parsed) overrides[agentId] = parsed
        else problems.push(`${CONFIG_KEY_OVERRIDES}.${agentId}: malformed, ignored`)
      }
    }
  }
  let whitelist: string[] = []
  if (storedWhitelist !== undefined && storedWhitelist !== null) {
    if (Array.isArray(storedWhitelist) && storedWhitelist.every((id) => typeof id === 'string')) whitelist = [...new Set(storedWhitelist as string[])]
    else problems.push(`${CONFIG_KEY_WHITELIST}: not a list of strings, ignored`)
  }
  return { policy: { overrides, whitelist }, problems }
}

/** The two config values to store for `policy`. */
export function storedFromPolicy(policy: RateLimitPolicy): { [CONFIG_KEY_OVERRIDES]: Record<string, AgentOverrides>; [CONFIG_KEY_WHITELIST]: string[] } {
  return { [CONFIG_KEY_OVERRIDES]: { ...policy.overrides }, [CONFIG_KEY_WHITELIST]: [...policy.whitelist] }
}

function parseAgentOverrides(value: unknown): AgentOverrides | null {
  if (!isPlainObject(value)) return null
  const out: AgentOverrides = {}
  for (const [tier, override] of Object.entries(value)) {
    if (!(RATE_TIERS as readonly string[]).includes(tier)) return null
    if (!isPlainObject(override)) return null
    const { capacity, refill_rate } = override
    if (typeof capacity !== 'number' || typeof refill_rate !== 'number' || !Number.isFinite(capacity) || !Number.isFinite(refill_rate)) return null
    if (capacity < 1000 || refill_rate < 0) return null
    out[tier as RateTier] = { capacity, refill_rate }
  }
  return out
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasOwn(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key)
}

function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwn(record, key) ? record[key] : undefined
}
