// The rate limiter's state and decisions (hardening.md §5): lazy buckets per (principal,
// channel, lane), violations per principal, the policy (overrides + whitelist), the scheduler's
// exclusion list, the idle sweep and the dashboard view. Time is a parameter; no timers, no I/O.
//
// Deviations from the original, all deliberate:
// - a denial returns max(bucket refill time, progressive backoff) — the original dropped the
//   backoff (§5.3);
// - task_complete / task_failed are never denied, task_progress has its own budget (charges.ts);
// - admin-role callers (operators' scripts) are exempt like whitelisted principals;
// - the idle sweep drops a bucket once it has refilled to full and a violation record once its
//   window is over — both are then indistinguishable from "no entry" — instead of dropping
//   everything whose principal is not in presence (which handed every IP a fresh bucket every
//   5 minutes);
// - `total_violations_1h` and `top_offenders` really cover the last hour (the original summed the
//   live ≤60 s records).
import { rateLimitedBody, retryAfterSeconds, type RateLimitedBody } from '../../relay/protocol/http-errors'
import type { RateTier } from '../../relay/protocol/http-bodies'
import { rateLimitedFrame, rateLimitWarningFrame } from '../../relay/protocol/ws-errors'
import type { RateLimitedFrame, RateLimitWarningFrame } from '../../relay/protocol/ws-outbound'
import { MinuteCounts } from '../metrics/minute-counts'
import { httpCharge, httpPrincipalKind, ipPrincipal, PROGRESS_BUDGET, wsCharge, type Channel, type Charge, type Lane } from './charges'
import { bucketSpecFor, EMPTY_POLICY, isWhitelisted, RATE_TIERS, type RateLimitPolicy } from './policy'
import { fullBucket, isFull, refilled, takeToken, UNITS_PER_TOKEN, type Bucket, type BucketSpec } from './token-bucket'
import { isLimitedBy, progressiveBackoffMs, recordViolation, RATE_LIMIT_VIOLATION_WINDOW_MS, type ViolationRecord } from './violations'

export type CallerRole = 'agent' | 'admin'

/** Every 10th violation of one principal within a 5-minute period asks for a push notification. */
export const PUSH_EVERY_N_VIOLATIONS = 10
export const PUSH_COUNTING_PERIOD_MS = 300_000

interface Allowed {
  principal: string
  channel: Channel
  tier: RateTier
  lane: Lane
  /** whole tokens left (floored) — `rate_limit.check` telemetry `tokens_remaining` */
  tokens_remaining: number
  capacity: number
}

export type RateDecision =
  | ({ result: 'allow' } & Allowed)
  /** allowed; send `warning` before the reply on WS (HTTP ignores warnings) */
  | ({ result: 'warn'; warning: RateLimitWarningFrame } & Allowed)
  | {
      result: 'deny'
      principal: string
      channel: Channel
      tier: RateTier
      lane: Lane
      tokens_remaining: number
      /** what the client is told: max(bucket_retry_ms, backoff_ms) */
      retry_after_ms: number
      bucket_retry_ms: number
      backoff_ms: number
      /** the violation record after this denial (null when the lane does not count violations) */
      violation: ViolationRecord | null
      /** WS reply */
      frame: RateLimitedFrame
      /** HTTP reply */
      http: { status: 429; headers: { 'retry-after': string }; body: RateLimitedBody }
      /** set on every 10th violation within a 5-minute period (push "Rate Limit Alert") */
      push_alert: { agent_id: string; count: number } | null
    }
  | { result: 'exempt'; principal: string; channel: Channel; tier: RateTier; reason: 'whitelist' | 'admin' | 'outcome_report' | 'not_enforced' }

export interface BucketView {
  remaining: number
  capacity: number
  usage_pct: number
}

export interface AgentRateView {
  ws: Record<RateTier, BucketView>
  http: Record<RateTier, BucketView>
  violations: { consecutive: number; total_in_window: number }
  rate_limited: boolean
  exempt: boolean
}

export interface RateLimitsView {
  summary: {
    total_violations_1h: number
    active_rate_limited: number
    exempt_count: number
    top_offenders: Array<{ agent_id: string; count: number; rate_limited: boolean }>
  }
  per_agent: Record<string, AgentRateView>
}

export interface SweepResult {
  buckets_removed: number
  violations_removed: number
}

const bucketKey = (channel: Channel, lane: Lane): string => `${channel}:${lane}`

export class RateLimiter {
  private policyValue: RateLimitPolicy
  /** principal → `${channel}:${lane}` → bucket */
  private readonly buckets = new Map<string, Map<string, Bucket>>()
  private readonly violations = new Map<string, ViolationRecord>()
  private readonly violationsLastHour = new MinuteCounts(3_600_000)
  private readonly pushCounters = new Map<string, { period_start: number; count: number }>()

  constructor(policy: RateLimitPolicy = EMPTY_POLICY) {
    this.policyValue = policy
  }

  get policy(): RateLimitPolicy {
    return this.policyValue
  }

  /** Installs a (persisted) policy; `resetAgents` start over with full buckets at the new size. */
  setPolicy(policy: RateLimitPolicy, resetAgents: readonly string[] = []): void {
    this.policyValue = policy
    for (const agentId of resetAgents) this.buckets.delete(agentId)
  }

  /** One action on `lane` (default: the tier itself) of `principal`'s `channel` bucket. */
  check(principal: string, channel: Channel, tier: RateTier, now: number, options: { role?: CallerRole; lane?: Lane; countsAsViolation?: boolean } = {}): RateDecision {
    if (options.role === 'admin') return { result: 'exempt', principal, channel, tier, reason: 'admin' }
    if (isWhitelisted(this.policyValue, principal)) return { result: 'exempt', principal, channel, tier, reason: 'whitelist' }
    const lane = options.lane ?? tier
    const spec = this.specFor(principal, lane)
    const key = bucketKey(channel, lane)
    const owned = this.buckets.get(principal)
    const taken = takeToken(owned?.get(key) ?? fullBucket(spec, now), spec, now)
    this.storeBucket(principal, key, taken.bucket)
    const capacity = Math.floor(spec.capacity)
    if (taken.ok) {
      const allowed: Allowed = { principal, channel, tier, lane, tokens_remaining: Math.floor(taken.remaining), capacity }
      if (!taken.warn) return { result: 'allow', ...allowed }
      return { result: 'warn', ...allowed, warning: rateLimitWarningFrame(tier, allowed.tokens_remaining, capacity) }
    }
    const countsAsViolation = options.countsAsViolation ?? true
    const violation = countsAsViolation ? this.recordViolation(principal, now) : null
    const backoff = violation ? progressiveBackoffMs(violation.consecutive) : 0
    const retryAfter = Math.max(taken.retry_after_ms, backoff)
    return {
      result: 'deny',
      principal,
      channel,
      tier,
      lane,
      tokens_remaining: Math.floor(taken.bucket.level / UNITS_PER_TOKEN),
      retry_after_ms: retryAfter,
      bucket_retry_ms: taken.retry_after_ms,
      backoff_ms: backoff,
      violation,
      frame: rateLimitedFrame(retryAfter, tier),
      http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds(retryAfter)) }, body: rateLimitedBody(retryAfter, tier) },
      push_alert: violation ? this.countForPush(principal, now) : null,
    }
  }

  /** An inbound /ws frame of an identified agent (step 5 of the frame pipeline). */
  checkWsFrame(agentId: string, type: string, now: number, role: CallerRole = 'agent'): RateDecision {
    return this.applyCharge(agentId, 'ws', wsCharge(type), now, role)
  }

  /**
   * An HTTP action after auth. `agentId` is the authenticated caller (null on open routes);
   * actions classified "by IP" use `ip:<remoteAddress>`.
   */
  checkHttpAction(action: string, caller: { agentId: string | null; remoteAddress: string; role?: CallerRole }, now: number): RateDecision {
    const byIp = httpPrincipalKind(action) === 'ip' || caller.agentId === null
    const principal = byIp ? ipPrincipal(caller.remoteAddress) : caller.agentId!
    return this.applyCharge(principal, 'http', httpCharge(action), now, byIp ? 'agent' : (caller.role ?? 'agent'))
  }

  /** Excluded from scheduling: a violation window opened ≤ 60 s ago. */
  isRateLimited(principal: string, now: number): boolean {
    return isLimitedBy(this.violations.get(principal), now)
  }

  /** The scheduler's `limited_agents` answer (IP principals left out). */
  limitedAgents(now: number): string[] {
    const out: string[] = []
    for (const [principal, record] of this.violations) if (!principal.startsWith('ip:') && isLimitedBy(record, now)) out.push(principal)
    return out.sort()
  }

  /** Drops entries that carry no information any more (full buckets, closed violation windows). */
  sweepIdle(now: number): SweepResult {
    let bucketsRemoved = 0
    let violationsRemoved = 0
    for (const [principal, owned] of this.buckets) {
      for (const [key, bucket] of owned) {
        const lane = key.slice(key.indexOf(':') + 1) as Lane
        if (isFull(bucket, this.specFor(principal, lane), now)) {
          owned.delete(key)
          bucketsRemoved++
        }
      }
      if (owned.size === 0) this.buckets.delete(principal)
    }
    for (const [principal, record] of this.violations) {
      if (now - record.window_start > RATE_LIMIT_VIOLATION_WINDOW_MS) {
        this.violations.delete(principal)
        violationsRemoved++
      }
    }
    for (const [principal, counter] of this.pushCounters) {
      if (now - counter.period_start >= PUSH_COUNTING_PERIOD_MS) this.pushCounters.delete(principal)
    }
    return { buckets_removed: bucketsRemoved, violations_removed: violationsRemoved }
  }

  /** How many buckets are held (for the actor's snapshot / tests). */
  get bucketCount(): number {
    let n = 0
    for (const owned of this.buckets.values()) n += owned.size
    return n
  }

  /** The dashboard's `rate_limits` block (protocol.md §5.3) for the given agents. */
  dashboardView(agentIds: Iterable<string>, now: number): RateLimitsView {
    const perAgent: Record<string, AgentRateView> = {}
    for (const agentId of agentIds) perAgent[agentId] = this.agentView(agentId, now)
    const hourly = this.violationsLastHour.totals(now)
    let total = 0
    for (const n of hourly.values()) total += n
    const offenders = [...hourly.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 3)
      .map(([agentId, count]) => ({ agent_id: agentId, count, rate_limited: this.isRateLimited(agentId, now) }))
    let active = 0
    for (const record of this.violations.values()) if (isLimitedBy(record, now)) active++
    return {
      summary: { total_violations_1h: total, active_rate_limited: active, exempt_count: this.policyValue.whitelist.length, top_offenders: offenders },
      per_agent: perAgent,
    }
  }

  private applyCharge(principal: string, channel: Channel, charge: Charge, now: number, role: CallerRole): RateDecision {
    if (charge.kind === 'exempt') return { result: 'exempt', principal, channel, tier: charge.tier, reason: charge.reason }
    return this.check(principal, channel, charge.tier, now, { role, lane: charge.lane, countsAsViolation: charge.counts_as_violation })
  }

  private agentView(agentId: string, now: number): AgentRateView {
    const record = this.violations.get(agentId)
    const live = record !== undefined && now - record.window_start <= RATE_LIMIT_VIOLATION_WINDOW_MS
    return {
      ws: this.channelView(agentId, 'ws', now),
      http: this.channelView(agentId, 'http', now),
      violations: { consecutive: live ? record.consecutive : 0, total_in_window: live ? record.count : 0 },
      rate_limited: this.isRateLimited(agentId, now),
      exempt: isWhitelisted(this.policyValue, agentId),
    }
  }

  private channelView(principal: string, channel: Channel, now: number): Record<RateTier, BucketView> {
    const out = {} as Record<RateTier, BucketView>
    for (const tier of RATE_TIERS) {
      const spec = this.specFor(principal, tier)
      const bucket = this.buckets.get(principal)?.get(bucketKey(channel, tier))
      const level = bucket ? refilled(bucket, spec, now).level / UNITS_PER_TOKEN : spec.capacity
      const usage = spec.capacity > 0 ? ((spec.capacity - level) / spec.capacity) * 100 : 0
      out[tier] = { remaining: Math.floor(level), capacity: Math.floor(spec.capacity), usage_pct: Math.round(usage * 10) / 10 }
    }
    return out
  }

  private specFor(principal: string, lane: Lane): BucketSpec {
    return lane === 'progress' ? PROGRESS_BUDGET : bucketSpecFor(this.policyValue, principal, lane)
  }

  private storeBucket(principal: string, key: string, bucket: Bucket): void {
    let owned = this.buckets.get(principal)
    if (!owned) this.buckets.set(principal, (owned = new Map()))
    owned.set(key, bucket)
  }

  private recordViolation(principal: string, now: number): ViolationRecord {
    const record = recordViolation(this.violations.get(principal), now)
    this.violations.set(principal, record)
    this.violationsLastHour.add(principal, now)
    return record
  }

  private countForPush(principal: string, now: number): { agent_id: string; count: number } | null {
    let counter = this.pushCounters.get(principal)
    if (!counter || now - counter.period_start >= PUSH_COUNTING_PERIOD_MS) this.pushCounters.set(principal, (counter = { period_start: now, count: 0 }))
    counter.count++
    return counter.count % PUSH_EVERY_N_VIOLATIONS === 0 ? { agent_id: principal, count: counter.count } : null
  }
}
