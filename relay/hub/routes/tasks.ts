// §4.6 tasks, through the `task-queue` contract (CONTRACTS.md). Every reply that reports a
// change is sent after the queue's LMDB write committed (the queue answers only then).
import { ACTOR, fsmName, sessionName } from '../../../actors/names'
import { callActor } from '../http/actor-call'
import { ADMIN_BEARER, AGENT_BEARER, checkHttpRate, requirePrincipal, validBody } from '../http/request-guards'
import type { RouteModule } from '../http/route-module'
import { HttpError, json } from '../transport'
import type { HubContext } from '../hub-context'

/** The parts of TaskView these routes read; the rest is passed through untouched. */
interface TaskView {
  id: string
  priority: number
  status: string
  created_at: number
  assigned_to: string | null
  [field: string]: unknown
}

type SubmitReply = { ok: true; task: TaskView; warnings?: string[] }
type RetryReply = { ok: true; task: TaskView } | { ok: false; error: 'not_found' }
type OfferReply = { ok: true; task_id: string; generation: number } | { ok: false; reason: string; detail?: string }

const PRIORITY_BY_NAME: Readonly<Record<string, number>> = { urgent: 0, high: 1, normal: 2, low: 3 }
/** `GET /api/tasks` lists the active table only. */
const LISTABLE_STATUSES = new Set(['queued', 'assigned', 'completed'])

export const taskRoutes: RouteModule = (router, hub) => {
  router.post('/api/tasks', async (req) => {
    const principal = await requirePrincipal(hub, req, AGENT_BEARER)
    await checkHttpRate(hub, 'post_task', req, { agentId: principal.agent_id, role: principal.role })
    const { body } = validBody(req, 'post_task')
    const reply = await callActor<SubmitReply>(hub, ACTOR.taskQueue, { type: 'submit', input: body, submitted_by: principal.agent_id })
    const task = reply.task
    const out: Record<string, unknown> = { status: 'queued', task_id: task.id, priority: task.priority, created_at: task.created_at }
    if (reply.warnings && reply.warnings.length > 0) out.warnings = reply.warnings
    return json(201, out)
  })

  router.get('/api/tasks', async (req) => {
    const principal = await requirePrincipal(hub, req, AGENT_BEARER)
    await checkHttpRate(hub, 'get_tasks', req, { agentId: principal.agent_id, role: principal.role })
    const tasks = await callActor<TaskView[]>(hub, ACTOR.taskQueue, { type: 'list', filter: listFilter(req.query) })
    return json(200, { tasks, count: tasks.length })
  })

  router.get('/api/tasks/dead-letter', async (req) => {
    await requirePrincipal(hub, req, AGENT_BEARER)
    const tasks = await callActor<TaskView[]>(hub, ACTOR.taskQueue, { type: 'dead_letter' })
    return json(200, { tasks, count: tasks.length })
  })

  router.get('/api/tasks/stats', async (req) => {
    await requirePrincipal(hub, req, AGENT_BEARER)
    return json(200, await callActor(hub, ACTOR.taskQueue, { type: 'stats' }))
  })

  router.get('/api/tasks/:task_id', async (req) => {
    const principal = await requirePrincipal(hub, req, AGENT_BEARER)
    await checkHttpRate(hub, 'get_task_detail', req, { agentId: principal.agent_id, role: principal.role })
    const task = await callActor<TaskView | null>(hub, ACTOR.taskQueue, { type: 'get', task_id: req.params.task_id })
    if (task === null) throw new HttpError(404, { error: 'task_not_found', task_id: req.params.task_id })
    return json(200, task)
  })

  router.post('/api/tasks/:task_id/retry', async (req) => {
    const principal = await requirePrincipal(hub, req, AGENT_BEARER)
    await checkHttpRate(hub, 'post_task_retry', req, { agentId: principal.agent_id, role: principal.role })
    const taskId = req.params.task_id
    const reply = await callActor<RetryReply>(hub, ACTOR.taskQueue, { type: 'retry_dead_letter', task_id: taskId })
    if (!reply.ok) throw new HttpError(404, { error: 'task_not_found', task_id: taskId })
    return json(200, { status: 'requeued', task_id: taskId, priority: reply.task.priority })
  })

  router.post('/api/admin/push-task', async (req) => {
    const principal = await requirePrincipal(hub, req, ADMIN_BEARER)
    await checkHttpRate(hub, 'post_admin_push_task', req, { agentId: principal.agent_id, role: principal.role })
    const { body } = validBody(req, 'post_admin_push_task')
    return pushTask(hub, principal.agent_id, body.agent_id, body.description, body.metadata)
  })
}

/**
 * The original sent a `task_assign` for a task that was never stored (completing it failed
 * and left the agent `working`). Here the task is a real queued task, offered at once to the
 * agent's FSM, which assigns it durably and pushes `task_assign` like any scheduled task.
 */
async function pushTask(hub: HubContext, submittedBy: string, agentId: string, description: string, metadata: Record<string, unknown> | undefined) {
  const fsm = hub.system.whereis(fsmName(agentId))
  if (!hub.system.whereis(sessionName(agentId)) || !fsm) throw new HttpError(404, { error: 'agent_not_connected', agent_id: agentId })
  const state = await fsm.call<{ fsm_state: string }>({ type: 'get' }).catch(() => null)
  if (state === null) throw new HttpError(404, { error: 'agent_not_connected', agent_id: agentId })
  if (state.fsm_state !== 'idle') throw new HttpError(409, { error: 'agent_busy', agent_id: agentId, fsm_state: state.fsm_state })
  const input: Record<string, unknown> = { description, priority: 'urgent' }
  if (metadata !== undefined) input.metadata = metadata
  const submitted = await callActor<SubmitReply>(hub, ACTOR.taskQueue, { type: 'submit', input, submitted_by: submittedBy })
  const taskId = submitted.task.id
  const offer = await fsm.call<OfferReply>({ type: 'offer', task_id: taskId }).catch((): OfferReply => ({ ok: false, reason: 'fsm_gone' }))
  if (offer.ok) return json(200, { status: 'pushed', task_id: taskId, agent_id: agentId })
  // the scheduler may have been quicker (to this agent or another one)
  const task = await callActor<TaskView | null>(hub, ACTOR.taskQueue, { type: 'get', task_id: taskId })
  if (task?.status === 'assigned' && task.assigned_to === agentId) return json(200, { status: 'pushed', task_id: taskId, agent_id: agentId })
  return json(202, {
    status: 'queued',
    task_id: taskId,
    agent_id: agentId,
    detail: 'the agent could not take the task now; it stays queued for normal scheduling',
  })
}

/** Unrecognised `status` / `priority` values are ignored (no filter), as the original. */
function listFilter(query: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {}
  const status = query.get('status')
  if (status !== null && LISTABLE_STATUSES.has(status)) filter.status = status
  const priority = query.get('priority')
  if (priority !== null && Object.hasOwn(PRIORITY_BY_NAME, priority)) filter.priority = PRIORITY_BY_NAME[priority]
  const assignedTo = query.get('assigned_to')
  if (assignedTo !== null && assignedTo !== '') filter.assigned_to = assignedTo
  return filter
}
