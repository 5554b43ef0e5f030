// The `task-queue` actor: the single source of truth for tasks (task-pipeline.md §2), a thin
// shell around the pure transitions of ./transitions.ts.
//
// Every operation: read the newest record (TaskStore overlay) → pure transition → update the
// in-memory views (index, stats, assigned) at once → start the durable write → answer with
// noReply, and reply only once the write committed; then publish the `tasks` events. The actor
// keeps serving while writes are in flight, so the writes of many operations share one LMDB
// commit. Errors too are answered only after the writes they were judged against committed, so
// no caller ever learns of a state that is not on disk. (The two in-pipeline notices that go
// out before the commit, and why that is safe, are described at `commit`.)
//
// If a write fails, callers waiting on it get TaskStorageError (`table_corrupted`) and the actor
// crashes on purpose: its supervisor restarts it and init rebuilds every view from LMDB.

import { Actor, isNormalExit, noReply, replyError, type ExitReason, type From, type SystemInfo } from '../runtime'
import type { Storage } from '../../storage'
import { ACTOR, TOPIC, fsmName } from '../names'
import { classifyComplexity } from '../routing/complexity'
import type { FsmEvent } from '../agent-fsm/transitions'
import type { AgentFsmCast } from '../agent-fsm/actor'
import { planPass, selectCandidates, selectTtlExpired, type AgentSnapshot, type GroupSource } from '../scheduler/matching'
import { DEFAULT_TASK_TTL_MS, OVERDUE_SWEEP_INTERVAL_MS, STUCK_THRESHOLD_MS, TTL_SWEEP_INTERVAL_MS, isOverdue, isStuck } from './deadlines'
import type { PlacementGroup, QueuedEntry } from './priority-index'
import { CHECKPOINT_KEY, CHECKPOINT_TABLE, checkpointOf, restoreFromCheckpoint, type QueueCheckpoint } from './queue-checkpoint'
import { QueueState } from './queue-state'
import { toTaskView, type Task, type TaskView } from './task'
import { TaskIdGenerator } from './task-ids'
import { TaskStore } from './task-store'
import {
  assign,
  complete,
  expire,
  fail,
  holdForPausedRepo,
  reclaim,
  recoveryAnswer,
  reject,
  retryDeadLetter,
  submit,
  touch,
  type ReclaimReason,
  type TransitionError,
  type TransitionOk,
  type TransitionResult,
} from './transitions'
import { emitTelemetry } from './telemetry'
import { reportsOf, VerificationStore } from './verification-store'
import {
  TaskStorageError,
  type AssignReply,
  type PlanReply,
  type TaskEventMessage,
  type TaskListFilter,
  type TaskOpError,
  type TaskQueueCall,
  type TaskQueueCast,
  type TaskQueueInfo,
} from './messages'

export * from './messages'

export interface TaskQueueArgs {
  storage: Storage
  /** config `task_ttl_ms` (default 600 000) */
  taskTtlMs?: number
  /** default 30 000 */
  overdueSweepMs?: number
  /** default 60 000 */
  ttlSweepMs?: number
  /** how long to wait for the optional repo-registry (default 1 000 ms); never blocks the queue */
  lookupTimeoutMs?: number
}

/** Soft limit of smart-pipeline.md §2.2. */
export const VERIFICATION_STEPS_SOFT_LIMIT = 10

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

type Reply = unknown

export class TaskQueueActor extends Actor<TaskQueueCall, TaskQueueCast, TaskQueueInfo, TaskQueueArgs> {
  private storage!: Storage
  private store!: TaskStore
  private state!: QueueState
  private reports!: VerificationStore
  private ttlMs = DEFAULT_TASK_TTL_MS
  private lookupTimeoutMs = 1000
  private topActiveRepo: string | null = null
  private crashing = false
  private readonly ids = new TaskIdGenerator()
  /** how long the start-up rebuild took, for logs and the benchmark */
  rebuildMs = 0

  override init(args: TaskQueueArgs): void {
    const started = performance.now()
    this.storage = args.storage
    this.store = new TaskStore(args.storage)
    const from = this.loadState()
    this.reports = new VerificationStore(args.storage)
    this.rebuildMs = Math.round(performance.now() - started)
    this.ttlMs = args.taskTtlMs ?? DEFAULT_TASK_TTL_MS
    this.lookupTimeoutMs = args.lookupTimeoutMs ?? 1000
    this.ctx.interval({ type: 'overdue_sweep' }, args.overdueSweepMs ?? OVERDUE_SWEEP_INTERVAL_MS)
    this.ctx.interval({ type: 'ttl_sweep' }, args.ttlSweepMs ?? TTL_SWEEP_INTERVAL_MS)
    this.ctx.subscribe(TOPIC.repoRegistry)
    this.refreshTopActiveRepo()
    this.ctx.log.info('task queue rebuilt from storage', {
      queued: this.state.index.size,
      assigned: this.state.assignedCount,
      from,
      ms: this.rebuildMs,
    })
  }

  /**
   * An orderly hub shutdown leaves the views for the next start (queue-checkpoint.ts). A crash,
   * a subtree restart or a storage swap (owners stopped for a restore) does not: the next init
   * reads every record.
   */
  override async terminate(reason: ExitReason): Promise<void> {
    if (!isNormalExit(reason) || this.crashing || !this.storage.closing || this.storage.isClosed) return
    try {
      await this.store.settled()
      const checkpoint = checkpointOf(this.state, this.ctx.clock.now())
      const table = this.storage.table<string, QueueCheckpoint>(CHECKPOINT_TABLE)
      await this.storage.transaction(() => void table.put(CHECKPOINT_KEY, checkpoint))
    } catch (error) {
      // a write that never committed: no checkpoint, the next start reads every record
      this.ctx.log.warn('task queue: no checkpoint written', { error: error instanceof Error ? error.message : String(error) })
    }
  }

  override handleCall(msg: TaskQueueCall, from: From): unknown {
    switch (msg?.type) {
      case 'submit':
        return this.submit(msg, from)
      case 'get':
        return this.answer(from, () => this.viewOf(this.store.read(msg.task_id)))
      case 'list':
        return this.answer(from, () => this.list(msg.filter ?? {}))
      case 'dead_letter':
        return this.answer(from, () => sortedViews(this.store.current('task_dead_letter')))
      case 'stats':
        return this.answer(from, () => this.state.stats.view(this.state.index.size))
      case 'retry_dead_letter':
        return this.retryDeadLetter(msg.task_id, from)
      case 'accepted':
        return this.accepted(msg.task_id, msg.agent_id, from)
      case 'complete':
        return this.complete(msg, from)
      case 'fail':
        return this.fail(msg, from)
      case 'recovering':
        return this.recovering(msg.task_id, msg.agent_id, from)
      case 'rejected':
        return this.rejected(msg, from)
      case 'plan':
        return this.plan(msg)
      case 'assign':
        return this.assign(msg, from)
      case 'reclaim':
        return this.reclaim(msg.task_id, msg.agent_id, msg.reason, msg.generation, from)
      case 'assigned_to':
        // answered from memory at once: only the agent's FSM asks (at start), nothing is told
        // outside, and a connect storm must not wait one commit per agent
        return this.state.assignedTo(msg.agent_id).map((e) => ({ task_id: e.task_id, generation: e.generation }))
      case 'reclaim_stuck':
        return this.answer(from, () => ({ task_ids: this.reclaimStuck(msg.threshold_ms ?? STUCK_THRESHOLD_MS) }))
      case 'sweep_overdue':
        return this.answer(from, () => ({ task_ids: this.sweepOverdue() }))
      case 'sweep_ttl':
        return this.answer(from, () => ({ task_ids: this.sweepTtl(msg.paused_repos ?? []) }))
      case 'sync':
        return this.answer(from, () => ({ ok: true }))
      default:
        return replyError(new TypeError(`task-queue: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override handleCast(msg: TaskQueueCast): void {
    switch (msg?.type) {
      case 'progress':
        this.progress(msg.task_id, msg.agent_id)
        return
      case 'ttl_sweep_with':
        this.sweepTtl(msg.paused_repos)
        return
      case 'top_active_repo':
        this.topActiveRepo = typeof msg.repo === 'string' && msg.repo !== '' ? msg.repo : null
        return
      case 'write_failed':
        throw new TaskStorageError(`task-queue: a write failed to commit (${msg.message}); restarting to rebuild from storage`)
      default:
        this.ctx.log.warn('task-queue: unknown cast ignored', { cast: String((msg as { type?: unknown })?.type) })
    }
  }

  override handleInfo(msg: TaskQueueInfo | SystemInfo): void {
    switch (msg.type) {
      case 'overdue_sweep':
        this.sweepOverdue()
        return
      case 'ttl_sweep':
        this.startTtlSweep()
        return
      case 'bus':
        if (msg.topic === TOPIC.repoRegistry) this.refreshTopActiveRepo()
        return
      default:
        return
    }
  }

  override snapshot(): unknown {
    return {
      queued: this.state.index.size,
      assigned: this.state.assignedCount,
      stats: this.state.stats.view(this.state.index.size),
      writes_in_flight: this.store.inFlight,
      top_active_repo: this.topActiveRepo,
      ttl_ms: this.ttlMs,
      rebuild_ms: this.rebuildMs,
    }
  }

  // ---- the write path -----------------------------------------------------------------------

  /**
   * Makes a successful transition real: views now, write started; the `tasks` events once the
   * write committed.
   *
   * Inside the pipeline (not to any outside party) two notices go out at once, before the commit,
   * because each only leads to another write of this same queue, which commits after this one
   * (LMDB commits in order) and whose own reply waits for it: the agent FSM whose hold ended
   * (so the agent is offered its next task without waiting a commit), and the scheduler when
   * the queue gained a task (so the assignment can share the submit's commit). If this write
   * fails, every later reply fails too and the queue restarts; nothing was promised outside.
   */
  private commit(before: Task | undefined, result: TransitionOk<unknown>, alsoInside?: () => void): void {
    this.state.apply(before, result.task)
    const written = this.store.write(result.task, result.effects, alsoInside)
    const released = result.effects.released
    // completions/failures are announced to the reporter's FSM as report_accepted (see complete)
    if (released && released.reason !== 'completed' && released.reason !== 'failed') {
      this.tellFsm(released.agent_id, { type: 'task_released', task_id: released.task_id, reason: released.reason })
    }
    if (result.effects.index === 'insert') this.nudgeScheduler(result.events[0]?.event ?? 'task_queued')
    written.then(
      () => this.announce(before, result),
      (error: unknown) => this.writeFailed(error),
    )
  }

  private announce(before: Task | undefined, result: TransitionOk<unknown>): void {
    if (result.events.length === 0) return
    const agentId = result.effects.released?.agent_id ?? result.task.assigned_to ?? before?.assigned_to ?? null
    const view = toTaskView(result.task)
    for (const e of result.events) {
      const message: TaskEventMessage = { type: 'task_event', event: e.event, task_id: e.task_id, agent_id: agentId, task: view, timestamp: e.timestamp }
      this.ctx.publish(TOPIC.tasks, message)
    }
  }

  /**
   * The views from the checkpoint a clean stop left (then deleted: it is valid only until the
   * queue writes again), or from every record when there is none or it does not match.
   */
  private loadState(): 'checkpoint' | 'records' {
    const checkpoints = this.storage.table<string, unknown>(CHECKPOINT_TABLE)
    const saved = checkpoints.get(CHECKPOINT_KEY)
    if (saved !== undefined) {
      // LMDB commits in order: this removal is on disk before any later write of the queue
      void this.storage.transaction(() => void checkpoints.remove(CHECKPOINT_KEY)).catch((error: unknown) => this.writeFailed(error))
      const restored = restoreFromCheckpoint(saved, this.store.checkpointTables())
      if ('state' in restored) {
        this.state = restored.state
        return 'checkpoint'
      }
      this.ctx.log.warn('task queue: checkpoint does not match the tables; reading every record', { mismatch: restored.mismatch })
    }
    this.state = QueueState.rebuild(this.store.committed('task_queue'), this.store.committed('task_dead_letter'))
    return 'records'
  }

  private nudgeScheduler(reason: string): void {
    this.ctx.system.whereis(ACTOR.scheduler)?.cast({ type: 'trigger', reason })
  }

  private writeFailed(error: unknown): void {
    if (this.crashing) return
    this.crashing = true
    this.ctx.log.error('task-queue: write failed', { error: String(error) })
    const self = this.ctx.self
    const message = error instanceof Error ? error.message : String(error)
    // crash only after every promise reaction has run, so the callers waiting on this write
    // get table_corrupted rather than the bare exit (a macrotask, not a timer)
    setImmediate(() => self.cast({ type: 'write_failed', message }))
  }

  /**
   * Computes the answer now, from the state this message saw, and sends it once every write
   * started so far (this message's own included) has committed: nobody learns of a state that
   * is not on disk, and a read never shows a later, still uncommitted write.
   */
  private answer(from: From, compute: () => Reply): typeof noReply {
    const reply = compute()
    this.store.settled().then(
      () => from.reply(reply),
      (error: unknown) => from.fail(storageError(error)),
    )
    return noReply
  }

  private tellFsm(agentId: string, event: FsmEvent): void {
    const fsm = this.ctx.system.whereis(fsmName(agentId))
    const cast: AgentFsmCast = { type: 'fsm_event', event }
    fsm?.cast(cast)
  }

  private now(): number {
    return this.ctx.clock.now()
  }

  private viewOf(task: Task | undefined): TaskView | null {
    return task ? toTaskView(task) : null
  }

  // ---- operations ---------------------------------------------------------------------------

  private submit(msg: Extract<TaskQueueCall, { type: 'submit' }>, from: From): unknown {
    if (!isPlainObject(msg.input)) return replyError(new TypeError('task-queue submit: `input` must be an object'))
    const input = msg.input
    const now = this.now()
    const submittedBy = typeof msg.submitted_by === 'string' ? msg.submitted_by : input.submitted_by
    const id = this.ids.next(now, (candidate) => this.store.read(candidate) !== undefined)
    const result = submit({ ...input, complexity: classifyComplexity(input), submitted_by: submittedBy }, { now, id, inheritedRepo: this.topActiveRepo })
    this.commit(undefined, result)
    emitTelemetry(this.ctx, 'agent_com.task.submit', { queue_depth: this.state.index.size }, {
      task_id: result.task.id,
      priority: result.task.priority,
      submitted_by: result.task.submitted_by,
    })
    const steps = result.task.verification_steps.length
    const warnings =
      steps > VERIFICATION_STEPS_SOFT_LIMIT
        ? [`task has ${steps} verification steps, more than the recommended limit of ${VERIFICATION_STEPS_SOFT_LIMIT}; consider splitting it into smaller tasks`]
        : undefined
    const view = toTaskView(result.task)
    return this.answer(from, () => (warnings ? { ok: true, task: view, warnings } : { ok: true, task: view }))
  }

  private list(filter: TaskListFilter): TaskView[] {
    let source: Iterable<Task>
    if (filter.status === 'queued') source = this.readAll([...this.state.index.entries()].map((e) => e.id))
    else if (filter.status === 'assigned') source = this.readAll([...this.state.assignedEntries()].map((e) => e.task_id))
    else source = this.store.current('task_queue')
    const out: Task[] = []
    for (const task of source) {
      if (filter.status !== undefined && task.status !== filter.status) continue
      if (filter.priority !== undefined && task.priority !== filter.priority) continue
      if (filter.assigned_to !== undefined && task.assigned_to !== filter.assigned_to) continue
      out.push(task)
    }
    return sortedViews(out)
  }

  private *readAll(ids: string[]): Iterable<Task> {
    for (const id of ids) {
      const task = this.store.read(id)
      if (task) yield task
    }
  }

  private retryDeadLetter(taskId: string, from: From): unknown {
    const before = this.store.read(taskId)
    const result = retryDeadLetter(before, this.now())
    if (!result.ok) return this.answer(from, () => ({ ok: false, error: 'not_found' }))
    this.commit(before, result)
    emitTelemetry(this.ctx, 'agent_com.task.retry', {}, { task_id: taskId, previous_error: before?.last_error ?? null })
    const view = toTaskView(result.task)
    return this.answer(from, () => ({ ok: true, task: view }))
  }

  private accepted(taskId: string, agentId: string, from: From): unknown {
    const ok = this.touch(taskId, agentId)
    if (ok) this.tellFsm(agentId, { type: 'task_accepted', task_id: taskId })
    return this.answer(from, () => ({ ok }))
  }

  private progress(taskId: string, agentId: string): void {
    this.touch(taskId, agentId)
  }

  private touch(taskId: string, agentId: string): boolean {
    const before = this.store.read(taskId)
    const result = touch(before, { agent_id: agentId }, this.now())
    if (result.ok) this.commit(before, result)
    return result.ok
  }

  private complete(msg: Extract<TaskQueueCall, { type: 'complete' }>, from: From): unknown {
    const before = this.store.read(msg.task_id)
    const now = this.now()
    const result = complete(
      before,
      {
        generation: msg.generation,
        agent_id: msg.agent_id,
        result: msg.result,
        tokens_used: msg.tokens_used,
        verification_report: msg.verification_report,
        verification_history: msg.verification_history,
      },
      now,
    )
    if (!result.ok) return this.refuseReport(msg.task_id, msg.agent_id, result, from)
    const reports = reportsOf(msg.task_id, result.task.verification_report, result.task.verification_history, now)
    this.commit(before, result, reports.length > 0 ? () => this.reports.saveInside(reports) : undefined)
    this.tellFsm(msg.agent_id, { type: 'report_accepted', task_id: msg.task_id })
    emitTelemetry(this.ctx, 'agent_com.task.complete', { duration_ms: now - (before?.assigned_at ?? now) }, {
      task_id: msg.task_id,
      agent_id: msg.agent_id,
      tokens_used: result.task.tokens_used,
    })
    this.emitVerificationRun(msg.task_id, result.task.verification_report)
    return this.answer(from, () => ({ ok: true }))
  }

  private fail(msg: Extract<TaskQueueCall, { type: 'fail' }>, from: From): unknown {
    const before = this.store.read(msg.task_id)
    const error = typeof msg.error === 'string' ? msg.error : 'unknown'
    const result = fail(before, { generation: msg.generation, agent_id: msg.agent_id, error }, this.now())
    if (!result.ok) return this.refuseReport(msg.task_id, msg.agent_id, result, from)
    this.commit(before, result)
    this.tellFsm(msg.agent_id, { type: 'report_accepted', task_id: msg.task_id })
    if (result.outcome === 'retried') {
      emitTelemetry(this.ctx, 'agent_com.task.fail', { retry_count: result.task.retry_count }, { task_id: msg.task_id, agent_id: msg.agent_id, error })
    } else {
      emitTelemetry(this.ctx, 'agent_com.task.dead_letter', { retry_count: result.task.retry_count }, { task_id: msg.task_id, error })
    }
    const outcome = result.outcome
    return this.answer(from, () => ({ ok: true, outcome }))
  }

  /** A refused complete/fail: the reporter's FSM must not stay `working` on it (spec §3.5 gap). */
  private refuseReport(taskId: string, agentId: string, result: TransitionError, from: From): unknown {
    this.tellFsm(agentId, { type: 'report_rejected', task_id: taskId })
    return this.answer(from, () => refusal(result))
  }

  private recovering(taskId: string, agentId: string, from: From): unknown {
    return this.answer(from, () => {
      const answer = recoveryAnswer(this.store.read(taskId), taskId, agentId)
      if (answer.type === 'task_continue') this.tellFsm(agentId, { type: 'task_continued', task_id: taskId })
      return answer
    })
  }

  private rejected(msg: Extract<TaskQueueCall, { type: 'rejected' }>, from: From): unknown {
    const before = this.store.read(msg.task_id)
    const result = reject(before, { agent_id: msg.agent_id, generation: msg.generation }, this.now())
    if (!result.ok) return this.answer(from, () => ({ ok: false }))
    this.commit(before, result)
    emitTelemetry(this.ctx, 'agent_com.task.reclaim', {}, { task_id: msg.task_id, agent_id: msg.agent_id, reason: 'rejected' })
    return this.answer(from, () => ({ ok: true }))
  }

  private plan(msg: Extract<TaskQueueCall, { type: 'plan' }>): PlanReply {
    const paused = new Set(msg.paused_repos ?? [])
    const exclude = new Set(msg.exclude ?? [])
    const source = exclude.size === 0 ? this.state.index : withoutTasks(this.state.index, exclude)
    const offered = Array.isArray(msg.agents) ? msg.agents : []
    const plan = planPass(source, fewestCandidates(source, offered), { isRepoPaused: (repo) => paused.has(repo) })
    const assignments = []
    for (const a of plan.assignments) {
      const task = this.store.read(a.task_id)
      if (task) assignments.push({ agent_id: a.agent_id, task })
    }
    const idle_agents = offered.length === 0 ? 0 : selectCandidates(offered).length
    return { assignments, idle_agents, queued_tasks: plan.queued_tasks }
  }

  private assign(msg: Extract<TaskQueueCall, { type: 'assign' }>, from: From): unknown {
    const before = this.store.read(msg.task_id)
    // the invariant the whole design protects: one task per agent, checked at the source of truth
    if (before !== undefined && this.state.holdsTask(msg.agent_id)) {
      const refused: AssignReply = { ok: false, error: 'agent_busy' }
      return this.answer(from, () => refused)
    }
    const now = this.now()
    const result = assign(before, { agent_id: msg.agent_id, routing_decision: msg.routing_decision }, now)
    if (!result.ok) return this.answer(from, () => refusal(result))
    this.commit(before, result)
    emitTelemetry(this.ctx, 'agent_com.task.assign', { wait_ms: now - result.task.created_at }, {
      task_id: msg.task_id,
      agent_id: msg.agent_id,
      generation: result.task.generation,
    })
    const task = result.task
    return this.answer(from, () => ({ ok: true, task }))
  }

  private reclaim(taskId: string, agentId: string, reason: ReclaimReason, generation: number | undefined, from: From): unknown {
    const result = this.reclaimNow(taskId, agentId, reason, generation)
    return this.answer(from, () => (result.ok ? { ok: true, task: toTaskView(result.task) } : refusal(result)))
  }

  private reclaimNow(taskId: string, agentId: string, reason: ReclaimReason, generation?: number): TransitionResult {
    const before = this.store.read(taskId)
    const result = reclaim(before, { agent_id: agentId, reason, generation }, this.now())
    if (!result.ok) return result
    this.commit(before, result)
    emitTelemetry(this.ctx, 'agent_com.task.reclaim', {}, { task_id: taskId, agent_id: agentId, reason })
    return result
  }

  private emitVerificationRun(taskId: string, report: Record<string, unknown> | null): void {
    if (!report) return
    const summary = isPlainObject(report.summary) ? report.summary : {}
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
    emitTelemetry(
      this.ctx,
      'agent_com.verification.run',
      { duration_ms: num(report.duration_ms), checks_passed: num(summary.passed), checks_failed: num(summary.failed) },
      { task_id: taskId, status: typeof report.status === 'string' ? report.status : 'unknown', total_checks: num(summary.total) },
    )
  }

  // ---- sweeps ------------------------------------------------------------------------------

  /** §4.3: assigned tasks without an accept/progress touch for longer than the threshold. */
  private reclaimStuck(thresholdMs: number): string[] {
    const now = this.now()
    const stuck = [...this.state.assignedEntries()].filter((e) => isStuck({ status: 'assigned', updated_at: e.updated_at }, now, thresholdMs))
    return stuck.filter((e) => this.reclaimNow(e.task_id, e.agent_id, 'stuck', e.generation).ok).map((e) => e.task_id)
  }

  /** §2.7: assigned tasks past `complete_by`. Progress does not postpone it. */
  private sweepOverdue(): string[] {
    const now = this.now()
    const overdue = [...this.state.assignedEntries()].filter((e) => isOverdue({ status: 'assigned', complete_by: e.complete_by }, now))
    return overdue.filter((e) => this.reclaimNow(e.task_id, e.agent_id, 'overdue', e.generation).ok).map((e) => e.task_id)
  }

  /** Asks the optional repo registry which repos are paused without ever blocking the queue. */
  private startTtlSweep(): void {
    const registry = this.ctx.system.whereis(ACTOR.repoRegistry)
    if (!registry) {
      this.sweepTtl([])
      return
    }
    const self = this.ctx.self
    registry.call<unknown>({ type: 'paused_repos' }, { timeoutMs: this.lookupTimeoutMs }).then(
      (repos) => self.cast({ type: 'ttl_sweep_with', paused_repos: stringList(repos) }),
      // holding work is safer than expiring it on a guess: skip this round
      (error: unknown) => this.ctx.log.warn('task-queue: TTL sweep skipped, repo registry did not answer', { error: String(error) }),
    )
  }

  /** [v1.2] queued non-trivial tasks past the TTL: dead-lettered, or held if their repo is paused. */
  private sweepTtl(pausedRepos: readonly string[]): string[] {
    const now = this.now()
    const paused = new Set(pausedRepos)
    const selection = selectTtlExpired(this.state.index.startedBefore(now - this.ttlMs), now, {
      ttlMs: this.ttlMs,
      isRepoPaused: (repo) => paused.has(repo),
    })
    const changed: string[] = []
    for (const id of selection.expire) {
      const before = this.store.read(id)
      const result = expire(before, now)
      if (!result.ok) continue
      this.commit(before, result)
      emitTelemetry(this.ctx, 'agent_com.task.dead_letter', { retry_count: result.task.retry_count }, { task_id: id, error: 'ttl_expired' })
      changed.push(id)
    }
    for (const id of selection.hold) {
      const before = this.store.read(id)
      const result = holdForPausedRepo(before, now)
      if (!result.ok) continue
      this.commit(before, result)
      changed.push(id)
    }
    return changed
  }

  private refreshTopActiveRepo(): void {
    const registry = this.ctx.system.whereis(ACTOR.repoRegistry)
    if (!registry) return
    const self = this.ctx.self
    registry.call<unknown>({ type: 'top_active_repo' }, { timeoutMs: this.lookupTimeoutMs }).then(
      (repo) => self.cast({ type: 'top_active_repo', repo: typeof repo === 'string' ? repo : null }),
      () => undefined, // keep the last known value
    )
  }
}

// ---- helpers -------------------------------------------------------------------------------

function refusal(result: TransitionError): TaskOpError {
  return result.status === undefined ? { ok: false, error: result.error } : { ok: false, error: result.error, status: result.status }
}

function storageError(error: unknown): TaskStorageError {
  return error instanceof TaskStorageError ? error : new TaskStorageError(`task storage write failed: ${String(error)}`, { cause: error })
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

/** By priority, then original created_at, then id (the order of GET /api/tasks). */
function sortedViews(tasks: Iterable<Task>): TaskView[] {
  const list = [...tasks]
  list.sort((a, b) => a.priority - b.priority || a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return list.map(toTaskView)
}

/**
 * When no queued task needs a capability, any idle agent fits any task, so the pass gives the
 * first q selectable agents the q tasks: the rest of a 1 000-agent list cannot change the plan
 * and is not worth walking on every pass. Otherwise the list is kept whole.
 */
function fewestCandidates(index: GroupSource, agents: AgentSnapshot[]): AgentSnapshot[] {
  if (agents.length <= index.size) return agents
  for (const group of index.groups()) if (group.capabilities.length > 0) return agents
  const out: AgentSnapshot[] = []
  const seen = new Set<string>()
  for (const a of agents) {
    if (a.fsm_state !== 'idle' || a.rate_limited || seen.has(a.agent_id)) continue
    seen.add(a.agent_id)
    out.push(a)
    if (out.length === index.size) break
  }
  return out
}

/** The index as the pass sees it with some tasks held back (their route said "wait"). */
function withoutTasks(index: GroupSource, exclude: ReadonlySet<string>): GroupSource {
  const groups = (): PlacementGroup[] =>
    [...index.groups()].map((g) => ({
      key: g.key,
      capabilities: g.capabilities,
      repo: g.repo,
      size: g.size,
      entries: () => filtered(g.entries(), exclude),
      first: () => filtered(g.entries(), exclude).next().value as QueuedEntry | undefined,
    }))
  return { size: index.size, groups }
}

function* filtered(entries: IterableIterator<QueuedEntry>, exclude: ReadonlySet<string>): IterableIterator<QueuedEntry> {
  for (const e of entries) if (!exclude.has(e.id)) yield e
}
