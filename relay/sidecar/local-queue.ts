// The sidecar's durable local queue (spec sidecar.md §5, defects fixed): one active slot, one
// recovering slot, tasks salvaged from a damaged store ("orphans"), and the outbox of outcome
// frames not yet confirmed by the hub. All of it lives in ONE document written atomically
// (temp file + fsync + rename + directory fsync), so "clear the slot" and "queue the completion"
// can never be separated by a crash. Only plain data is persisted — never timer handles.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import Ajv from 'ajv'
import type { OutcomeFrame, TaskAssignFrame } from './frames'
import { systemClock, type Clock } from './clock'
import { errorMessage, silentLog, type EventLog } from './event-log'

export const TASK_STATUSES = ['accepted', 'waking', 'waking_confirmation', 'working', 'failed'] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]

const JsonObject = Type.Record(Type.String(), Type.Unknown())
const NullableString = Type.Union([Type.String(), Type.Null()])

export const TaskRecordSchema = Type.Object(
  {
    task_id: Type.String({ minLength: 1 }),
    description: Type.String(),
    metadata: JsonObject,
    status: Type.Union(TASK_STATUSES.map((s) => Type.Literal(s))),
    assigned_at: Type.Union([Type.Number(), Type.String()]),
    accepted_at: Type.Number(),
    /** the generation the hub handed out with the assignment (or task_continue); used on the wire */
    generation: Type.Integer({ minimum: 0 }),
    wake_attempts: Type.Integer({ minimum: 0 }),
    repo: NullableString,
    branch: NullableString,
    file_hints: Type.Array(Type.Unknown()),
    success_criteria: Type.Array(Type.Unknown()),
    verification_steps: Type.Array(Type.Unknown()),
    complexity: Type.Union([JsonObject, Type.Null()]),
    skip_verification: Type.Boolean(),
    verification_timeout_ms: Type.Union([Type.Integer(), Type.Null()]),
    routing_decision: Type.Union([JsonObject, Type.Null()]),
    max_verification_retries: Type.Integer({ minimum: 0 }),
    git_warning: Type.Optional(Type.String()),
    /** absolute path of the task's git worktree, so a crashed run's worktree can be cleaned up */
    workspace_dir: Type.Optional(NullableString),
    /** how many times this sidecar has (re)started work on the task */
    run_count: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  // executors may persist their own progress fields next to these
  { additionalProperties: true },
)
export type TaskRecord = Static<typeof TaskRecordSchema>

export const OrphanTaskSchema = Type.Object({
  task_id: Type.String({ minLength: 1 }),
  description: Type.String(),
  metadata: JsonObject,
  last_status: Type.String(),
  /** why the task can no longer be run here; becomes the task_failed reason */
  reason: Type.String(),
})
export type OrphanTask = Static<typeof OrphanTaskSchema>

export const OutboxEntrySchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  created_at: Type.Number(),
  frame: JsonObject,
})
export interface OutboxEntry {
  seq: number
  created_at: number
  frame: OutcomeFrame
}

export const QueueDocumentSchema = Type.Object({
  version: Type.Literal(1),
  active: Type.Union([TaskRecordSchema, Type.Null()]),
  recovering: Type.Union([TaskRecordSchema, Type.Null()]),
  orphans: Type.Array(OrphanTaskSchema),
  outbox: Type.Array(OutboxEntrySchema),
  next_outbox_seq: Type.Integer({ minimum: 1 }),
})
interface QueueDocument {
  version: 1
  active: TaskRecord | null
  recovering: TaskRecord | null
  orphans: OrphanTask[]
  outbox: OutboxEntry[]
  next_outbox_seq: number
}

const validateDocument = new Ajv({ strict: false }).compile(QueueDocumentSchema)

export const QUEUE_FILE = 'queue.json'

export class BusyError extends Error {
  constructor(readonly activeTaskId: string) {
    super(`busy with task ${activeTaskId}`)
    this.name = 'BusyError'
  }
}

export interface CorruptionReport {
  /** where the damaged file was moved to (it is never deleted) */
  keptAt: string
  error: string
  salvagedTaskIds: string[]
}

export interface LocalQueueOptions {
  clock?: Clock
  log?: EventLog
  /** called synchronously right after every durable write, with what was written (test probe) */
  onPersisted?: (what: string) => void
}

export type ContinueResult =
  | { outcome: 'resume'; task: TaskRecord }
  | { outcome: 'conflict'; entry: OutboxEntry }
  | { outcome: 'orphan_failed'; entry: OutboxEntry }
  | { outcome: 'unknown' }

export class LocalQueue {
  readonly path: string
  readonly corruption: CorruptionReport | null
  private doc: QueueDocument
  private readonly clock: Clock
  private readonly log: EventLog
  private readonly onPersisted?: (what: string) => void

  private constructor(dir: string, opts: LocalQueueOptions) {
    this.clock = opts.clock ?? systemClock
    this.log = opts.log ?? silentLog
    this.onPersisted = opts.onPersisted
    mkdirSync(dir, { recursive: true })
    this.path = join(dir, QUEUE_FILE)
    removeStaleTempFiles(dir)
    const loaded = this.load()
    this.doc = loaded.doc
    this.corruption = loaded.corruption
    if (this.corruption) this.persist('salvage')
  }

  /** Opens (or creates) the queue in `dir`. A damaged file is moved aside, never discarded. */
  static open(dir: string, opts: LocalQueueOptions = {}): LocalQueue {
    return new LocalQueue(dir, opts)
  }

  get active(): TaskRecord | null {
    return this.doc.active
  }
  get recovering(): TaskRecord | null {
    return this.doc.recovering
  }
  get orphans(): readonly OrphanTask[] {
    return this.doc.orphans
  }
  get outbox(): readonly OutboxEntry[] {
    return this.doc.outbox
  }

  isBusy(): boolean {
    return this.doc.active !== null
  }

  /**
   * Start-up recovery (spec §5.4 step 1): a task that was active when the process died becomes
   * the recovering task. A recovering task the hub never answered for is not overwritten: it
   * becomes an orphan, reported and failed through the hub like any other.
   */
  recoverAfterRestart(): TaskRecord | null {
    const { active, recovering } = this.doc
    if (!active) return recovering
    if (recovering && recovering.task_id !== active.task_id) {
      this.doc.orphans.push(orphanOf(recovering, 'sidecar_restarted_before_recovery'))
    }
    this.doc.recovering = active
    this.doc.active = null
    this.persist('recover_after_restart')
    this.log.log('notice', 'recovery_found', { task_id: active.task_id, last_status: active.status })
    return active
  }

  /** Persist-then-ack: the record is durable when this returns. Throws BusyError when occupied. */
  accept(record: TaskRecord): void {
    if (this.doc.active) throw new BusyError(this.doc.active.task_id)
    if (this.doc.recovering?.task_id === record.task_id) {
      // the hub re-assigned the task we were about to ask about: the new assignment wins
      this.doc.recovering = null
    }
    this.doc.orphans = this.doc.orphans.filter((o) => o.task_id !== record.task_id)
    this.doc.active = record
    this.persist('accept')
  }

  /** Updates fields of the active task and persists them. */
  updateActive(taskId: string, patch: Partial<TaskRecord>): TaskRecord {
    const active = this.doc.active
    if (!active || active.task_id !== taskId) throw new Error(`task ${taskId} is not the active task`)
    const updated = { ...active, ...patch, task_id: active.task_id }
    this.doc.active = updated
    this.persist('update')
    return updated
  }

  /**
   * The task's outcome: clears its slot and queues the frame in the outbox in one atomic write.
   * Returns null when the task is no longer held here (e.g. the hub reassigned it meanwhile).
   */
  finish(taskId: string, frame: OutcomeFrame): OutboxEntry | null {
    let held = false
    if (this.doc.active?.task_id === taskId) {
      this.doc.active = null
      held = true
    }
    if (this.doc.recovering?.task_id === taskId) {
      this.doc.recovering = null
      held = true
    }
    if (!held) return null
    const entry = this.appendOutbox(frame)
    this.persist('finish')
    return entry
  }

  /**
   * The hub's `task_continue` (spec §5.4 step 3, defects fixed): adopt the hub's generation and
   * make the task active again. If another task became active meanwhile, the recovered task is
   * failed back to the hub (it requeues it at once) instead of silently dropping either task.
   */
  continueRecovering(taskId: string, generation: number): ContinueResult {
    const recovering = this.doc.recovering
    if (recovering && recovering.task_id === taskId) {
      this.doc.recovering = null
      if (this.doc.active) {
        const entry = this.appendOutbox(failedFrame(taskId, generation, 'busy_after_recovery'))
        this.persist('continue_conflict')
        return { outcome: 'conflict', entry }
      }
      const task: TaskRecord = { ...recovering, generation }
      this.doc.active = task
      this.persist('continue')
      return { outcome: 'resume', task }
    }
    const orphan = this.doc.orphans.find((o) => o.task_id === taskId)
    if (orphan) {
      this.doc.orphans = this.doc.orphans.filter((o) => o !== orphan)
      const entry = this.appendOutbox(failedFrame(taskId, generation, orphan.reason))
      this.persist('orphan_failed')
      return { outcome: 'orphan_failed', entry }
    }
    return { outcome: 'unknown' }
  }

  /** The hub's `task_reassign`: forget the recovering task or orphan with that id. */
  dropRecovering(taskId: string): boolean {
    let dropped = false
    if (this.doc.recovering?.task_id === taskId) {
      this.doc.recovering = null
      dropped = true
    }
    const before = this.doc.orphans.length
    this.doc.orphans = this.doc.orphans.filter((o) => o.task_id !== taskId)
    dropped ||= this.doc.orphans.length !== before
    if (dropped) this.persist('reassign')
    return dropped
  }

  /** The hub took the task away (`task_reassign` for the active task): forget it, send nothing. */
  abandon(taskId: string): boolean {
    if (this.doc.active?.task_id !== taskId) return this.dropRecovering(taskId)
    this.doc.active = null
    this.persist('abandon')
    return true
  }

  /** Puts an outcome in the outbox for a task not held in a slot (e.g. an orphan). */
  enqueueOutcome(frame: OutcomeFrame): OutboxEntry {
    const entry = this.appendOutbox(frame)
    this.persist('enqueue')
    return entry
  }

  /** The hub confirmed (or definitively refused) the entry: it is not sent again. */
  removeOutboxEntry(seq: number): void {
    const before = this.doc.outbox.length
    this.doc.outbox = this.doc.outbox.filter((e) => e.seq !== seq)
    if (this.doc.outbox.length !== before) this.persist('outbox_remove')
  }

  private appendOutbox(frame: OutcomeFrame): OutboxEntry {
    const entry: OutboxEntry = { seq: this.doc.next_outbox_seq, created_at: this.clock.now(), frame }
    this.doc.next_outbox_seq += 1
    this.doc.outbox = [...this.doc.outbox, entry]
    return entry
  }

  private persist(what: string): void {
    writeFileDurably(this.path, `${JSON.stringify(this.doc, null, 2)}\n`)
    this.onPersisted?.(what)
  }

  private load(): { doc: QueueDocument; corruption: CorruptionReport | null } {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { doc: emptyDocument(), corruption: null }
      throw err
    }
    let problem: string
    try {
      const parsed: unknown = JSON.parse(text)
      if (validateDocument(parsed)) return { doc: parsed as unknown as QueueDocument, corruption: null }
      const first = validateDocument.errors?.[0]
      problem = `schema mismatch at ${first?.instancePath || '/'}: ${first?.message ?? 'invalid'}`
    } catch (err) {
      problem = `unparseable: ${errorMessage(err)}`
    }
    return this.setAside(text, problem)
  }

  private setAside(text: string, problem: string): { doc: QueueDocument; corruption: CorruptionReport } {
    const keptAt = `${this.path}.corrupt-${this.clock.now()}`
    renameSync(this.path, keptAt)
    const salvaged = salvageTaskIds(text)
    const doc = emptyDocument()
    doc.orphans = salvaged.map((task_id) => ({
      task_id,
      description: '',
      metadata: {},
      last_status: 'unknown',
      reason: 'local_queue_corrupt',
    }))
    this.log.log('error', 'local_queue_corrupt', { path: this.path, kept_at: keptAt, error: problem, salvaged_task_ids: salvaged })
    return { doc, corruption: { keptAt, error: problem, salvagedTaskIds: salvaged } }
  }
}

export function emptyDocument(): QueueDocument {
  return { version: 1, active: null, recovering: null, orphans: [], outbox: [], next_outbox_seq: 1 }
}

/** Builds the persisted record from a validated `task_assign` (spec §5.2 defaults). */
export function taskRecordFromAssign(frame: TaskAssignFrame, now: number): TaskRecord {
  return {
    task_id: frame.task_id,
    description: frame.description ?? '',
    metadata: frame.metadata ?? {},
    status: 'accepted',
    assigned_at: frame.assigned_at ?? now,
    accepted_at: now,
    generation: frame.generation ?? 0,
    wake_attempts: 0,
    repo: frame.repo ?? null,
    branch: frame.branch ?? null,
    file_hints: frame.file_hints ?? [],
    success_criteria: frame.success_criteria ?? [],
    verification_steps: frame.verification_steps ?? [],
    complexity: frame.complexity ?? null,
    skip_verification: frame.skip_verification ?? false,
    verification_timeout_ms: frame.verification_timeout_ms ?? null,
    routing_decision: frame.routing_decision ?? null,
    max_verification_retries: frame.max_verification_retries ?? 0,
    run_count: 0,
  }
}

export function failedFrame(taskId: string, generation: number, reason: string): OutcomeFrame {
  return { type: 'task_failed', task_id: taskId, generation, reason }
}

function orphanOf(task: TaskRecord, reason: string): OrphanTask {
  return { task_id: task.task_id, description: task.description, metadata: task.metadata, last_status: task.status, reason }
}

/** Best effort: the task ids still readable in a damaged file, so the hub can be told about them. */
export function salvageTaskIds(text: string): string[] {
  const ids = new Set<string>()
  for (const match of text.matchAll(/"task_id"\s*:\s*"((?:[^"\\]|\\.){1,256})"/g)) {
    try {
      ids.add(JSON.parse(`"${match[1]}"`) as string)
    } catch {
      // an id cut in half by the damage is not worth reporting
    }
  }
  return [...ids]
}

/**
 * Replaces `path` with `data` so that after a crash at any instant the file holds either the old
 * or the new content, and the new content survives power loss once this returns.
 */
export function writeFileDurably(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w', 0o600)
  try {
    const buffer = Buffer.from(data, 'utf8')
    let offset = 0
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  fsyncDirectory(join(path, '..'))
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch (err) {
    // some platforms (Windows) cannot fsync a directory; the rename is still atomic there
    if ((err as NodeJS.ErrnoException).code !== 'EISDIR' && (err as NodeJS.ErrnoException).code !== 'EPERM') throw err
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function removeStaleTempFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${QUEUE_FILE}.tmp-`)) {
      try {
        unlinkSync(join(dir, name))
      } catch {
        // another sidecar instance would be a configuration error reported elsewhere
      }
    }
  }
}
