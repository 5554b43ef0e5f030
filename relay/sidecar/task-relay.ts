// The sidecar's task logic between the hub connection and the runners (spec sidecar.md §5–6):
// persist-then-ack, busy rejection, the recovery handshake after every identify, outcomes
// through the durable outbox, keep-alive progress and per-task workspaces. Defects fixed:
// - `task_continue` re-sends `task_accepted` and really resumes the work (direct or wake);
// - a task accepted meanwhile is never silently overwritten by a continued one;
// - after a reconnect (not only a restart) the active task is re-checked with the hub;
// - completions produced while disconnected are delivered after reconnect (outbox);
// - long tasks send keep-alive `task_progress` so the hub's 5-minute stuck sweep leaves them.
import { existsSync } from 'node:fs'
import type { Clock, TimerHandle } from './clock'
import { errorMessage, type EventLog } from './event-log'
import type { ExecutionEvent, InboundFrame, OutboundFrame, OutcomeFrame, TaskAssignFrame } from './frames'
import { BusyError, failedFrame, taskRecordFromAssign, type LocalQueue, type TaskRecord } from './local-queue'
import { OutboxDelivery, type SettledHow } from './outbox'
import type { OutboxEntry } from './local-queue'
import type { TaskOutcome, TaskRunContext, TaskRunner } from './task-runner'

/** The part of HubConnection the relay uses (so tests can drive it without a socket). */
export interface RelayConnection {
  send(frame: OutboundFrame): boolean
  isIdentified(): boolean
}

/** Prepares and removes a task's own worktree (workspace.ts TaskWorkspaces). */
export interface RelayWorkspaces {
  prepare(task: TaskRecord): Promise<{ dir: string; branch: string | null; gitWarning: string | null } | null>
  cleanup(dir: string): Promise<void>
}

export type RelayEvent =
  | { type: 'accepted'; taskId: string }
  | { type: 'rejected'; taskId: string }
  | { type: 'run_started'; taskId: string; resumed: boolean }
  | { type: 'outcome_persisted'; taskId: string; frame: OutcomeFrame }
  | { type: 'outcome_settled'; taskId: string; how: SettledHow }
  | { type: 'abandoned'; taskId: string }

export interface TaskRelayOptions {
  queue: LocalQueue
  connection: RelayConnection
  clock: Clock
  log: EventLog
  /** picks the runner for a task; null → the task fails with `no_executor` */
  selectRunner: (task: TaskRecord) => TaskRunner | null
  workspaces?: RelayWorkspaces
  keepaliveIntervalMs?: number
  outboxAckTimeoutMs?: number
  onEvent?: (event: RelayEvent) => void
}

interface RunningTask {
  taskId: string
  controller: AbortController
  lastProgressAt: number
  done: Promise<void>
}

const SHUTDOWN = 'shutdown'
const REASSIGNED = 'reassigned'

export class TaskRelay {
  private running: RunningTask | null = null
  private keepaliveTimer: TimerHandle | null = null
  private stopped = false
  readonly outbox: OutboxDelivery
  private readonly queue: LocalQueue
  private readonly keepaliveIntervalMs: number

  constructor(private readonly o: TaskRelayOptions) {
    this.queue = o.queue
    this.keepaliveIntervalMs = o.keepaliveIntervalMs ?? 60_000
    this.outbox = new OutboxDelivery({
      store: o.queue,
      send: (frame) => this.o.connection.send(frame),
      clock: o.clock,
      log: o.log,
      ackTimeoutMs: o.outboxAckTimeoutMs,
      onSettled: (entry: OutboxEntry, how) => this.emit({ type: 'outcome_settled', taskId: entry.frame.task_id, how }),
    })
  }

  /** Start-up recovery (spec §1.1 step 4); call before the connection starts. */
  recoverAfterRestart(): void {
    this.queue.recoverAfterRestart()
  }

  /** The task currently being worked on, if any. */
  activeTaskId(): string | null {
    return this.queue.active?.task_id ?? null
  }

  /** Resolves when the current run (if any) has ended. */
  async idle(): Promise<void> {
    await this.running?.done
  }

  onIdentified(): void {
    if (this.stopped) return
    const active = this.queue.active
    // the hub may have reclaimed the task while the socket was down: ask before going on
    if (active) this.sendRecovering(active.task_id, active.description, active.metadata, active.status)
    const recovering = this.queue.recovering
    if (recovering) this.sendRecovering(recovering.task_id, recovering.description, recovering.metadata, recovering.status)
    for (const orphan of this.queue.orphans) {
      this.sendRecovering(orphan.task_id, orphan.description, orphan.metadata, orphan.last_status)
    }
    this.outbox.onIdentified()
  }

  onDisconnected(): void {
    this.outbox.onDisconnected()
  }

  handleFrame(frame: InboundFrame): void {
    if (this.stopped) return
    if (this.outbox.handleFrame(frame)) return
    switch (frame.type) {
      case 'task_assign':
        return this.onAssign(frame)
      case 'task_continue':
        return this.onContinue(frame.task_id, frame.generation ?? 0)
      case 'task_reassign':
        return this.onReassign(frame.task_id)
      case 'task_ack':
        return this.o.log.log('debug', 'task_ack', { task_id: frame.task_id, status: frame.status })
      case 'error':
        return this.o.log.log('warning', 'hub_error', { error: frame.error })
      case 'rate_limited':
        return this.o.log.log('warning', 'rate_limited', { retry_after_ms: frame.retry_after_ms })
      default:
        return this.o.log.log('debug', 'unhandled_message', { type: frame.type === 'other' ? frame.original_type : frame.type })
    }
  }

  /** spec §6: busy → task_rejected; otherwise persist, THEN task_accepted, then run. */
  private onAssign(frame: TaskAssignFrame): void {
    const active = this.queue.active
    if (active) {
      if (active.task_id === frame.task_id) {
        // the hub re-sent our own task (new generation after a reclaim): adopt it, ack again
        this.queue.updateActive(active.task_id, { generation: frame.generation ?? active.generation })
        this.o.connection.send({ type: 'task_accepted', task_id: frame.task_id })
        if (!this.running) this.startRun(this.queue.active as TaskRecord, true)
        return
      }
      this.o.log.log('notice', 'task_rejected_busy', { task_id: frame.task_id, active_task_id: active.task_id })
      this.o.connection.send({ type: 'task_rejected', task_id: frame.task_id, reason: 'busy' })
      this.emit({ type: 'rejected', taskId: frame.task_id })
      return
    }
    const record = taskRecordFromAssign(frame, this.o.clock.now())
    try {
      this.queue.accept(record)
    } catch (err) {
      if (err instanceof BusyError) {
        this.o.connection.send({ type: 'task_rejected', task_id: frame.task_id, reason: 'busy' })
        return
      }
      // not durable → not acknowledged; the hub's acceptance timeout hands the task to someone else
      this.o.log.log('error', 'task_persist_failed', { task_id: frame.task_id, error: errorMessage(err) })
      return
    }
    this.o.connection.send({ type: 'task_accepted', task_id: record.task_id })
    this.o.log.log('info', 'task_accepted', { task_id: record.task_id, generation: record.generation })
    this.emit({ type: 'accepted', taskId: record.task_id })
    this.startRun(record, false)
  }

  private onContinue(taskId: string, generation: number): void {
    const active = this.queue.active
    if (active?.task_id === taskId) {
      this.queue.updateActive(taskId, { generation })
      this.o.connection.send({ type: 'task_accepted', task_id: taskId })
      this.o.log.log('info', 'task_continued', { task_id: taskId, generation })
      if (!this.running) this.startRun(this.queue.active as TaskRecord, true)
      return
    }
    const result = this.queue.continueRecovering(taskId, generation)
    switch (result.outcome) {
      case 'resume':
        this.o.connection.send({ type: 'task_accepted', task_id: taskId })
        this.o.log.log('info', 'task_resumed', { task_id: taskId, generation, last_status: result.task.status })
        this.startRun(result.task, true)
        return
      case 'conflict':
      case 'orphan_failed':
        this.o.log.log('warning', 'recovered_task_failed_back', { task_id: taskId, reason: (result.entry.frame as { reason?: string }).reason })
        this.outbox.notify()
        return
      case 'unknown':
        this.o.log.log('debug', 'task_continue_ignored', { task_id: taskId })
    }
  }

  private onReassign(taskId: string): void {
    if (this.queue.active?.task_id === taskId) {
      const dir = this.queue.active.workspace_dir ?? null
      this.queue.abandon(taskId)
      this.o.log.log('notice', 'task_reassigned_away', { task_id: taskId })
      if (this.running?.taskId === taskId) {
        this.running.controller.abort(REASSIGNED)
      } else if (dir) {
        void this.cleanupWorkspace(dir)
      }
      this.emit({ type: 'abandoned', taskId })
      return
    }
    const dir = this.queue.recovering?.task_id === taskId ? (this.queue.recovering.workspace_dir ?? null) : null
    if (this.queue.dropRecovering(taskId)) {
      this.o.log.log('info', 'recovering_task_dropped', { task_id: taskId })
      if (dir) void this.cleanupWorkspace(dir)
      this.emit({ type: 'abandoned', taskId })
    }
  }

  private startRun(task: TaskRecord, resumed: boolean): void {
    const controller = new AbortController()
    const running: RunningTask = { taskId: task.task_id, controller, lastProgressAt: this.o.clock.now(), done: Promise.resolve() }
    this.running = running
    this.scheduleKeepalive()
    this.emit({ type: 'run_started', taskId: task.task_id, resumed })
    running.done = this.execute(task, resumed, controller.signal)
      .catch((err) => this.o.log.log('error', 'task_run_crashed', { task_id: task.task_id, error: errorMessage(err) }))
      .finally(() => {
        if (this.running === running) {
          this.running = null
          this.o.clock.clearTimeout(this.keepaliveTimer)
          this.keepaliveTimer = null
        }
      })
  }

  private async execute(initial: TaskRecord, resumed: boolean, signal: AbortSignal): Promise<void> {
    const taskId = initial.task_id
    let task = initial
    let workspaceDir = task.workspace_dir && existsSync(task.workspace_dir) ? task.workspace_dir : null
    if (!workspaceDir && this.o.workspaces) {
      try {
        const prepared = await this.o.workspaces.prepare(task)
        if (signal.aborted) return this.afterAbort(signal, prepared?.dir ?? null)
        if (prepared) {
          workspaceDir = prepared.dir
          task = this.update(task, {
            workspace_dir: prepared.dir,
            branch: prepared.branch ?? task.branch,
            ...(prepared.gitWarning ? { git_warning: prepared.gitWarning } : {}),
          })
        }
      } catch (err) {
        if (signal.aborted) return this.afterAbort(signal, null)
        return this.finishWith(taskId, { kind: 'failed', reason: `workspace_setup_failed: ${errorMessage(err)}` }, null, null)
      }
    }
    task = this.update(task, { run_count: (task.run_count ?? 0) + 1 })
    const runner = this.o.selectRunner(task)
    if (!runner) {
      const target = String((task.routing_decision as { target_type?: unknown } | null)?.target_type ?? 'none')
      return this.finishWith(taskId, { kind: 'failed', reason: `no_executor: ${target}` }, null, workspaceDir)
    }
    let outcome: TaskOutcome
    try {
      outcome = await runner.run(this.contextFor(task, resumed, workspaceDir, signal))
    } catch (err) {
      outcome = signal.aborted ? { kind: 'abandoned' } : { kind: 'failed', reason: `executor_error: ${errorMessage(err)}` }
    }
    if (signal.aborted || outcome.kind === 'abandoned') return this.afterAbort(signal, workspaceDir)
    return this.finishWith(taskId, outcome, runner, workspaceDir)
  }

  private contextFor(task: TaskRecord, resumed: boolean, workspaceDir: string | null, signal: AbortSignal): TaskRunContext {
    let current = task
    return {
      task,
      resumed,
      workspaceDir,
      signal,
      update: (patch) => (current = this.update(current, patch)),
      progress: (event) => this.sendProgress(task.task_id, event),
    }
  }

  /** Persists a patch of the task if it is still the active one; otherwise nothing is written. */
  private update(task: TaskRecord, patch: Partial<TaskRecord>): TaskRecord {
    if (this.queue.active?.task_id !== task.task_id) return { ...task, ...patch, task_id: task.task_id }
    return this.queue.updateActive(task.task_id, patch)
  }

  private finishWith(taskId: string, outcome: TaskOutcome, runner: TaskRunner | null, workspaceDir: string | null): void {
    const held = this.queue.active?.task_id === taskId ? this.queue.active : null
    if (!held || outcome.kind === 'abandoned') {
      this.o.log.log('notice', 'outcome_discarded', { task_id: taskId, reason: 'task no longer held' })
      return
    }
    const frame = outcomeFrame(taskId, held.generation, outcome)
    this.queue.finish(taskId, frame)
    this.o.log.log('info', frame.type === 'task_complete' ? 'task_completed' : 'task_failed', {
      task_id: taskId,
      generation: held.generation,
      ...(frame.type === 'task_failed' ? { reason: frame.reason } : {}),
    })
    this.emit({ type: 'outcome_persisted', taskId, frame })
    try {
      runner?.afterOutcomePersisted?.(held)
    } catch (err) {
      this.o.log.log('warning', 'runner_cleanup_failed', { task_id: taskId, error: errorMessage(err) })
    }
    this.outbox.notify()
    if (workspaceDir) void this.cleanupWorkspace(workspaceDir)
  }

  private afterAbort(signal: AbortSignal, workspaceDir: string | null): void {
    // on shutdown the task stays in its slot and resumes after restart; keep its worktree
    if (signal.reason === REASSIGNED && workspaceDir) void this.cleanupWorkspace(workspaceDir)
  }

  private async cleanupWorkspace(dir: string): Promise<void> {
    try {
      await this.o.workspaces?.cleanup(dir)
    } catch (err) {
      this.o.log.log('warning', 'workspace_cleanup_failed', { dir, error: errorMessage(err) })
    }
  }

  private sendRecovering(taskId: string, description: string, metadata: Record<string, unknown>, lastStatus: string): void {
    this.o.connection.send({ type: 'task_recovering', task_id: taskId, description, metadata, last_status: lastStatus })
    this.o.log.log('info', 'task_recovering_sent', { task_id: taskId, last_status: lastStatus })
  }

  private sendProgress(taskId: string, event?: Omit<ExecutionEvent, 'timestamp'>): void {
    if (this.running?.taskId === taskId) this.running.lastProgressAt = this.o.clock.now()
    this.o.connection.send(
      event
        ? { type: 'task_progress', task_id: taskId, execution_event: { ...event, timestamp: this.o.clock.now() } }
        : { type: 'task_progress', task_id: taskId },
    )
  }

  private scheduleKeepalive(): void {
    this.o.clock.clearTimeout(this.keepaliveTimer)
    this.keepaliveTimer = this.o.clock.setTimeout(() => {
      this.keepaliveTimer = null
      const running = this.running
      if (!running || this.stopped) return
      const quietFor = this.o.clock.now() - running.lastProgressAt
      if (quietFor >= this.keepaliveIntervalMs && this.o.connection.isIdentified()) this.sendProgress(running.taskId)
      this.scheduleKeepalive()
    }, this.keepaliveIntervalMs)
  }

  /** Stops work: the active task stays persisted and resumes after the next start. */
  async stop(): Promise<void> {
    this.stopped = true
    this.o.clock.clearTimeout(this.keepaliveTimer)
    this.keepaliveTimer = null
    this.outbox.stop()
    const running = this.running
    running?.controller.abort(SHUTDOWN)
    await running?.done
  }

  private emit(event: RelayEvent): void {
    try {
      this.o.onEvent?.(event)
    } catch (err) {
      this.o.log.log('warning', 'relay_event_listener_failed', { error: errorMessage(err) })
    }
  }
}

export function outcomeFrame(taskId: string, generation: number, outcome: Exclude<TaskOutcome, { kind: 'abandoned' }>): OutcomeFrame {
  if (outcome.kind === 'failed') return failedFrame(taskId, generation, outcome.reason)
  return {
    type: 'task_complete',
    task_id: taskId,
    generation,
    result: outcome.result,
    verification_report: outcome.verification_report,
    verification_history: outcome.verification_history,
    ...(outcome.tokens_used !== undefined ? { tokens_used: outcome.tokens_used } : {}),
  }
}
