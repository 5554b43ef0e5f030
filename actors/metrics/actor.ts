// The `metrics` actor (hardening.md §4.1): feeds MetricsAggregator from bus topic `telemetry`,
// and every 10 s asks the owning actors for what events cannot tell (queue depth, live FSMs,
// agents online, storage health), takes a snapshot and publishes `{type:'metrics_snapshot',
// data}` on topic `metrics`. Every peer is optional and asked with a short timeout: a missing or
// slow peer contributes its neutral value, never a crash or a stalled tick.
import { Actor, replyError, type ActorSystem, type SystemInfo } from '../runtime'
import { ACTOR, TOPIC } from '../names'
import { defaultBackupDir, lastBackupTime, storageHealth, type Storage } from '../../storage'
import { MetricsAggregator, SNAPSHOT_INTERVAL_MS, type ErrorCounts, type LiveInputs, type MetricsSnapshot, type Throughput } from './metrics-aggregator'
import { toPrometheus, type PrometheusExposition } from './prometheus'
import { asTelemetryEvent } from './telemetry-events'

export const PEER_TIMEOUT_MS = 1_000

export interface MetricsArgs {
  /** for `dets_health` in the snapshot; omitted → null */
  storage?: Storage
  /** for the backup age of `dets_health` */
  dataDir?: string
  /** default 10 000 ms */
  snapshotIntervalMs?: number
  peerTimeoutMs?: number
}

export type MetricsCall =
  /** → MetricsSnapshot (`GET /api/metrics`), fresh live inputs */
  | { type: 'snapshot' }
  /** → PrometheusExposition (`GET /metrics`) */
  | { type: 'prometheus' }
  /** → ErrorCounts over the last hour (alerter) */
  | { type: 'error_window' }
  /** → Throughput over the last hour */
  | { type: 'throughput' }
  /** runs the 10 s tick now (tests, console) → MetricsSnapshot */
  | { type: 'tick_now' }

export interface MetricsSnapshotEvent {
  type: 'metrics_snapshot'
  data: MetricsSnapshot
}

type Info = { type: 'tick' }

export class MetricsActor extends Actor<MetricsCall, never, Info, MetricsArgs | undefined> {
  private readonly aggregator = new MetricsAggregator()
  private args: MetricsArgs = {}
  private lastBackupAt: number | null = null
  private last: MetricsSnapshot | null = null
  private eventsSeen = 0

  override init(args: MetricsArgs | undefined): void {
    this.args = args ?? {}
    if (this.args.dataDir !== undefined) this.lastBackupAt = safeLastBackup(this.args.dataDir)
    this.ctx.subscribe(TOPIC.telemetry)
    this.ctx.subscribe(TOPIC.backups)
    this.ctx.interval({ type: 'tick' }, this.args.snapshotIntervalMs ?? SNAPSHOT_INTERVAL_MS)
  }

  override async handleCall(msg: MetricsCall): Promise<unknown> {
    const now = this.ctx.clock.now()
    switch (msg?.type) {
      case 'snapshot':
        return this.aggregator.snapshot(now, await this.liveInputs(now))
      case 'prometheus':
        return toPrometheus(this.aggregator.snapshot(now, await this.liveInputs(now))) satisfies Promise<PrometheusExposition>
      case 'error_window':
        return this.aggregator.errorWindow(now) satisfies ErrorCounts
      case 'throughput':
        return this.aggregator.throughput(now) satisfies Throughput
      case 'tick_now':
        return this.tick()
      default:
        return replyError(new TypeError('metrics: unknown call'))
    }
  }

  override async handleInfo(msg: Info | SystemInfo): Promise<void> {
    if (msg.type === 'tick') {
      await this.tick()
      return
    }
    if (msg.type !== 'bus') return
    if (msg.topic === TOPIC.telemetry) {
      const event = asTelemetryEvent(withAt(msg.event))
      if (event === null) return
      this.aggregator.record(event)
      this.eventsSeen++
    } else if (msg.topic === TOPIC.backups) {
      const event = msg.event as { type?: unknown; timestamp?: unknown } | null
      if (event?.type === 'backup_complete') this.lastBackupAt = typeof event.timestamp === 'number' ? event.timestamp : this.ctx.clock.now()
    }
  }

  override snapshot(): unknown {
    return { events_seen: this.eventsSeen, totals: this.aggregator.totals, last_snapshot: this.last }
  }

  private async tick(): Promise<MetricsSnapshot> {
    const now = this.ctx.clock.now()
    const live = await this.liveInputs(now)
    const snapshot = this.aggregator.tick(this.ctx.clock.now(), live)
    this.last = snapshot
    const event: MetricsSnapshotEvent = { type: 'metrics_snapshot', data: snapshot }
    this.ctx.publish(TOPIC.metrics, event)
    return snapshot
  }

  private async liveInputs(now: number): Promise<LiveInputs> {
    const system = this.ctx.system
    const timeout = this.args.peerTimeoutMs ?? PEER_TIMEOUT_MS
    const [stats, agents, online] = await Promise.all([
      askPeer<{ by_status?: Record<string, number> }>(system, ACTOR.taskQueue, { type: 'stats' }, {}, timeout),
      askPeer<unknown[]>(system, ACTOR.agents, { type: 'list' }, [], timeout),
      askPeer<number>(system, ACTOR.presence, { type: 'count' }, 0, timeout),
    ])
    return {
      queue_depth: queuedOf(stats),
      agents: liveAgents(agents),
      agents_online: typeof online === 'number' && online >= 0 ? online : 0,
      dets_health: this.detsHealth(now),
    }
  }

  private detsHealth(now: number): unknown {
    const storage = this.args.storage
    if (storage === undefined) return null
    try {
      return storageHealth(storage.isClosed ? null : storage, { now, lastBackupAt: this.lastBackupAt })
    } catch {
      return null
    }
  }
}

/** A call to an optional peer: absent, failing or slow → `fallback`. */
export async function askPeer<T>(system: ActorSystem, name: string, msg: object, fallback: T, timeoutMs: number): Promise<T> {
  const ref = system.whereis(name)
  if (!ref) return fallback
  try {
    return await ref.call<T>(msg, { timeoutMs })
  } catch {
    return fallback
  }
}

/** Events of the task pipeline carry `timestamp` instead of `at`. */
export function withAt(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null) return payload
  const p = payload as Record<string, unknown>
  if (typeof p.at === 'number' || typeof p.timestamp !== 'number') return payload
  return { ...p, at: p.timestamp }
}

function queuedOf(stats: unknown): number {
  const queued = (stats as { by_status?: Record<string, unknown> } | null)?.by_status?.queued
  return typeof queued === 'number' && queued >= 0 ? queued : 0
}

function liveAgents(list: unknown): LiveInputs['agents'] {
  if (!Array.isArray(list)) return []
  const out: Array<{ agent_id: string; fsm_state: string; connected_at: number | null }> = []
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue
    const a = item as Record<string, unknown>
    if (typeof a.agent_id !== 'string') continue
    out.push({ agent_id: a.agent_id, fsm_state: typeof a.fsm_state === 'string' ? a.fsm_state : 'idle', connected_at: typeof a.connected_at === 'number' ? a.connected_at : null })
  }
  return out
}

function safeLastBackup(dataDir: string): number | null {
  try {
    return lastBackupTime(defaultBackupDir(dataDir))
  } catch {
    return null
  }
}
