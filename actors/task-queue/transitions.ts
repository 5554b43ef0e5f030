// The task status machine (task-pipeline.md §2.4–§2.8) as pure functions. Each operation takes
// the current record (undefined when the id is unknown), the request and `now`, and returns
// either the new record plus the events to publish and the storage/index effects to apply, or
// an error. The queue actor is a thin shell: apply effects durably, then publish events.
//
// Fixed defects of the original (each listed in the final report as a deviation):
// - reclaim and reject are assignee-checked (a late reclaim for agent A never touches a task now
//   held by B) and may additionally be generation-checked;
// - complete/fail/touch reject a caller that is not the assignee (`not_assignee`), after the
//   spec's not_found → invalid_state → stale_generation precedence;
// - the recovery answer is `continue` only for the assignee (closes the fencing hole);
// - every op that ends an agent's hold reports it (`effects.released`) so the agent's FSM can
//   return to idle instead of staying `working` forever;
// - `task_rejected` (sidecar busy) requeues at once instead of waiting for a sweep.

import {
  createTask,
  withHistory,
  type CreateTaskOptions,
  type HistoryEntry,
  type RoutingDecision,
  type Task,
  type TaskStatus,
  type TaskSubmission,
} from './task'

export type TaskTable = 'task_queue' | 'task_dead_letter'

export type QueueEventName =
  | 'task_submitted'
  | 'task_assigned'
  | 'task_completed'
  | 'task_retried'
  | 'task_dead_letter'
  | 'task_reclaimed'

/** Published on topic `tasks` (§2.8) after the write committed. */
export interface TaskEvent {
  event: QueueEventName
  task_id: string
  task: Task
  timestamp: number
}

/** Why an agent's hold on a task ended; also the `reclaimed` history details. */
export type ReclaimReason = 'agent_disconnect' | 'acceptance_timeout' | 'stuck' | 'overdue'
export type ReleaseReason = ReclaimReason | 'rejected' | 'completed' | 'failed'

export interface TaskEffects {
  /** the table that must hold the new record */
  write: TaskTable
  /** a table the record must be deleted from in the same transaction (moves between tables) */
  remove: TaskTable | null
  /** how the in-memory index of queued tasks changes */
  index: 'insert' | 'remove' | 'update' | 'none'
  /** the agent whose hold on the task ended: tell its FSM (`task_released`) */
  released: { agent_id: string; task_id: string; reason: ReleaseReason } | null
}

export type TaskErrorCode =
  | 'not_found'
  | 'invalid_state'
  | 'stale_generation'
  | 'not_assignee'
  | 'not_assigned'
  | 'not_queued'

export interface TransitionOk<O = null> {
  ok: true
  task: Task
  events: TaskEvent[]
  effects: TaskEffects
  /** op-specific answer, e.g. `retried` / `dead_letter` for fail */
  outcome: O
}

export interface TransitionError {
  ok: false
  error: TaskErrorCode
  /** the status that made the op invalid (for `invalid_state`, `not_assigned`, `not_queued`) */
  status?: TaskStatus
}

export type TransitionResult<O = null> = TransitionOk<O> | TransitionError

// ---------------------------------------------------------------------------------------------

const refuse = (error: TaskErrorCode, status?: TaskStatus): TransitionError =>
  status === undefined ? { ok: false, error } : { ok: false, error, status }

function ok<O>(task: Task, events: QueueEventName[], effects: Partial<TaskEffects>, outcome: O, now: number): TransitionOk<O> {
  return {
    ok: true,
    task,
    events: events.map((event) => ({ event, task_id: task.id, task, timestamp: now })),
    effects: { write: 'task_queue', remove: null, index: 'none', released: null, ...effects },
    outcome,
  }
}

const entry = (event: string, now: number, details: HistoryEntry['details']): HistoryEntry => ({
  event,
  timestamp: now,
  details,
})

/** Dead-lettered tasks live outside the active table, so the active-table ops cannot see them. */
const inActiveTable = (task: Task | undefined): task is Task => task !== undefined && task.status !== 'dead_letter'

/** Back to `queued`: assignee cleared, generation +1 (§2.5). created_at is never touched. */
function requeued(task: Task, now: number, history: HistoryEntry, patch: Partial<Task> = {}): Task {
  return {
    ...task,
    ...patch,
    status: 'queued',
    assigned_to: null,
    assigned_at: null,
    generation: task.generation + 1,
    updated_at: now,
    history: withHistory(task.history, history),
  }
}

const release = (task: Task, reason: ReleaseReason): TaskEffects['released'] =>
  task.assigned_to === null ? null : { agent_id: task.assigned_to, task_id: task.id, reason }

/**
 * The fencing check shared by complete and fail, in the spec's order:
 * not_found → invalid_state → stale_generation, then (ours) not_assignee.
 */
function checkReport(task: Task | undefined, generation: number, agentId: string | undefined): TransitionError | null {
  if (!inActiveTable(task)) return refuse('not_found')
  if (task.status !== 'assigned') return refuse('invalid_state', task.status)
  if (generation !== task.generation) return refuse('stale_generation')
  if (agentId !== undefined && agentId !== task.assigned_to) return refuse('not_assignee')
  return null
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

export function submit(input: TaskSubmission, options: CreateTaskOptions): TransitionOk {
  const task = createTask(input, options)
  return ok(task, ['task_submitted'], { index: 'insert' }, null, options.now)
}

export interface AssignRequest {
  agent_id: string
  /** [v1.2] stored on the task together with the assignment */
  routing_decision?: RoutingDecision | null
}

/** queued → assigned; generation +1; leaves the index. */
export function assign(task: Task | undefined, req: AssignRequest, now: number): TransitionResult {
  if (!inActiveTable(task)) return refuse('not_found')
  if (task.status !== 'queued') return refuse('invalid_state', task.status)
  const generation = task.generation + 1
  const next: Task = {
    ...task,
    status: 'assigned',
    assigned_to: req.agent_id,
    assigned_at: now,
    generation,
    updated_at: now,
    routing_decision: req.routing_decision === undefined ? task.routing_decision : req.routing_decision,
    history: withHistory(task.history, entry('assigned', now, { agent_id: req.agent_id, generation })),
  }
  return ok(next, ['task_assigned'], { index: 'remove' }, null, now)
}

export interface TouchRequest {
  /** the reporting agent; when given, only the assignee may touch */
  agent_id?: string
}

/**
 * `task_accepted` / `task_progress`: refresh updated_at (what keeps the stuck sweep away).
 * No history, no event (the socket publishes its own).
 */
export function touch(task: Task | undefined, req: TouchRequest, now: number): TransitionResult {
  if (!inActiveTable(task)) return refuse('not_found')
  if (task.status !== 'assigned') return refuse('invalid_state', task.status)
  if (req.agent_id !== undefined && req.agent_id !== task.assigned_to) return refuse('not_assignee')
  return ok({ ...task, updated_at: now }, [], {}, null, now)
}

export interface CompleteRequest {
  generation: number
  agent_id?: string
  result?: unknown
  tokens_used?: unknown
  verification_report?: unknown
  verification_history?: unknown
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** `tokens_used` falls back to `result.tokens_used` (protocol.md §1.5). */
function tokensUsedFrom(req: CompleteRequest): number | null {
  if (Number.isInteger(req.tokens_used)) return req.tokens_used as number
  if (isPlainObject(req.result) && Number.isInteger(req.result.tokens_used)) return req.result.tokens_used as number
  return null
}

/** Fenced completion. The hub never interprets the verification outcome (smart-pipeline §9.1). */
export function complete(task: Task | undefined, req: CompleteRequest, now: number): TransitionResult {
  const rejected = checkReport(task, req.generation, req.agent_id)
  if (rejected) return rejected
  const t = task as Task
  const tokens_used = tokensUsedFrom(req)
  const next: Task = {
    ...t,
    status: 'completed',
    result: req.result ?? null,
    tokens_used,
    verification_report: isPlainObject(req.verification_report) ? req.verification_report : null,
    verification_history: Array.isArray(req.verification_history)
      ? req.verification_history.filter(isPlainObject)
      : [],
    updated_at: now,
    history: withHistory(t.history, entry('completed', now, { tokens_used })),
  }
  return ok(next, ['task_completed'], { released: release(t, 'completed') }, null, now)
}

export interface FailRequest {
  generation: number
  agent_id?: string
  /** `error` ?? `reason` ?? "unknown", resolved by the socket */
  error: string
}

export type FailOutcome = 'retried' | 'dead_letter'

/**
 * Fenced failure. retry_count +1; when the new count reaches max_retries the task is
 * dead-lettered (so max_retries 3 ⇒ 3 attempts), otherwise requeued with generation +1.
 */
export function fail(task: Task | undefined, req: FailRequest, now: number): TransitionResult<FailOutcome> {
  const rejected = checkReport(task, req.generation, req.agent_id)
  if (rejected) return rejected
  const t = task as Task
  const retry_count = t.retry_count + 1
  const released = release(t, 'failed')
  if (retry_count >= t.max_retries) {
    const next: Task = {
      ...t,
      status: 'dead_letter',
      retry_count,
      last_error: req.error,
      updated_at: now,
      history: withHistory(t.history, entry('dead_letter', now, req.error)),
    }
    return ok(next, ['task_dead_letter'], { write: 'task_dead_letter', remove: 'task_queue', released }, 'dead_letter', now)
  }
  const next = requeued(t, now, entry('retry', now, req.error), { retry_count, last_error: req.error })
  return ok(next, ['task_retried'], { index: 'insert', released }, 'retried', now)
}

export interface ReclaimRequest {
  /** the agent the caller believes holds the task; anyone else's task is left alone */
  agent_id: string
  reason: ReclaimReason
  /** when given, the assignment the caller saw; a newer one is left alone */
  generation?: number
}

/**
 * assigned → queued without counting an attempt. Errors: not_found → not_assigned →
 * not_assignee → stale_generation.
 */
export function reclaim(task: Task | undefined, req: ReclaimRequest, now: number): TransitionResult {
  return returnToQueue(task, req.agent_id, req.generation, req.reason, now)
}

export interface RejectRequest {
  agent_id: string
  generation?: number
}

/** The sidecar's `task_rejected` (it is busy): straight back to the queue, like a reclaim. */
export function reject(task: Task | undefined, req: RejectRequest, now: number): TransitionResult {
  return returnToQueue(task, req.agent_id, req.generation, 'rejected', now)
}

function returnToQueue(
  task: Task | undefined,
  agentId: string,
  generation: number | undefined,
  reason: ReclaimReason | 'rejected',
  now: number,
): TransitionResult {
  if (!inActiveTable(task)) return refuse('not_found')
  if (task.status !== 'assigned') return refuse('not_assigned', task.status)
  if (task.assigned_to !== agentId) return refuse('not_assignee')
  if (generation !== undefined && generation !== task.generation) return refuse('stale_generation')
  const next = requeued(task, now, entry('reclaimed', now, reason))
  return ok(next, ['task_reclaimed'], { index: 'insert', released: release(task, reason) }, null, now)
}

/** Operator retry of a dead-lettered task: fresh attempts, fresh TTL. */
export function retryDeadLetter(task: Task | undefined, now: number): TransitionResult {
  if (task === undefined || task.status !== 'dead_letter') return refuse('not_found')
  const next = requeued(task, now, entry('queued', now, 'retried from dead-letter'), {
    retry_count: 0,
    last_error: null,
    ttl_started_at: now,
  })
  return ok(next, ['task_retried'], { remove: 'task_dead_letter', index: 'insert' }, null, now)
}

/**
 * [v1.2] TTL expiry: queued → dead_letter with `ttl_expired`; generation unchanged. The caller
 * selects candidates (selectTtlExpired), which excludes trivial tasks and paused repos.
 */
export function expire(task: Task | undefined, now: number): TransitionResult {
  if (!inActiveTable(task)) return refuse('not_found')
  if (task.status !== 'queued') return refuse('not_queued', task.status)
  const next: Task = {
    ...task,
    status: 'dead_letter',
    last_error: 'ttl_expired',
    updated_at: now,
    history: withHistory(task.history, entry('dead_letter', now, 'ttl_expired')),
  }
  return ok(next, ['task_dead_letter'], { write: 'task_dead_letter', remove: 'task_queue', index: 'remove' }, null, now)
}

/**
 * Ours: a queued task whose TTL ran out while its repo is paused is held, not killed: its TTL
 * clock restarts, so it gets a full TTL window once the repo is active again. (The original
 * dead-lettered paused work after 10 minutes.) No event: nothing a scheduler can act on.
 */
export function holdForPausedRepo(task: Task | undefined, now: number): TransitionResult {
  if (!inActiveTable(task)) return refuse('not_found')
  if (task.status !== 'queued') return refuse('not_queued', task.status)
  return ok({ ...task, ttl_started_at: now, updated_at: now }, [], { index: 'update' }, null, now)
}

export type RecoveryAnswer =
  | { type: 'task_continue'; task_id: string; generation: number }
  | { type: 'task_reassign'; task_id: string }

/**
 * `task_recovering`: continue only when the task is assigned to the caller (the original
 * answered continue for any assignee and handed out the other agent's generation).
 */
export function recoveryAnswer(task: Task | undefined, taskId: string, agentId: string): RecoveryAnswer {
  if (task !== undefined && task.status === 'assigned' && task.assigned_to === agentId) {
    return { type: 'task_continue', task_id: taskId, generation: task.generation }
  }
  return { type: 'task_reassign', task_id: taskId }
}
