// Alert thresholds (hardening.md §4.2–4.3, protocol.md §4.7): the defaults, validation of
// `PUT /api/config/alert-thresholds` (422 validation_failed on bad input — the original stored
// any JSON verbatim) and merging. The original's override never took effect (string keys merged
// over atom-keyed defaults); here the stored value IS the effective map, re-read by the alerter
// at every check, so a change applies at the next check (`effective: "next_check_cycle"`),
// including `check_interval_ms` (the next check is scheduled with it) and the cooldowns.
import { ALERT_THRESHOLD_DEFAULTS, type PutAlertThresholdsBody } from '../../relay/protocol/http-bodies'
import type { ValidationFailedBody } from '../../relay/protocol/http-errors'
import { validateHttpBody } from '../../relay/protocol/validator'

export const ALERT_RULES = ['queue_growing', 'high_failure_rate', 'stuck_tasks', 'no_agents_online', 'high_error_rate', 'tier_down'] as const
export type RuleId = (typeof ALERT_RULES)[number]

export const CONFIG_KEY_ALERT_THRESHOLDS = 'alert_thresholds'

export interface AlertThresholds {
  queue_growing_checks: number
  failure_rate_pct: number
  stuck_task_ms: number
  error_count_hour: number
  check_interval_ms: number
  cooldowns: Record<RuleId, number>
}

export function defaultThresholds(): AlertThresholds {
  return { ...ALERT_THRESHOLD_DEFAULTS, cooldowns: { ...ALERT_THRESHOLD_DEFAULTS.cooldowns } }
}

/** `body` (already valid) merged over `base`; cooldowns merge per rule. */
export function mergeThresholds(base: AlertThresholds, body: PutAlertThresholdsBody): AlertThresholds {
  const { cooldowns, ...scalars } = body
  const defined = Object.fromEntries(Object.entries(scalars).filter(([, v]) => v !== undefined)) as Partial<Omit<AlertThresholds, 'cooldowns'>>
  const cooldownUpdates = Object.fromEntries(Object.entries(cooldowns ?? {}).filter(([, v]) => v !== undefined)) as Partial<Record<RuleId, number>>
  return { ...base, ...defined, cooldowns: { ...base.cooldowns, ...cooldownUpdates } }
}

export type ThresholdUpdate =
  | { ok: true; thresholds: AlertThresholds; reply: { status: 'updated'; effective: 'next_check_cycle' } }
  | { ok: false; status: 422; body: ValidationFailedBody }

/**
 * `PUT /api/config/alert-thresholds`: a partial update over the current thresholds. On success the
 * caller stores `thresholds` (the full effective map) and then replies.
 */
export function updateThresholds(current: AlertThresholds, body: unknown): ThresholdUpdate {
  const checked = validateHttpBody('put_alert_thresholds', body)
  if (!checked.ok) return { ok: false, status: 422, body: checked.response as ValidationFailedBody }
  return { ok: true, thresholds: mergeThresholds(current, checked.body), reply: { status: 'updated', effective: 'next_check_cycle' } }
}

/**
 * The effective thresholds from the stored config value (null/undefined = defaults). A stored
 * value that does not validate (e.g. written verbatim by the original) is ignored with a reason.
 */
export function thresholdsFromStored(stored: unknown): { thresholds: AlertThresholds; problem: string | null } {
  if (stored === undefined || stored === null) return { thresholds: defaultThresholds(), problem: null }
  const checked = validateHttpBody('put_alert_thresholds', stored)
  if (!checked.ok) return { thresholds: defaultThresholds(), problem: `stored ${CONFIG_KEY_ALERT_THRESHOLDS} ignored: ${checked.errors.map((e) => `${e.field} ${e.error}`).join(', ')}` }
  return { thresholds: mergeThresholds(defaultThresholds(), checked.body), problem: null }
}
