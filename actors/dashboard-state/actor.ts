// The `dashboard-state` actor (hardening.md §7.2): subscribes to the bus, keeps the aggregates
// the dashboard needs that no other actor keeps (completions ring, rolling-hour throughput,
// queue-growth samples, departures, validation history, storage events, alerts seen), and
// builds the snapshot of protocol.md §5.3 on `{type:'snapshot'}`, asking the owning actors for
// the rest. Every peer is optional: a missing one gives an empty section.
import { Actor, noReply, replyError, type From, type SystemInfo } from '../runtime'
import { ACTOR, TOPIC } from '../names'
import { AgentDepartures, dashboardHealth, type DashboardHealth, type HealthSignals } from '../health'
import { ValidationFailureHistory, type ValidationFailureEvent } from '../validation-tracker/failure-history'
import { defaultBackupDir, lastBackupTime, storageHealth, withCompactionEntry, type CompactionHistoryEntry, type DetsHealth, type Storage } from '../../storage'
import { routingStats } from '../routing/routing-stats'
import { CompletionLedger } from './completion-ledger'
import { alertOf } from './event-items'
import { askPeer, PEER_TIMEOUT_MS } from './peer-calls'
import { emptySnapshotSections, queueSection, toAgentRow, toDeadLetterRow, toQueuedRow, type DashboardSnapshot, type TaskLike } from './snapshot'

export const QUEUE_SAMPLE_INTERVAL_MS = 60_000
export const QUEUE_SAMPLES_KEPT = 3
const SUPERVISOR_EVENTS_KEPT = 200
const SUPERVISOR_EVENTS_WINDOW_MS = 3_600_000

export type DashboardStateCall =
  /** protocol.md §5.3 */
  | { type: 'snapshot' }
  /** `{status, conditions}` (§7.3) — the notifier's 60 s health check */
  | { type: 'health' }
  /** the alerts this actor saw fired and not cleared (fallback when no alerter runs) */
  | { type: 'active_alerts' }

export type DashboardStateCast = { type: 'queue_sample'; queued: number }
export type DashboardStateInfo = { type: 'sample_queue' }

export interface DashboardStateArgs {
  /** null/absent: storage health shows every table unavailable */
  storage?: Storage | null
  /** the hub's start time (uptime_ms); default: the clock at init */
  bootedAt?: number
  /** per-peer call timeout (default 1 s) */
  peerTimeoutMs?: number
  /** where backups are written (default `<dataDir>/backups`); read once at init for last_backup_at */
  backupDir?: string
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export class DashboardStateActor extends Actor<DashboardStateCall, DashboardStateCast, DashboardStateInfo, DashboardStateArgs> {
  private storage: Storage | null = null
  private bootedAt = 0
  private peerTimeoutMs = PEER_TIMEOUT_MS
  private readonly ledger = new CompletionLedger()
  private readonly departures = new AgentDepartures()
  private readonly lastKnownAgents = new Set<string>()
  private readonly validation = new ValidationFailureHistory()
  private queueSamples: number[] = []
  private supervisorEvents: Array<{ event: string; supervisor: string; child: string; at: number }> = []
  private readonly alertsSeen = new Map<string, Json>()
  private lastBackupAt: number | null = null
  private lastBackupResults: unknown[] = []
  private compactionHistory: CompactionHistoryEntry[] = []

  override init(args: DashboardStateArgs = {}): void {
    this.storage = args.storage ?? null
    this.bootedAt = args.bootedAt ?? this.ctx.clock.now()
    this.peerTimeoutMs = args.peerTimeoutMs ?? PEER_TIMEOUT_MS
    const backupDir = args.backupDir ?? (this.storage ? defaultBackupDir(this.storage.dataDir) : null)
    if (backupDir !== null) {
      try {
        this.lastBackupAt = lastBackupTime(backupDir)
      } catch {
        this.lastBackupAt = null
      }
    }
    for (const topic of [TOPIC.tasks, TOPIC.presence, TOPIC.validation, TOPIC.rateLimits, TOPIC.backups, TOPIC.metrics, TOPIC.alerts, TOPIC.llmRegistry, TOPIC.repoRegistry, TOPIC.supervisor]) {
      this.ctx.subscribe(topic)
    }
    this.ctx.interval({ type: 'sample_queue' }, QUEUE_SAMPLE_INTERVAL_MS)
  }

  override handleCall(msg: DashboardStateCall, from: From): unknown {
    switch (msg?.type) {
      case 'snapshot':
        this.buildSnapshot().then((s) => from.reply(s), (e) => from.fail(e))
        return noReply
      case 'health':
        this.currentHealth().then((h) => from.reply(h), (e) => from.fail(e))
        return noReply
      case 'active_alerts':
        return [...this.alertsSeen.values()]
      default:
        return replyError(new TypeError(`dashboard-state: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override handleCast(msg: DashboardStateCast): void {
    if (msg?.type === 'queue_sample') {
      this.queueSamples = [...this.queueSamples, msg.queued].slice(-QUEUE_SAMPLES_KEPT)
    }
  }

  override handleInfo(msg: DashboardStateInfo | SystemInfo): void {
    if (msg.type === 'sample_queue') {
      const self = this.ctx.self
      void askPeer<Json>(this.ctx.system, ACTOR.taskQueue, { type: 'stats' }, {}, this.peerTimeoutMs).then((stats) => {
        const byStatus = isObject(stats.by_status) ? stats.by_status : null
        if (byStatus !== null) self.cast({ type: 'queue_sample', queued: typeof byStatus.queued === 'number' ? byStatus.queued : 0 })
      })
      return
    }
    if (msg.type === 'bus') this.onBusEvent(msg.topic, msg.event)
  }

  // ---- aggregation (§7.2) ---------------------------------------------------------------------

  private onBusEvent(topic: string, event: unknown): void {
    if (!isObject(event)) return
    const now = this.ctx.clock.now()
    switch (topic) {
      case TOPIC.tasks:
        return this.onTaskEvent(event, now)
      case TOPIC.presence:
        return this.onPresence(event, now)
      case TOPIC.validation:
        if (event.type === 'validation_failure') this.validation.recordFailure(validationFailureOf(event, now))
        else if (event.type === 'validation_disconnect') this.validation.recordDisconnect({ agent_id: typeof event.agent_id === 'string' ? event.agent_id : null, timestamp: numberOr(event.timestamp, now) })
        return
      case TOPIC.backups:
        return this.onStorageEvent(event, now)
      case TOPIC.alerts:
        return this.onAlertEvent(event)
      case TOPIC.supervisor:
        if (typeof event.event === 'string') {
          this.supervisorEvents.push({ event: event.event, supervisor: String(event.supervisor ?? ''), child: String(event.child ?? ''), at: numberOr(event.at, now) })
          this.supervisorEvents = this.supervisorEvents.filter((e) => now - e.at <= SUPERVISOR_EVENTS_WINDOW_MS).slice(-SUPERVISOR_EVENTS_KEPT)
        }
        return
      default:
        return
    }
  }

  /** Only the queue's events count (the socket's carry `source: 'socket'`): §7.2 counting defect fixed. */
  private onTaskEvent(event: Json, now: number): void {
    if (event.type !== 'task_event' || event.source === 'socket') return
    const task = isObject(event.task) ? (event.task as TaskLike) : null
    const at = numberOr(event.timestamp, now)
    switch (event.event) {
      case 'task_completed':
        if (task !== null && typeof task.id === 'string') this.ledger.recordCompletion(task as TaskLike & { id: string }, typeof event.agent_id === 'string' ? event.agent_id : null, at)
        return
      case 'task_dead_letter':
        this.ledger.recordFailure(at)
        return
      case 'task_retried':
        // a failure requeue carries the error; an operator's dead-letter retry clears it
        if (task !== null && task.last_error !== null && task.last_error !== undefined) this.ledger.recordFailure(at)
        return
      default:
        return
    }
  }

  private onPresence(event: Json, now: number): void {
    const agent = isObject(event.agent) ? event.agent : event
    const agentId = typeof agent.agent_id === 'string' ? agent.agent_id : null
    if (agentId === null) return
    if (event.type === 'agent_joined') {
      this.lastKnownAgents.add(agentId)
      this.departures.joined(agentId)
    } else if (event.type === 'agent_left') {
      this.departures.left(agentId, now)
    }
  }

  private onStorageEvent(event: Json, now: number): void {
    const at = numberOr(event.timestamp, now)
    if (event.type === 'backup_complete') {
      this.lastBackupAt = at
      this.lastBackupResults = Array.isArray(event.results) ? event.results : Array.isArray(event.tables_backed_up) ? event.tables_backed_up.map((table) => ({ table, status: 'ok' })) : []
    } else if (event.type === 'compaction_complete' || event.type === 'compaction_failed') {
      const results = Array.isArray(event.results) ? event.results : Array.isArray(event.failures) ? event.failures : []
      this.compactionHistory = withCompactionEntry(this.compactionHistory, { timestamp: at, results: results as CompactionHistoryEntry['results'] })
    }
  }

  private onAlertEvent(event: Json): void {
    if (event.type === 'alert_fired') {
      const alert = alertOf(event)
      if (alert !== null && typeof alert.rule_id === 'string') this.alertsSeen.set(alert.rule_id, { ...alert })
    } else if (event.type === 'alert_cleared' && typeof event.rule_id === 'string') {
      this.alertsSeen.delete(event.rule_id)
    } else if (event.type === 'alert_acknowledged' && typeof event.rule_id === 'string') {
      const alert = this.alertsSeen.get(event.rule_id)
      if (alert) alert.acknowledged = true
    }
  }

  // ---- snapshot (§5.3) -------------------------------------------------------------------------

  private ask<T>(name: string, msg: { type: string; [k: string]: unknown }, fallback: T): Promise<T> {
    return askPeer(this.ctx.system, name, msg, fallback, this.peerTimeoutMs)
  }

  private async activeAlerts(): Promise<Json[]> {
    const fromAlerter = this.ctx.system.whereis(ACTOR.alerter) ? await this.ask<unknown>(ACTOR.alerter, { type: 'active_alerts' }, null) : null
    return Array.isArray(fromAlerter) ? (fromAlerter as Json[]) : [...this.alertsSeen.values()].map((a) => ({ ...a }))
  }

  private detsHealth(now: number): DetsHealth {
    return storageHealth(this.storage !== null && !this.storage.isClosed ? this.storage : null, { now, lastBackupAt: this.lastBackupAt })
  }

  private healthFrom(now: number, assigned: TaskLike[], dets: DetsHealth, alerts: Json[]): DashboardHealth {
    const signals: HealthSignals = {
      now,
      booted_at: this.bootedAt,
      departed_agents: this.departures.recent(now),
      queue_minute_samples: this.queueSamples,
      hour: this.ledger.hourOutcomes(now),
      assigned_tasks: assigned.map((t) => ({ task_id: String(t.id), assigned_at: numberOrNull(t.assigned_at), updated_at: numberOrNull(t.updated_at) })),
      storage:
        this.storage === null
          ? null
          : { mode: dets.storage_mode, degraded_reason: dets.degraded?.reason ?? null, last_backup_at: this.lastBackupAt, tables: dets.tables },
      validation_failures_1h: this.validation.failuresThisHour(now),
      supervisor_events: this.supervisorEvents,
      active_alerts: alerts.map((a) => ({ rule_id: String(a.rule_id), severity: String(a.severity), message: String(a.message ?? ''), acknowledged: a.acknowledged === true })),
    }
    return dashboardHealth(signals)
  }

  private async currentHealth(): Promise<DashboardHealth> {
    const now = this.ctx.clock.now()
    const [assigned, alerts] = await Promise.all([
      this.ask<TaskLike[]>(ACTOR.taskQueue, { type: 'list', filter: { status: 'assigned' } }, []),
      this.activeAlerts(),
    ])
    return this.healthFrom(now, assigned, this.detsHealth(now), alerts)
  }

  private async buildSnapshot(): Promise<DashboardSnapshot> {
    const now = this.ctx.clock.now()
    // local aggregates are copied now; peers answer meanwhile
    const recent = this.ledger.recentCompletions()
    const throughput = this.ledger.throughput(now)
    const validation = this.validation.view(now)
    const dets = this.detsHealth(now)
    const empty = emptySnapshotSections()
    const [stats, deadLetter, queued, assigned, agents, alerts, llm, repos, routing] = await Promise.all([
      this.ask<Json>(ACTOR.taskQueue, { type: 'stats' }, {}),
      this.ask<TaskLike[]>(ACTOR.taskQueue, { type: 'dead_letter' }, []),
      this.ask<TaskLike[]>(ACTOR.taskQueue, { type: 'list', filter: { status: 'queued' } }, []),
      this.ask<TaskLike[]>(ACTOR.taskQueue, { type: 'list', filter: { status: 'assigned' } }, []),
      this.ask<Json[]>(ACTOR.agents, { type: 'list' }, []),
      this.activeAlerts(),
      this.ask<Json>(ACTOR.llmRegistry, { type: 'snapshot' }, empty.llm_registry),
      this.ask<unknown>(ACTOR.repoRegistry, { type: 'list' }, []),
      this.ask<Json | null>(ACTOR.taskQueue, { type: 'routing_stats' }, null),
    ])
    const agentRows = (Array.isArray(agents) ? agents : []).map(toAgentRow)
    const rateLimits = await this.ask<Json>(ACTOR.rateLimiter, { type: 'dashboard_view', agent_ids: agentRows.map((a) => a.agent_id) }, empty.rate_limits)
    const { health_status: _h, stale_backup: _s, high_fragmentation: _f, ...detsTables } = dets
    return {
      uptime_ms: now - this.bootedAt,
      timestamp: now,
      health: this.healthFrom(now, Array.isArray(assigned) ? assigned : [], dets, alerts),
      agents: agentRows,
      queue: queueSection(stats, Array.isArray(queued) ? queued : undefined),
      dead_letter_tasks: (Array.isArray(deadLetter) ? deadLetter : []).map(toDeadLetterRow),
      queued_tasks: (Array.isArray(queued) ? queued : []).map(toQueuedRow),
      recent_completions: recent,
      throughput,
      dets_health: {
        ...detsTables,
        health_status: dets.health_status,
        last_backup_results: this.lastBackupResults,
        last_compaction_at: this.compactionHistory[0]?.timestamp ?? null,
        compaction_history: this.compactionHistory,
      },
      compaction_history: this.compactionHistory,
      validation,
      active_alerts: alerts,
      rate_limits: rateLimits,
      llm_registry: llm,
      repo_registry: Array.isArray(repos) ? { repos } : isObject(repos) && Array.isArray(repos.repos) ? { repos: repos.repos } : empty.repo_registry,
      routing_stats: routing ?? routingStats([...(Array.isArray(queued) ? queued : []), ...(Array.isArray(assigned) ? assigned : []), ...recent].map(decisionOf)),
      last_known_agents: [...this.lastKnownAgents],
    }
  }
}

/** The routing decision a task or completion carries, if it has the counted fields. */
function decisionOf(item: { routing_decision?: unknown }): Parameters<typeof routingStats>[0] extends Iterable<infer D> ? D : never {
  const d = item.routing_decision
  if (!isObject(d) || typeof d.effective_tier !== 'string' || typeof d.target_type !== 'string') return null
  return { effective_tier: d.effective_tier, target_type: d.target_type as 'sidecar' | 'ollama' | 'claude', fallback_used: d.fallback_used === true }
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

function validationFailureOf(event: Json, now: number): ValidationFailureEvent {
  return {
    agent_id: typeof event.agent_id === 'string' ? event.agent_id : null,
    message_type: typeof event.message_type === 'string' ? event.message_type : 'unknown',
    error_count: typeof event.error_count === 'number' ? event.error_count : 0,
    timestamp: numberOr(event.timestamp, now),
  }
}

