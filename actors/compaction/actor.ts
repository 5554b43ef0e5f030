// The compaction actor (ACTOR.compaction): every 6 h (configurable) and on demand, rewrites
// the LMDB file when its dead space passes the threshold (hardening.md §1.3). The skip rule and
// the one retry live in storage's `compact`; this actor owns the timer, the history and events.
//
// One environment file holds every table, so compacting "one table" compacts the file; the
// reply is that table's entry (protocol.md §4.9 shape).
import { Actor, replyError, type SystemInfo } from '../runtime'
import { TOPIC } from '../names'
import {
  compact,
  compactResponse,
  compactTableResponse,
  COMPACTION_HISTORY_LIMIT,
  COMPACTION_THRESHOLD,
  isManagedTable,
  UnknownTableError,
  type CompactOptions,
  type CompactResponse,
  type CompactTableResult,
  type CompactionResult,
  type Storage,
} from '../../storage'
import { compactionSpan } from '../backup/maintenance-telemetry'

/** hardening.md §1.3 `compaction_interval_ms`. */
export const DEFAULT_COMPACTION_INTERVAL_MS = 6 * 60 * 60 * 1000

export interface CompactionActorArgs {
  storage: Storage
  /** Default 6 h. */
  intervalMs?: number
  /** Skip below this fragmentation ratio. Default 0.1. */
  threshold?: number
  /** Writes the compacted copy (tests inject a failing one). Default storage's writer. */
  writeCopy?: CompactOptions['writeCopy']
}

export type CompactionCall =
  /** all tables → CompactResponse; one table → CompactTableResult; unknown table → replyError(UnknownTableError) */
  | { type: 'compact'; table?: string; force?: boolean }
  /** → CompactionStatus */
  | { type: 'status' }

type CompactionInfo = { type: 'scheduled_compaction' }

export interface CompactionHistoryItem {
  timestamp: number
  trigger: 'manual' | 'scheduled'
  results: CompactTableResult[]
}

export interface CompactionStatus {
  interval_ms: number
  threshold: number
  next_compaction_at: number
  last_compaction_at: number | null
  compaction_history: CompactionHistoryItem[]
}

export class CompactionActor extends Actor<CompactionCall, never, CompactionInfo, CompactionActorArgs> {
  private storage!: Storage
  private intervalMs = DEFAULT_COMPACTION_INTERVAL_MS
  private threshold = COMPACTION_THRESHOLD
  private writeCopy: CompactOptions['writeCopy'] = undefined
  private nextCompactionAt = 0
  private history: CompactionHistoryItem[] = []

  override init(args: CompactionActorArgs): void {
    this.storage = args.storage
    this.intervalMs = args.intervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS
    if (!(Number.isFinite(this.intervalMs) && this.intervalMs > 0)) throw new RangeError(`compaction actor: intervalMs must be a positive number, got ${args.intervalMs}`)
    this.threshold = args.threshold ?? COMPACTION_THRESHOLD
    if (!(this.threshold >= 0 && this.threshold <= 1)) throw new RangeError(`compaction actor: threshold must be within 0..1, got ${args.threshold}`)
    this.writeCopy = args.writeCopy
    this.ctx.interval({ type: 'scheduled_compaction' }, this.intervalMs)
    this.nextCompactionAt = this.ctx.clock.now() + this.intervalMs
  }

  override async handleCall(msg: CompactionCall): Promise<unknown> {
    switch (msg.type) {
      case 'compact': {
        if (msg.table === undefined) return this.compactAll('manual', msg.force === true)
        if (!isManagedTable(msg.table)) return replyError(new UnknownTableError(msg.table))
        const result = await this.run(msg.force === true)
        const entry = compactTableResponse(msg.table, result)
        this.record('manual', [entry])
        this.ctx.publish(TOPIC.telemetry, compactionSpan(this.ctx.clock.now(), msg.table, result.durationMs, result.status, result.retried))
        return entry
      }
      case 'status':
        return this.status()
    }
  }

  override async handleInfo(msg: CompactionInfo | SystemInfo): Promise<void> {
    if (msg.type !== 'scheduled_compaction') return
    this.nextCompactionAt = this.ctx.clock.now() + this.intervalMs
    await this.compactAll('scheduled', false)
  }

  /** The console's `state(compaction)`: no storage handles. */
  override snapshot(): unknown {
    return this.status()
  }

  private async compactAll(trigger: 'manual' | 'scheduled', force: boolean): Promise<CompactResponse> {
    const result = await this.run(force)
    const response = compactResponse(result)
    const timestamp = this.record(trigger, response.results)
    this.ctx.publish(TOPIC.telemetry, compactionSpan(timestamp, 'all', result.durationMs, result.status, result.retried))
    this.ctx.publish(TOPIC.backups, { type: 'compaction_complete', timestamp, results: response.results, trigger })
    if (result.status === 'error') {
      this.ctx.log.error('dets_compaction_failed', { reason: result.reason, retried: result.retried, trigger })
      // the original published compaction_failed for scheduled runs only; a failed manual run is no less a failure
      this.ctx.publish(TOPIC.backups, { type: 'compaction_failed', timestamp, failures: response.results.filter((r) => r.status === 'error'), trigger })
    } else if (result.status === 'compacted') {
      this.ctx.log.info('dets_compaction_complete', { trigger, retried: result.retried, bytes_before: result.bytesBefore, bytes_after: result.bytesAfter, duration_ms: result.durationMs })
    }
    return response
  }

  /** Never throws: a failure that escaped storage's own retry is an `error` result. */
  private async run(force: boolean): Promise<CompactionResult> {
    const clock = this.ctx.clock
    try {
      return await compact(this.storage, { threshold: this.threshold, force, now: () => clock.now(), writeCopy: this.writeCopy })
    } catch (error) {
      return { status: 'error', reason: String((error as Error)?.message ?? error), retried: false, durationMs: 0, fragmentationBefore: 0, fragmentationAfter: 0, bytesBefore: 0, bytesAfter: 0 }
    }
  }

  private record(trigger: 'manual' | 'scheduled', results: CompactTableResult[]): number {
    const timestamp = this.ctx.clock.now()
    this.history = [{ timestamp, trigger, results }, ...this.history].slice(0, COMPACTION_HISTORY_LIMIT)
    return timestamp
  }

  private status(): CompactionStatus {
    return {
      interval_ms: this.intervalMs,
      threshold: this.threshold,
      next_compaction_at: this.nextCompactionAt,
      last_compaction_at: this.history[0]?.timestamp ?? null,
      compaction_history: this.history,
    }
  }
}
