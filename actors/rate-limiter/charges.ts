// What an inbound action costs (hardening.md §5.2 tiers, relay/protocol/rate-limit-tiers.ts).
//
// Two deliberate changes for streaming sidecars (DIGEST "don't let rate limiting eat
// completions"): with the original's single normal bucket (60, 1/s), a sidecar streaming
// `task_progress` at ~10 frames/s emptied it and its final `task_complete` was denied and lost.
// - `task_complete` / `task_failed` are never charged and never denied: they end work the hub
//   itself handed out, so their number is bounded by assignments.
// - `task_progress` draws from its own per-agent budget (PROGRESS_BUDGET: 600, refilling 600 per
//   minute = a 10 frames/s stream, with a minute of burst). A progress frame beyond it is dropped
//   with a `rate_limited` reply (tier normal) but is not a violation: it neither triggers the
//   progressive backoff nor excludes the agent from scheduling.
import { HTTP_ACTION_TIERS, WS_RATE_EXEMPT_TYPES, httpTierOf, wsTierOf, type HttpAction } from '../../relay/protocol/rate-limit-tiers'
import type { RateTier } from '../../relay/protocol/http-bodies'
import type { WsType } from '../../relay/protocol/ws-inbound'
import type { BucketSpec } from './token-bucket'

export type Channel = 'ws' | 'http'

/** Bucket lanes: the three tiers, plus the progress budget (ws only). */
export type Lane = RateTier | 'progress'

export const PROGRESS_BUDGET: Readonly<BucketSpec> = Object.freeze({ capacity: 600, refill_per_min: 600 })

export type Charge =
  | { kind: 'bucket'; tier: RateTier; lane: Lane; counts_as_violation: boolean }
  | { kind: 'exempt'; tier: RateTier; reason: 'outcome_report' | 'not_enforced' }

/** The charge of an inbound /ws frame on an identified socket (a re-sent identify is heavy). */
export function wsCharge(type: string): Charge {
  const tier = wsTierOf(type)
  if (WS_RATE_EXEMPT_TYPES.has(type as WsType)) return { kind: 'exempt', tier, reason: 'outcome_report' }
  if (type === 'task_progress') return { kind: 'bucket', tier, lane: 'progress', counts_as_violation: false }
  return { kind: 'bucket', tier, lane: tier, counts_as_violation: true }
}

/** The charge of an HTTP action; classified-but-unenforced actions cost nothing (as the original). */
export function httpCharge(action: string): Charge {
  const tier = httpTierOf(action)
  const entry = Object.prototype.hasOwnProperty.call(HTTP_ACTION_TIERS, action) ? HTTP_ACTION_TIERS[action as HttpAction] : undefined
  if (entry && !entry.enforced) return { kind: 'exempt', tier, reason: 'not_enforced' }
  return { kind: 'bucket', tier, lane: tier, counts_as_violation: true }
}

/** Whose bucket an HTTP action uses: `ip:<addr>` on unauthenticated routes, else the agent. */
export function httpPrincipalKind(action: string): 'agent' | 'ip' {
  return Object.prototype.hasOwnProperty.call(HTTP_ACTION_TIERS, action) ? HTTP_ACTION_TIERS[action as HttpAction].principal : 'agent'
}

/** `ip:<a.b.c.d>`; an IPv4-mapped IPv6 address is written as plain IPv4. */
export function ipPrincipal(address: string): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address
  return `ip:${plain}`
}
