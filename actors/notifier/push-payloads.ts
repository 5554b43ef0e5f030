// Which bus events become a push notification, and with what text (hardening.md §7.4). Pure.
// The health transition (ok → warning/critical) is actors/health `healthPush`.
import { TOPIC } from '../names'

export interface PushPayload {
  title: string
  body: string
  icon?: string
  tag?: string
  data?: Record<string, unknown>
}

export const PUSH_ICON = '/favicon.ico'
export const RATE_LIMIT_PUSH_EVERY = 10
export const RATE_LIMIT_COUNT_WINDOW_MS = 5 * 60_000

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

/** The push for one bus event, or null. Rate-limit violations go through `RateLimitPushCounter`. */
export function pushForEvent(topic: string, event: unknown): PushPayload | null {
  if (!isObject(event)) return null
  if (topic === TOPIC.presence && event.type === 'agent_left') {
    const id = str(event.agent_id)
    return id === null ? null : { title: 'AgentCom Alert', body: `Agent offline: ${id}`, icon: PUSH_ICON }
  }
  if (topic === TOPIC.alerts && event.type === 'alert_fired') {
    const alert = isObject(event.data) ? event.data : isObject(event.alert) ? event.alert : null
    if (alert === null) return null
    const critical = alert.severity === 'critical'
    return {
      title: critical ? 'AgentCom CRITICAL' : 'AgentCom WARNING',
      body: String(alert.message ?? alert.rule_id ?? 'alert'),
      icon: PUSH_ICON,
      data: { rule_id: alert.rule_id ?? null, severity: alert.severity ?? null },
    }
  }
  if (topic === TOPIC.backups) return storagePush(event)
  return null
}

function storagePush(event: Json): PushPayload | null {
  switch (event.type) {
    case 'compaction_failed': {
      const failures = Array.isArray(event.failures) ? event.failures : []
      const tables = failures.map((f) => (isObject(f) ? String(f.table ?? '?') : String(f))).join(', ')
      return { title: 'AgentCom Alert', body: `DETS compaction failed: ${tables}`, icon: PUSH_ICON }
    }
    case 'recovery_complete':
      return event.trigger === 'auto' ? { title: 'AgentCom Alert', body: `DETS auto-restore: ${String(event.table ?? '?')} restored from backup`, icon: PUSH_ICON } : null
    case 'recovery_failed':
      return { title: 'AgentCom Critical', body: `DETS recovery FAILED: ${String(event.table ?? '?')} -- ${String(event.reason ?? 'unknown')}`, icon: PUSH_ICON }
    default:
      return null
  }
}

/**
 * Every 10th rate-limit violation of an agent within its 5-minute counting period → one push
 * (tag `rate-limit-<id>`). The period starts at the agent's first violation and restarts when it
 * has run out (the original reset every counter on a 5-minute timer).
 */
export class RateLimitPushCounter {
  private readonly counts = new Map<string, { since: number; n: number }>()

  violation(agentId: string, now: number): PushPayload | null {
    let entry = this.counts.get(agentId)
    if (entry === undefined || now - entry.since >= RATE_LIMIT_COUNT_WINDOW_MS) {
      entry = { since: now, n: 0 }
      this.counts.set(agentId, entry)
    }
    entry.n += 1
    if (entry.n % RATE_LIMIT_PUSH_EVERY !== 0) return null
    return { title: 'Rate Limit Alert', body: `Agent ${agentId} has ${entry.n} rate limit violations`, icon: PUSH_ICON, tag: `rate-limit-${agentId}` }
  }

  /** Drops periods that ran out (keeps the map bounded by recently offending agents). */
  sweep(now: number): void {
    for (const [agentId, entry] of this.counts) if (now - entry.since >= RATE_LIMIT_COUNT_WINDOW_MS) this.counts.delete(agentId)
  }
}

/** The agent id of a rate-limit violation event on topic `rate_limits`, or null for other events. */
export function violatingAgent(event: unknown): string | null {
  if (!isObject(event) || typeof event.type !== 'string' || !event.type.includes('violation')) return null
  return str(event.agent_id)
}
