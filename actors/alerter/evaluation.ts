// The Alerter's lifecycle (hardening.md §4.2) as a pure step: evaluate(state, inputs,
// thresholds, now) → next state, per-rule outcomes and the bus events to publish (topic
// `alerts`). State lives in memory and is lost on restart, as in the original.
//
// - inactive + condition → fire (publish alert_fired);
// - active, not acknowledged, condition → re-fire with fresh message/details and the same
//   fired_at when the rule is critical (every check), its cooldown is 0, or the cooldown has
//   elapsed since the last fire; otherwise the stored message/details are refreshed silently;
// - active + acknowledged + condition → suppressed until it clears;
// - condition gone → clear (queue_growing only after 3 consecutive OK checks, a counter that
//   restarts whenever growth is seen again — the original did not reset it);
// - no check during the first 30 s after boot (agents reconnecting).
// The thresholds are an argument of every call: a changed value applies at the next check.
import {
  RULE_SEVERITY,
  highErrorRate,
  highFailureRate,
  noAgentsOnline,
  queueGrowing,
  stuckTasks,
  tierDown,
  tierDownSince,
  type AlertInputs,
  type Condition,
  type Severity,
} from './alert-rules'
import { ALERT_RULES, type AlertThresholds, type RuleId } from './thresholds'

export const STARTUP_GRACE_MS = 30_000
export const QUEUE_GROWING_CLEAR_CHECKS = 3
const QUEUE_SAMPLES_KEPT = 100

/** The wire alert (protocol.md §4.8, §5.1). */
export interface Alert {
  rule_id: RuleId
  severity: Severity
  message: string
  details: Record<string, unknown>
  fired_at: number
  acknowledged: boolean
}

interface ActiveAlert extends Alert {
  last_fired_at: number
}

export interface AlerterState {
  booted_at: number
  active: Partial<Record<RuleId, ActiveAlert>>
  /** queue depth at each check, newest last */
  queue_samples: number[]
  /** consecutive OK checks while queue_growing is active */
  queue_ok_checks: number
  /** an agent was online at some point since boot (no_agents_online) */
  agents_seen: boolean
  /** since when no LLM endpoint has been healthy (tier_down) */
  tier_down_since: number | null
  last_check_at: number | null
}

export type RuleOutcome = 'fired' | 'refired' | 'unchanged' | 'suppressed' | 'cleared' | 'inactive'

export type AlertEvent = { type: 'alert_fired'; alert: Alert } | { type: 'alert_cleared'; rule_id: RuleId } | { type: 'alert_acknowledged'; rule_id: RuleId }

export interface Evaluation {
  state: AlerterState
  outcomes: Record<RuleId, RuleOutcome>
  events: AlertEvent[]
  /** false during the start-up grace period: nothing was checked */
  checked: boolean
}

export function initialAlerterState(bootedAt: number): AlerterState {
  return { booted_at: bootedAt, active: {}, queue_samples: [], queue_ok_checks: 0, agents_seen: false, tier_down_since: null, last_check_at: null }
}

/** When the next check is due: 30 s after boot, then every `check_interval_ms` after the last. */
export function nextCheckAt(state: AlerterState, thresholds: AlertThresholds): number {
  return state.last_check_at === null ? state.booted_at + STARTUP_GRACE_MS : state.last_check_at + thresholds.check_interval_ms
}

/** Presence saw an agent join (between checks): arms no_agents_online. */
export function noteAgentOnline(state: AlerterState): AlerterState {
  return state.agents_seen ? state : { ...state, agents_seen: true }
}

export function evaluate(state: AlerterState, inputs: AlertInputs, thresholds: AlertThresholds, now: number): Evaluation {
  const outcomes = Object.fromEntries(ALERT_RULES.map((r) => [r, 'inactive'])) as Record<RuleId, RuleOutcome>
  if (now - state.booted_at < STARTUP_GRACE_MS) return { state, outcomes, events: [], checked: false }

  const queueSamples = [...state.queue_samples, inputs.queue_depth].slice(-QUEUE_SAMPLES_KEPT)
  const agentsSeen = state.agents_seen || inputs.agents_online > 0
  const tierSince = tierDownSince(inputs, state.tier_down_since, now)
  const conditions: Record<RuleId, Condition | null> = {
    queue_growing: queueGrowing(queueSamples, thresholds),
    high_failure_rate: highFailureRate(inputs, thresholds),
    stuck_tasks: stuckTasks(inputs, thresholds, now),
    no_agents_online: noAgentsOnline(inputs, agentsSeen),
    high_error_rate: highErrorRate(inputs, thresholds),
    tier_down: tierDown(inputs, tierSince, now),
  }

  const active: Partial<Record<RuleId, ActiveAlert>> = { ...state.active }
  const events: AlertEvent[] = []
  let queueOkChecks = state.queue_ok_checks
  for (const rule of ALERT_RULES) {
    const condition = conditions[rule]
    const current = active[rule]
    if (rule === 'queue_growing') queueOkChecks = condition || !current ? 0 : queueOkChecks + 1
    if (!condition) {
      if (!current) continue
      if (rule === 'queue_growing' && queueOkChecks < QUEUE_GROWING_CLEAR_CHECKS) {
        outcomes[rule] = 'unchanged'
        continue
      }
      delete active[rule]
      if (rule === 'queue_growing') queueOkChecks = 0
      events.push({ type: 'alert_cleared', rule_id: rule })
      outcomes[rule] = 'cleared'
      continue
    }
    if (!current) {
      const alert: ActiveAlert = { rule_id: rule, severity: RULE_SEVERITY[rule], ...condition, fired_at: now, acknowledged: false, last_fired_at: now }
      active[rule] = alert
      events.push({ type: 'alert_fired', alert: publicAlert(alert) })
      outcomes[rule] = 'fired'
      continue
    }
    const refreshed: ActiveAlert = { ...current, ...condition }
    if (current.acknowledged) {
      active[rule] = refreshed
      outcomes[rule] = 'suppressed'
      continue
    }
    const cooldown = thresholds.cooldowns[rule]
    if (current.severity === 'critical' || cooldown === 0 || now - current.last_fired_at >= cooldown) {
      active[rule] = { ...refreshed, last_fired_at: now }
      events.push({ type: 'alert_fired', alert: publicAlert(active[rule]!) })
      outcomes[rule] = 'refired'
    } else {
      active[rule] = refreshed
      outcomes[rule] = 'unchanged'
    }
  }
  const next: AlerterState = {
    booted_at: state.booted_at,
    active,
    queue_samples: queueSamples,
    queue_ok_checks: queueOkChecks,
    agents_seen: agentsSeen,
    tier_down_since: tierSince,
    last_check_at: now,
  }
  return { state: next, outcomes, events, checked: true }
}

/** Acknowledge via HTTP or dashboard: suppresses re-fires until the alert clears. */
export function acknowledge(state: AlerterState, ruleId: string): { state: AlerterState; found: boolean; event: AlertEvent | null } {
  const current = (ALERT_RULES as readonly string[]).includes(ruleId) ? state.active[ruleId as RuleId] : undefined
  if (!current) return { state, found: false, event: null }
  if (current.acknowledged) return { state, found: true, event: null }
  return {
    state: { ...state, active: { ...state.active, [ruleId]: { ...current, acknowledged: true } } },
    found: true,
    event: { type: 'alert_acknowledged', rule_id: ruleId as RuleId },
  }
}

/** `POST /api/alerts/:rule_id/acknowledge` reply. */
export function acknowledgeReply(found: boolean, ruleId: string): { status: 200 | 404; body: Record<string, unknown> } {
  return found ? { status: 200, body: { status: 'acknowledged', rule_id: ruleId } } : { status: 404, body: { error: 'alert_not_found' } }
}

/** Active alerts, oldest first (`GET /api/alerts`, dashboard `active_alerts`). */
export function activeAlerts(state: AlerterState): Alert[] {
  return ALERT_RULES.flatMap((rule) => {
    const alert = state.active[rule]
    return alert ? [publicAlert(alert)] : []
  }).sort((a, b) => a.fired_at - b.fired_at)
}

/** `GET /api/alerts`. */
export function alertsResponse(state: AlerterState, now: number): { alerts: Alert[]; timestamp: number } {
  return { alerts: activeAlerts(state), timestamp: now }
}

function publicAlert(alert: ActiveAlert): Alert {
  return { rule_id: alert.rule_id, severity: alert.severity, message: alert.message, details: alert.details, fired_at: alert.fired_at, acknowledged: alert.acknowledged }
}
