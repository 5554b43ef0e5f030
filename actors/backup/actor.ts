// The backup actor (ACTOR.backup): scheduled and on-demand backups of the LMDB environment,
// table restores, and the on-demand integrity check (hardening.md §1.2, §1.4).
//
// The schedule is a node-cron expression evaluated on the actor's clock (cron-schedule.ts says
// why node-cron's own timers are not used), so a virtual-clock test sees the daily backup.
// Every operation here is serialised by the actor's mailbox and, below it, by
// `storage.exclusive` (compaction cannot interleave with a backup or a restore).
import { Actor, replyError, type SystemInfo } from '../runtime'
import { TOPIC } from '../names'
import {
  backup,
  backupResponse,
  BACKUPS_KEPT,
  defaultBackupDir,
  degradeEnvironment,
  isManagedTable,
  lastBackupTime,
  listBackups,
  MANAGED_TABLES,
  restoreEnvironment,
  restoreResponse,
  restoreTable,
  UnknownTableError,
  verifyLive,
  type BackupEntry,
  type BackupResponse,
  type BackupResult,
  type BackupTableResult,
  type RestoreResponse,
  type Storage,
  type TableName,
  type VerifyOptions,
} from '../../storage'
import { DEFAULT_BACKUP_SCHEDULE, nextFireTime, parseCronSchedule, type CronSchedule } from './cron-schedule'
import { backupSpan, restoreSpan } from './maintenance-telemetry'
import { ownersOf, withOwnersStopped } from './table-owners'

export interface BackupActorArgs {
  storage: Storage
  dataDir: string
  /** Default `<dataDir>/backups`. */
  backupDir?: string
  /** node-cron expression, UTC. Default daily at 03:00 (`DEFAULT_BACKUP_SCHEDULE`). */
  schedule?: string
  /** Backups kept, newest first. Default 3. */
  keep?: number
  /** Verifier child settings (tests pass a light loader). */
  verify?: VerifyOptions
  /**
   * After a clean-close start, start-up checked the file's structure only; the full record
   * decode runs this long after the actor starts (a live check, off the start-up path).
   * Default 60 000 ms.
   */
  deferredCheckMs?: number
}

export const DEFERRED_INTEGRITY_CHECK_MS = 60_000

export type RestoreTrigger = 'manual' | 'auto'

export type BackupCall =
  /** → BackupResponse (protocol.md §4.9) */
  | { type: 'backup' }
  /** → BackupStatus */
  | { type: 'status' }
  /** → RestoreResponse ({httpStatus, body}); unknown table → replyError(UnknownTableError) */
  | { type: 'restore_table'; table: string; trigger?: RestoreTrigger }
  /** → IntegrityReport */
  | { type: 'integrity_check' }

/** Owners that met a damaged table ask for a restore without waiting (trigger `auto`). */
export type BackupCast = { type: 'restore_table'; table: string; trigger?: RestoreTrigger }

type BackupInfo = { type: 'scheduled_backup' } | { type: 'deferred_integrity_check' }

export interface BackupStatus {
  schedule: string
  next_backup_at: number | null
  backup_dir: string
  keep: number
  last_backup_at: number | null
  last_backup_results: BackupTableResult[]
  backups: BackupEntry[]
}

export interface IntegrityReport {
  /** ok: clean · restored: was damaged, newest good backup swapped in · degraded: was damaged, no usable backup, started empty. */
  status: 'ok' | 'restored' | 'degraded'
  checked_at: number
  duration_ms: number
  problems: string[]
  backup_used: string | null
  damaged_file_kept_at: string | null
  data_lost: boolean
}

export class BackupActor extends Actor<BackupCall, BackupCast, BackupInfo, BackupActorArgs> {
  private storage!: Storage
  private backupDir = ''
  private keep = BACKUPS_KEPT
  private schedule!: CronSchedule
  private verifyOptions: VerifyOptions = {}
  private nextBackupAt: number | null = null
  private lastBackupAt: number | null = null
  private lastBackupResults: BackupTableResult[] = []

  override init(args: BackupActorArgs): void {
    this.storage = args.storage
    this.backupDir = args.backupDir ?? defaultBackupDir(args.dataDir)
    this.keep = args.keep ?? BACKUPS_KEPT
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new RangeError(`backup actor: keep must be a positive integer, got ${args.keep}`)
    this.schedule = parseCronSchedule(args.schedule ?? DEFAULT_BACKUP_SCHEDULE)
    this.verifyOptions = args.verify ?? {}
    // survives restarts: the newest file on disk says when the last backup ran
    this.lastBackupAt = lastBackupTime(this.backupDir)
    this.armSchedule()
    if (!this.storage.recordsVerified) this.ctx.sendAfter({ type: 'deferred_integrity_check' }, args.deferredCheckMs ?? DEFERRED_INTEGRITY_CHECK_MS)
  }

  override async handleCall(msg: BackupCall): Promise<unknown> {
    switch (msg.type) {
      case 'backup':
        return this.runBackup('manual')
      case 'status':
        return this.status()
      case 'restore_table':
        if (!isManagedTable(msg.table)) return replyError(new UnknownTableError(msg.table))
        return this.restoreOneTable(msg.table, msg.trigger ?? 'manual')
      case 'integrity_check':
        return this.checkIntegrity()
    }
  }

  override async handleCast(msg: BackupCast): Promise<void> {
    if (msg.type !== 'restore_table' || !isManagedTable(msg.table)) {
      this.ctx.log.warn('restore request for an unknown table ignored', { table: String((msg as { table?: unknown }).table) })
      return
    }
    await this.restoreOneTable(msg.table, msg.trigger ?? 'auto')
  }

  override async handleInfo(msg: BackupInfo | SystemInfo): Promise<void> {
    if (msg.type === 'deferred_integrity_check') {
      const report = await this.checkIntegrity()
      this.ctx.log.info('deferred integrity check of the records (start-up checked the structure only)', { status: report.status, duration_ms: report.duration_ms })
      return
    }
    if (msg.type !== 'scheduled_backup') return
    await this.runBackup('scheduled')
    this.armSchedule()
  }

  /** The console's `state(backup)`: the status without the directory listing or storage handles. */
  override snapshot(): unknown {
    return { schedule: this.schedule.expression, next_backup_at: this.nextBackupAt, backup_dir: this.backupDir, keep: this.keep, last_backup_at: this.lastBackupAt, last_backup_results: this.lastBackupResults }
  }

  private armSchedule(): void {
    const now = this.ctx.clock.now()
    this.nextBackupAt = nextFireTime(this.schedule, now)
    if (this.nextBackupAt === null) {
      this.ctx.log.warn('the backup schedule never fires; only manual backups will run', { schedule: this.schedule.expression })
      return
    }
    this.ctx.sendAfter({ type: 'scheduled_backup' }, this.nextBackupAt - now)
  }

  private async runBackup(trigger: 'manual' | 'scheduled'): Promise<BackupResponse> {
    const clock = this.ctx.clock
    let outcome: BackupResult | Error
    try {
      outcome = await backup(this.storage, this.backupDir, { now: () => clock.now(), keep: this.keep })
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error))
    }
    const response = backupResponse(outcome)
    this.lastBackupResults = response.results
    const timestamp = clock.now()
    if (outcome instanceof Error) {
      // unlike the original, a failed run does not count as "last backup" (health stays stale)
      this.ctx.log.error('dets_backup_failed', { trigger, reason: outcome.message, backup_dir: this.backupDir })
      this.ctx.publish(TOPIC.backups, { type: 'backup_failed', timestamp, reason: outcome.message, backup_dir: this.backupDir, trigger })
      this.ctx.publish(TOPIC.telemetry, backupSpan(timestamp, 0, { error: outcome.message }))
      return response
    }
    this.lastBackupAt = outcome.takenAt
    this.ctx.log.info('dets_backup_complete', { trigger, success: response.tables_success, total: response.tables_total, backup: outcome.name, removed: outcome.removed, duration_ms: outcome.durationMs })
    this.ctx.publish(TOPIC.backups, {
      type: 'backup_complete',
      timestamp: outcome.takenAt,
      tables_backed_up: [...MANAGED_TABLES],
      backup_dir: this.backupDir,
      backup_name: outcome.name,
      results: response.results,
      trigger,
    })
    this.ctx.publish(TOPIC.telemetry, backupSpan(timestamp, outcome.durationMs, { status: 'ok' }))
    return response
  }

  private status(): BackupStatus {
    return {
      schedule: this.schedule.expression,
      next_backup_at: this.nextBackupAt,
      backup_dir: this.backupDir,
      keep: this.keep,
      last_backup_at: this.lastBackupAt,
      last_backup_results: this.lastBackupResults,
      backups: listBackups(this.backupDir),
    }
  }

  /** Restores one table with its owner stopped; never reports "restored" without a backup. */
  private async restoreOneTable(table: TableName, trigger: RestoreTrigger): Promise<RestoreResponse> {
    const started = this.ctx.clock.now()
    const result = await withOwnersStopped(this.ctx.system, ownersOf([table]), this.ctx.log, () => restoreTable(this.storage, table, this.backupDir, this.verifyOptions))
    const timestamp = this.ctx.clock.now()
    if (result.status === 'restored') {
      this.ctx.log.warn('dets_restore_complete', { table, backup_used: result.backupUsed, record_count: result.recordCount, trigger })
      this.ctx.publish(TOPIC.backups, { type: 'recovery_complete', timestamp, table, backup_used: result.backupUsed, record_count: result.recordCount, trigger })
    } else {
      const level = result.error === 'no_usable_backup' ? 'CRITICAL: dets_no_backup' : 'dets_restore_failed'
      this.ctx.log.error(level, { table, reason: result.error, trigger, rejected_backups: result.rejectedBackups.map((r) => r.name) })
      this.ctx.publish(TOPIC.backups, { type: 'recovery_failed', timestamp, table, reason: result.error, trigger })
    }
    const outcome = result.status === 'restored' ? { status: 'restored', backup_used: result.backupUsed, record_count: result.recordCount } : { status: 'failed' }
    this.ctx.publish(TOPIC.telemetry, restoreSpan(timestamp, table, timestamp - started, outcome))
    return restoreResponse(result)
  }

  /**
   * verifyLive; damaged → the whole environment is replaced by the newest good backup (the data
   * file is one unit: a damaged page can belong to any table); none → degraded mode. Every
   * table owner is stopped during the swap and rebuilds from the new file.
   */
  private async checkIntegrity(): Promise<IntegrityReport> {
    const started = this.ctx.clock.now()
    const verification = await verifyLive(this.storage, this.verifyOptions)
    const report = (status: IntegrityReport['status'], extra: Partial<IntegrityReport> = {}): IntegrityReport => ({
      status,
      checked_at: started,
      duration_ms: verification.durationMs,
      problems: verification.problems,
      backup_used: null,
      damaged_file_kept_at: null,
      data_lost: false,
      ...extra,
    })
    if (verification.ok) return report('ok')

    const why = verification.problems.slice(0, 3).join('; ')
    this.ctx.log.error('dets_corruption_detected', { table: 'all', reason: why })
    const owners = ownersOf([...MANAGED_TABLES, 'tokens', 'rate_limit_overrides', 'llm_registry', 'push_subscriptions', 'push_keys', 'verification_reports'])
    return withOwnersStopped(this.ctx.system, owners, this.ctx.log, async () => {
      const now = this.ctx.clock.now()
      const restored = await restoreEnvironment(this.storage, this.backupDir, now, this.verifyOptions)
      if (restored.status === 'restored') {
        this.ctx.log.warn(`storage: the live data file was damaged (${why}); restored backup ${restored.backupUsed}; damaged file kept at ${restored.previousFileKeptAt}`)
        this.ctx.publish(TOPIC.backups, { type: 'recovery_complete', timestamp: now, table: 'all', backup_used: restored.backupUsed, record_count: null, trigger: 'auto' })
        return report('restored', { backup_used: restored.backupUsed, damaged_file_kept_at: restored.previousFileKeptAt })
      }
      const reason = `the live data file was damaged (${why}) and no usable backup exists in ${this.backupDir}`
      const degraded = await degradeEnvironment(this.storage, reason, now)
      // loud on purpose (hardening.md §1.4 `dets_degraded_mode`, data_lost: true)
      this.ctx.log.error(`CRITICAL: DEGRADED MODE, DATA LOST: ${reason}; continuing with an empty store; damaged file kept at ${degraded.damagedFileKeptAt}`, { data_lost: true })
      this.ctx.publish(TOPIC.backups, { type: 'recovery_failed', timestamp: now, table: 'all', reason: 'no_usable_backup', trigger: 'auto', data_lost: true })
      return report('degraded', { damaged_file_kept_at: degraded.damagedFileKeptAt, data_lost: true })
    })
  }
}
