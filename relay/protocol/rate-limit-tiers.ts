// Rate-limit classification (hardening.md §5.1–5.2) as data: the tier of every /ws type and HTTP
// action, who the bucket belongs to, and whether the original enforced it.
import type { RateTier } from './http-bodies'
import type { WsType } from './ws-inbound'

/** Bucket defaults, identical for the ws and http channels. */
export const RATE_LIMIT_DEFAULTS: Readonly<Record<RateTier, { capacity: number; refill_rate_per_min: number }>> = Object.freeze({
  light: { capacity: 120, refill_rate_per_min: 120 },
  normal: { capacity: 60, refill_rate_per_min: 60 },
  heavy: { capacity: 10, refill_rate_per_min: 10 },
})

/** Below this share of capacity left, an allowed action is answered with a warning. */
export const RATE_LIMIT_WARN_FRACTION = 0.2

/** Progressive backoff by consecutive violations: 1, 2, 3, 4, ≥5. */
export const RATE_LIMIT_BACKOFF_MS: readonly number[] = Object.freeze([1_000, 2_000, 5_000, 10_000, 30_000])

export const RATE_LIMIT_VIOLATION_WINDOW_MS = 60_000
export const RATE_LIMIT_SWEEP_INTERVAL_MS = 300_000

/**
 * Tier of each inbound /ws type. `identify` is charged (heavy) only when re-sent on an already
 * identified socket; the first identify is never rate limited. Unlisted types default to normal.
 */
export const WS_TYPE_TIERS: Readonly<Record<WsType, RateTier>> = Object.freeze({
  ping: 'light',
  list_agents: 'light',
  list_channels: 'light',
  status: 'light',
  channel_history: 'light',
  message: 'normal',
  channel_publish: 'normal',
  channel_subscribe: 'normal',
  channel_unsubscribe: 'normal',
  task_accepted: 'normal',
  task_progress: 'normal',
  task_complete: 'normal',
  task_failed: 'normal',
  task_recovering: 'normal',
  task_rejected: 'normal',
  ollama_report: 'normal',
  resource_report: 'normal',
  identify: 'heavy',
})

export function wsTierOf(type: string): RateTier {
  return Object.prototype.hasOwnProperty.call(WS_TYPE_TIERS, type) ? WS_TYPE_TIERS[type as WsType] : 'normal'
}

/**
 * Outcome reports a sidecar cannot afford to lose. The original charged them to the normal bucket,
 * so a long streaming task (task_progress at ~10/s) got its final task_complete denied and lost
 * (DIGEST "don't let rate limiting eat completions"). The rate limiter should not charge these.
 */
export const WS_RATE_EXEMPT_TYPES: ReadonlySet<WsType> = new Set<WsType>(['task_complete', 'task_failed'])

export interface HttpActionTier {
  tier: RateTier
  /** whose bucket: the authenticated agent, or `ip:<addr>` on unauthenticated routes */
  principal: 'agent' | 'ip'
  /** the original classified some actions without ever checking them */
  enforced: boolean
}

/** HTTP actions (route names of protocol.md §4, "RL" column) with their tier. Unlisted → normal. */
export const HTTP_ACTION_TIERS = Object.freeze({
  get_agents: { tier: 'light', principal: 'ip', enforced: true },
  get_channels: { tier: 'light', principal: 'ip', enforced: true },
  get_tasks: { tier: 'light', principal: 'agent', enforced: true },
  get_metrics: { tier: 'light', principal: 'ip', enforced: true },
  get_health: { tier: 'light', principal: 'ip', enforced: false },
  get_mailbox: { tier: 'light', principal: 'agent', enforced: false },
  get_schemas: { tier: 'light', principal: 'ip', enforced: false },
  get_dashboard_state: { tier: 'light', principal: 'ip', enforced: false },
  post_message: { tier: 'normal', principal: 'agent', enforced: true },
  post_channel_publish: { tier: 'normal', principal: 'agent', enforced: true },
  post_channel_subscribe: { tier: 'normal', principal: 'agent', enforced: true },
  post_channel_unsubscribe: { tier: 'normal', principal: 'agent', enforced: true },
  get_task_detail: { tier: 'normal', principal: 'agent', enforced: true },
  get_channel_info: { tier: 'normal', principal: 'ip', enforced: true },
  post_task_retry: { tier: 'normal', principal: 'agent', enforced: true },
  post_mailbox_ack: { tier: 'normal', principal: 'agent', enforced: false },
  get_messages: { tier: 'normal', principal: 'agent', enforced: false },
  post_task: { tier: 'heavy', principal: 'agent', enforced: true },
  post_channel: { tier: 'heavy', principal: 'agent', enforced: true },
  post_admin_push_task: { tier: 'heavy', principal: 'agent', enforced: true },
  post_onboard_register: { tier: 'heavy', principal: 'ip', enforced: true },
} satisfies Record<string, HttpActionTier>)

export type HttpAction = keyof typeof HTTP_ACTION_TIERS

export function httpTierOf(action: string): RateTier {
  return Object.prototype.hasOwnProperty.call(HTTP_ACTION_TIERS, action) ? HTTP_ACTION_TIERS[action as HttpAction].tier : 'normal'
}
