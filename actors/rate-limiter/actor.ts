// The `rate-limiter` actor (hardening.md §5): a thin shell over RateLimiter. It owns the policy
// (per-agent overrides + whitelist) in table `rate_limit_overrides` under the two keys of
// policy.ts, so both survive a restart; runs the 5-minute idle sweep; publishes every violation
// on topic `rate_limits` and emits `agent_com.rate_limit.*` telemetry.
//
// Admin changes are durable before acknowledged: the next policy is written (both keys in one
// transaction), then installed, then the reply goes out. Checks keep being served meanwhile
// under the old policy (the admin call answers later via `noReply`).
import { Actor, noReply, replyError, type From, type SystemInfo } from '../runtime'
import { TOPIC } from '../names'
import type { Storage, Table } from '../../storage'
import { RATE_LIMIT_SWEEP_INTERVAL_MS } from '../../relay/protocol/rate-limit-tiers'
import { telemetry } from '../metrics/telemetry-events'
import {
  adminView,
  CONFIG_KEY_OVERRIDES,
  CONFIG_KEY_WHITELIST,
  deleteOverrides,
  deleteWhitelist,
  policyFromStored,
  postWhitelist,
  putOverrides,
  putWhitelist,
  storedFromPolicy,
  whitelistView,
  type AdminResult,
  type RateLimitPolicy,
} from './policy'
import { RateLimiter, type CallerRole, type RateDecision, type RateLimitsView, type SweepResult } from './rate-limiter'

export const RATE_LIMIT_TABLE = 'rate_limit_overrides' as const

export interface RateLimiterArgs {
  storage: Storage
  /** idle sweep period, default 300 000 ms */
  sweepIntervalMs?: number
}

export type RateLimiterCall =
  /** `/ws` frame of an identified agent → RateDecision */
  | { type: 'check_ws'; agent_id: string; frame_type: string; role?: CallerRole }
  /** HTTP action after auth → RateDecision */
  | { type: 'check_http'; action: string; agent_id: string | null; remote_address: string; role?: CallerRole }
  /** scheduler → agent ids excluded from scheduling now */
  | { type: 'limited_agents' }
  /** dashboard snapshot `rate_limits` block → RateLimitsView */
  | { type: 'dashboard_view'; agent_ids?: string[] }
  /** admin API (protocol.md §4.10) → AdminReply */
  | { type: 'admin_view' }
  | { type: 'whitelist_view' }
  | { type: 'put_overrides'; agent_id: string; body: unknown }
  | { type: 'delete_overrides'; agent_id: string }
  | { type: 'put_whitelist'; body: unknown }
  | { type: 'post_whitelist'; body: unknown }
  | { type: 'delete_whitelist'; agent_id: string }
  /** runs the idle sweep now → SweepResult */
  | { type: 'sweep_now' }

/** What the admin calls answer: the HTTP status and body (protocol.md §4.10). */
export interface AdminReply {
  status: number
  body: Record<string, unknown>
}

/** Published on topic `rate_limits` (task-pipeline.md §6). */
export interface RateLimitViolationEvent {
  type: 'rate_limit_violation'
  agent_id: string
  channel: string
  tier: string
  consecutive: number
  retry_after_ms: number
  timestamp: number
}

type Info = { type: 'sweep' }

export class RateLimiterActor extends Actor<RateLimiterCall, never, Info, RateLimiterArgs> {
  private limiter = new RateLimiter()
  private table!: Table<string, unknown>
  private storage!: Storage
  /** admin writes are serialised: each computes its next policy from the previous one's result */
  private pendingPolicy: RateLimitPolicy | null = null
  private writes: Promise<void> = Promise.resolve()
  private lastSweep: SweepResult | null = null

  override init(args: RateLimiterArgs): void {
    this.storage = args.storage
    this.table = args.storage.table<string, unknown>(RATE_LIMIT_TABLE)
    const loaded = policyFromStored(this.table.get(CONFIG_KEY_OVERRIDES), this.table.get(CONFIG_KEY_WHITELIST))
    for (const problem of loaded.problems) this.ctx.log.warn('stored rate-limit policy partly ignored', { problem })
    this.limiter = new RateLimiter(loaded.policy)
    this.ctx.interval({ type: 'sweep' }, args.sweepIntervalMs ?? RATE_LIMIT_SWEEP_INTERVAL_MS)
  }

  override handleCall(msg: RateLimiterCall, from: From): unknown {
    const now = this.ctx.clock.now()
    switch (msg?.type) {
      case 'check_ws':
        if (typeof msg.agent_id !== 'string') return replyError(new TypeError('check_ws needs agent_id'))
        return this.observe(this.limiter.checkWsFrame(msg.agent_id, String(msg.frame_type), now, roleOf(msg.role)), now)
      case 'check_http':
        if (typeof msg.action !== 'string' || typeof msg.remote_address !== 'string') return replyError(new TypeError('check_http needs action and remote_address'))
        return this.observe(
          this.limiter.checkHttpAction(msg.action, { agentId: typeof msg.agent_id === 'string' ? msg.agent_id : null, remoteAddress: msg.remote_address, role: roleOf(msg.role) }, now),
          now,
        )
      case 'limited_agents':
        return this.limiter.limitedAgents(now)
      case 'dashboard_view':
        return this.dashboardView(msg.agent_ids, now)
      case 'admin_view':
        return { status: 200, body: adminView(this.currentPolicy()) } satisfies AdminReply
      case 'whitelist_view':
        return { status: 200, body: whitelistView(this.currentPolicy()) } satisfies AdminReply
      case 'put_overrides':
        return this.admin(from, (p) => putOverrides(p, String(msg.agent_id), msg.body))
      case 'delete_overrides':
        return this.admin(from, (p) => deleteOverrides(p, String(msg.agent_id)))
      case 'put_whitelist':
        return this.admin(from, (p) => putWhitelist(p, msg.body))
      case 'post_whitelist':
        return this.admin(from, (p) => postWhitelist(p, msg.body))
      case 'delete_whitelist':
        return this.admin(from, (p) => deleteWhitelist(p, String(msg.agent_id)))
      case 'sweep_now':
        return this.sweep(now)
      default:
        return replyError(new TypeError(`rate-limiter: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override handleInfo(msg: Info | SystemInfo): void {
    if (msg.type === 'sweep') this.sweep(this.ctx.clock.now())
  }

  override snapshot(): unknown {
    return { policy: this.limiter.policy, buckets: this.limiter.bucketCount, last_sweep: this.lastSweep }
  }

  private dashboardView(agentIds: unknown, now: number): RateLimitsView {
    const ids = Array.isArray(agentIds) ? agentIds.filter((id): id is string => typeof id === 'string') : []
    return this.limiter.dashboardView(ids, now)
  }

  private sweep(now: number): SweepResult {
    this.lastSweep = this.limiter.sweepIdle(now)
    return this.lastSweep
  }

  /** The policy admin operations build on: the last accepted one, even if not yet committed. */
  private currentPolicy(): RateLimitPolicy {
    return this.pendingPolicy ?? this.limiter.policy
  }

  private admin(from: From, operation: (policy: RateLimitPolicy) => AdminResult): typeof noReply | AdminReply {
    const result = operation(this.currentPolicy())
    const reply: AdminReply = { status: result.status, body: result.body }
    if (result.status !== 200) return reply
    const policy = result.policy
    this.pendingPolicy = policy
    const stored = storedFromPolicy(policy)
    this.writes = this.writes
      .then(() =>
        this.storage.transaction(() => {
          void this.table.put(CONFIG_KEY_OVERRIDES, stored[CONFIG_KEY_OVERRIDES])
          void this.table.put(CONFIG_KEY_WHITELIST, stored[CONFIG_KEY_WHITELIST])
        }),
      )
      .then(
        () => {
          this.limiter.setPolicy(policy, result.reset_agents)
          if (this.pendingPolicy === policy) this.pendingPolicy = null
          from.reply(reply)
        },
        (error: unknown) => {
          if (this.pendingPolicy === policy) this.pendingPolicy = null
          this.ctx.log.error('rate-limit policy write failed', { error: String(error) })
          from.fail(error instanceof Error ? error : new Error(String(error)))
        },
      )
    return noReply
  }

  /** Telemetry for every charged check; a violation also goes out on `rate_limits`. */
  private observe(decision: RateDecision, now: number): RateDecision {
    if (decision.result === 'exempt') return decision
    this.ctx.publish(
      TOPIC.telemetry,
      telemetry('agent_com.rate_limit.check', { tokens_remaining: decision.tokens_remaining }, { agent_id: decision.principal, channel: decision.channel, tier: decision.tier, result: decision.result }, now),
    )
    if (decision.result === 'deny' && decision.violation) {
      const event: RateLimitViolationEvent = {
        type: 'rate_limit_violation',
        agent_id: decision.principal,
        channel: decision.channel,
        tier: decision.tier,
        consecutive: decision.violation.consecutive,
        retry_after_ms: decision.retry_after_ms,
        timestamp: now,
      }
      this.ctx.publish(TOPIC.rateLimits, event)
      this.ctx.publish(
        TOPIC.telemetry,
        telemetry('agent_com.rate_limit.violation', { retry_after_ms: decision.retry_after_ms, consecutive: decision.violation.consecutive }, { agent_id: decision.principal }, now),
      )
    }
    return decision
  }
}

function roleOf(role: unknown): CallerRole {
  return role === 'admin' ? 'admin' : 'agent'
}
