// The `alerter` actor (hardening.md §4.2–4.3): a timer around the pure evaluation. The first check
// runs 30 s after boot (agents reconnecting), then every `check_interval_ms`. Thresholds are
// re-read at every check (config actor `{type:'get', key:'alert_thresholds'}`, or its table when
// the config actor is not running), so `PUT /api/config/alert-thresholds` applies at the next
// check, including a new interval. Events go out on topic `alerts`.
import { Actor, replyError, type ActorSystem, type SystemInfo, type TimerId } from '../runtime'
import { ACTOR, TOPIC } from '../names'
import type { Storage } from '../../storage'
import { askPeer } from '../metrics/actor'
import type { AlertInputs } from './alert-rules'
import {
  acknowledge,
  acknowledgeReply,
  activeAlerts,
  alertsResponse,
  evaluate,
  initialAlerterState,
  nextCheckAt,
  noteAgentOnline,
  type Alert,
  type AlerterState,
  type AlertEvent,
  type Evaluation,
} from './evaluation'
import { CONFIG_KEY_ALERT_THRESHOLDS, thresholdsFromStored, updateThresholds, type AlertThresholds } from './thresholds'

export const ALERTER_PEER_TIMEOUT_MS = 2_000
const CONFIG_TABLE = 'agentcom_config' as const
const CONFIG_KEY_TIER_DOWN = 'tier_down_alert_threshold_ms'

export interface AlerterArgs {
  /** read-only fallback for thresholds when the config actor is not running */
  storage?: Storage
  peerTimeoutMs?: number
}

export type AlerterCall =
  /** → `{found, status, rule_id}`; publishes `alert_acknowledged` */
  | { type: 'acknowledge'; rule_id: string }
  /** → Alert[] oldest first (`active_alerts` is the dashboard's name for it) */
  | { type: 'active' }
  | { type: 'active_alerts' }
  /** → `{alerts, timestamp}` (`GET /api/alerts`) */
  | { type: 'alerts' }
  /** → the effective thresholds now */
  | { type: 'thresholds' }
  /** partial update, validated → `{ok:true, reply}` | `{ok:false, status:422, body}` */
  | { type: 'set_thresholds'; body: unknown }
  /** runs a check now (console, tests) → Evaluation outcomes */
  | { type: 'check_now' }

type Info = { type: 'check' }

export class AlerterActor extends Actor<AlerterCall, never, Info, AlerterArgs | undefined> {
  private args: AlerterArgs = {}
  private state!: AlerterState
  private timer: TimerId | null = null
  private lastOutcomes: Evaluation['outcomes'] | null = null

  override async init(args: AlerterArgs | undefined): Promise<void> {
    this.args = args ?? {}
    this.state = initialAlerterState(this.ctx.clock.now())
    this.ctx.subscribe(TOPIC.presence)
    this.schedule(await this.thresholds())
  }

  override async handleCall(msg: AlerterCall): Promise<unknown> {
    switch (msg?.type) {
      case 'acknowledge':
        return this.acknowledge(msg.rule_id)
      case 'active':
      case 'active_alerts':
        return activeAlerts(this.state) satisfies Alert[]
      case 'alerts':
        return alertsResponse(this.state, this.ctx.clock.now())
      case 'thresholds':
        return this.thresholds()
      case 'set_thresholds':
        return this.setThresholds(msg.body)
      case 'check_now':
        return (await this.check()).outcomes
      default:
        return replyError(new TypeError('alerter: unknown call'))
    }
  }

  override async handleInfo(msg: Info | SystemInfo): Promise<void> {
    if (msg.type === 'check') {
      this.timer = null
      await this.check()
      return
    }
    if (msg.type === 'bus' && msg.topic === TOPIC.presence) {
      const event = msg.event as { type?: unknown } | null
      if (event?.type === 'agent_joined') this.state = noteAgentOnline(this.state)
    }
  }

  override snapshot(): unknown {
    return { state: this.state, last_outcomes: this.lastOutcomes }
  }

  private async check(): Promise<Evaluation> {
    const thresholds = await this.thresholds()
    const inputs = await this.inputs()
    const now = this.ctx.clock.now()
    const result = evaluate(this.state, inputs, thresholds, now)
    this.state = result.state
    if (result.checked) this.lastOutcomes = result.outcomes
    for (const event of result.events) this.announce(event)
    this.schedule(thresholds)
    return result
  }

  /** (Re)arms the single check timer for the next due check. */
  private schedule(thresholds: AlertThresholds): void {
    if (this.timer !== null) this.ctx.cancelTimer(this.timer)
    const due = nextCheckAt(this.state, thresholds)
    this.timer = this.ctx.sendAfter({ type: 'check' }, Math.max(0, due - this.ctx.clock.now()))
  }

  private acknowledge(ruleId: unknown): { found: boolean; status: number; body: Record<string, unknown> } {
    const id = typeof ruleId === 'string' ? ruleId : ''
    const result = acknowledge(this.state, id)
    this.state = result.state
    if (result.event) this.announce(result.event)
    const reply = acknowledgeReply(result.found, id)
    return { found: result.found, status: reply.status, body: reply.body }
  }

  private announce(event: AlertEvent): void {
    this.ctx.publish(TOPIC.alerts, event)
    if (event.type === 'alert_fired') this.ctx.log.warn('alert_fired', { rule_id: event.alert.rule_id, severity: event.alert.severity, alert_message: event.alert.message })
    else this.ctx.log.info(event.type, { rule_id: event.rule_id })
  }

  private async setThresholds(body: unknown): Promise<unknown> {
    const update = updateThresholds(await this.thresholds(), body)
    if (!update.ok) return update
    const config = this.ctx.system.whereis(ACTOR.config)
    if (!config) return replyError(new Error('config actor not running: thresholds cannot be stored'))
    await config.call({ type: 'set', key: CONFIG_KEY_ALERT_THRESHOLDS, value: update.thresholds })
    // a changed interval moves the next check at once
    this.schedule(update.thresholds)
    return { ok: true, reply: update.reply }
  }

  private async thresholds(): Promise<AlertThresholds> {
    const stored = await this.configValue(CONFIG_KEY_ALERT_THRESHOLDS)
    const { thresholds, problem } = thresholdsFromStored(stored)
    if (problem) this.ctx.log.warn('alert thresholds: stored value ignored', { problem })
    return thresholds
  }

  /** A config value through the config actor, else straight from its table (read-only). */
  private async configValue(key: string): Promise<unknown> {
    const system: ActorSystem = this.ctx.system
    if (system.whereis(ACTOR.config)) return askPeer<unknown>(system, ACTOR.config, { type: 'get', key }, null, this.peerTimeout())
    const storage = this.args.storage
    if (!storage || storage.isClosed) return null
    try {
      return storage.table<string, unknown>(CONFIG_TABLE).get(key) ?? null
    } catch {
      return null
    }
  }

  private async inputs(): Promise<AlertInputs> {
    const system = this.ctx.system
    const timeout = this.peerTimeout()
    const [stats, errors, assigned, online, llm, tierDownMs] = await Promise.all([
      askPeer<unknown>(system, ACTOR.taskQueue, { type: 'stats' }, null, timeout),
      askPeer<unknown>(system, ACTOR.metrics, { type: 'error_window' }, null, timeout),
      askPeer<unknown>(system, ACTOR.taskQueue, { type: 'list', filter: { status: 'assigned' } }, [], timeout),
      askPeer<unknown>(system, ACTOR.presence, { type: 'count' }, 0, timeout),
      askPeer<unknown>(system, ACTOR.llmRegistry, { type: 'routing_inputs' }, null, timeout),
      this.configValue(CONFIG_KEY_TIER_DOWN),
    ])
    return {
      queue_depth: queuedOf(stats),
      errors_1h: errorCountsOf(errors),
      assigned_tasks: assignedOf(assigned),
      agents_online: typeof online === 'number' && online > 0 ? online : 0,
      llm_endpoints: endpointsOf(llm),
      ...(typeof tierDownMs === 'number' && tierDownMs > 0 ? { tier_down_alert_threshold_ms: tierDownMs } : {}),
    }
  }

  private peerTimeout(): number {
    return this.args.peerTimeoutMs ?? ALERTER_PEER_TIMEOUT_MS
  }
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0
}

function queuedOf(stats: unknown): number {
  return num((stats as { by_status?: Record<string, unknown> } | null)?.by_status?.queued)
}

function errorCountsOf(value: unknown): AlertInputs['errors_1h'] {
  const e = (value ?? {}) as Record<string, unknown>
  return { total_tasks: num(e.total_tasks), failed: num(e.failed), dead_letter: num(e.dead_letter), failure_rate_pct: num(e.failure_rate_pct) }
}

function assignedOf(list: unknown): AlertInputs['assigned_tasks'] {
  if (!Array.isArray(list)) return []
  const out: Array<AlertInputs['assigned_tasks'][number]> = []
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue
    const t = item as Record<string, unknown>
    const taskId = typeof t.task_id === 'string' ? t.task_id : typeof t.id === 'string' ? t.id : null
    if (taskId === null) continue
    out.push({ task_id: taskId, assigned_at: typeof t.assigned_at === 'number' ? t.assigned_at : null, updated_at: typeof t.updated_at === 'number' ? t.updated_at : null })
  }
  return out
}

function endpointsOf(value: unknown): AlertInputs['llm_endpoints'] {
  const endpoints = (value as { endpoints?: unknown } | null)?.endpoints
  if (!Array.isArray(endpoints)) return []
  const out: Array<{ id: string; status: string }> = []
  for (const e of endpoints) {
    if (typeof e !== 'object' || e === null) continue
    const r = e as Record<string, unknown>
    const id = typeof r.id === 'string' ? r.id : typeof r.endpoint_id === 'string' ? r.endpoint_id : null
    if (id !== null) out.push({ id, status: typeof r.status === 'string' ? r.status : 'unknown' })
  }
  return out
}
