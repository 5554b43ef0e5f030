import t from 'tap'
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
  type TransitionOk,
  type TransitionResult,
} from '../../actors/task-queue/transitions'
import type { RoutingDecision, Task } from '../../actors/task-queue/task'

const T0 = 1_700_000_000_000

function okTask<O>(r: TransitionResult<O>): TransitionOk<O> {
  if (!r.ok) throw new Error(`expected ok, got ${r.error}`)
  return r
}

const queued = (input: Parameters<typeof submit>[0] = {}, now = T0): Task =>
  submit(input, { now, id: 'task-00000000000000aa' }).task

const assignedTo = (agent: string, task: Task = queued(), now = T0 + 10): Task =>
  okTask(assign(task, { agent_id: agent }, now)).task

t.test('submit: queued task, task_submitted event, index insert', async (t) => {
  const r = submit({ description: 'x', priority: 'urgent' }, { now: T0, id: 'task-1' })
  t.equal(r.task.status, 'queued')
  t.same(r.events.map((e) => e.event), ['task_submitted'])
  t.same(r.events[0], { event: 'task_submitted', task_id: 'task-1', task: r.task, timestamp: T0 })
  t.same(r.effects, { write: 'task_queue', remove: null, index: 'insert', released: null })
})

t.test('assign: queued → assigned with generation +1, history and event', async (t) => {
  const task = queued()
  const r = okTask(assign(task, { agent_id: 'a1' }, T0 + 5))
  t.match(r.task, { status: 'assigned', assigned_to: 'a1', assigned_at: T0 + 5, generation: 1, updated_at: T0 + 5 })
  t.same(r.task.history[0], { event: 'assigned', timestamp: T0 + 5, details: { agent_id: 'a1', generation: 1 } })
  t.same(r.events.map((e) => e.event), ['task_assigned'])
  t.same(r.effects, { write: 'task_queue', remove: null, index: 'remove', released: null })
  t.equal(task.status, 'queued', 'the input record is not mutated')
  t.equal(r.task.created_at, T0, 'created_at never changes')
})

t.test('assign stores a routing decision when given', async (t) => {
  const decision: RoutingDecision = {
    effective_tier: 'trivial', target_type: 'sidecar', selected_endpoint: null, selected_model: null,
    fallback_used: false, fallback_from_tier: null, fallback_reason: null, candidate_count: 0,
    classification_reason: 'inferred:trivial (confidence 0.90, word_count=3, files=0)',
    estimated_cost_tier: 'free', decided_at: T0,
  }
  t.same(okTask(assign(queued(), { agent_id: 'a', routing_decision: decision }, T0)).task.routing_decision, decision)
  t.equal(okTask(assign(queued(), { agent_id: 'a' }, T0)).task.routing_decision, null)
})

t.test('assign errors: not_found, invalid_state with the status', async (t) => {
  t.same(assign(undefined, { agent_id: 'a' }, T0), { ok: false, error: 'not_found' })
  t.same(assign(assignedTo('a'), { agent_id: 'b' }, T0), { ok: false, error: 'invalid_state', status: 'assigned' })
  const done = okTask(complete(assignedTo('a'), { generation: 1 }, T0)).task
  t.same(assign(done, { agent_id: 'b' }, T0), { ok: false, error: 'invalid_state', status: 'completed' })
  const dead = okTask(fail(assignedTo('a', queued({ max_retries: 1 })), { generation: 1, error: 'x' }, T0)).task
  t.same(assign(dead, { agent_id: 'b' }, T0), { ok: false, error: 'not_found' }, 'dead letters are not in the active table')
})

t.test('touch (accept/progress) refreshes updated_at for the assignee only', async (t) => {
  const task = assignedTo('a1')
  const r = okTask(touch(task, { agent_id: 'a1' }, T0 + 999))
  t.equal(r.task.updated_at, T0 + 999)
  t.same(r.events, [])
  t.equal(r.task.history.length, task.history.length, 'no history entry')
  t.same(r.effects, { write: 'task_queue', remove: null, index: 'none', released: null })
  t.equal(okTask(touch(task, {}, T0 + 5)).task.updated_at, T0 + 5, 'without an agent id anyone may touch')
  t.same(touch(task, { agent_id: 'a2' }, T0), { ok: false, error: 'not_assignee' })
  t.same(touch(queued(), { agent_id: 'a1' }, T0), { ok: false, error: 'invalid_state', status: 'queued' })
  t.same(touch(undefined, {}, T0), { ok: false, error: 'not_found' })
})

t.test('complete: assigned + equal generation → completed', async (t) => {
  const task = assignedTo('a1')
  const r = okTask(
    complete(task, {
      generation: 1,
      agent_id: 'a1',
      result: { status: 'ok', tokens_used: 77 },
      verification_report: { status: 'pass' },
      verification_history: [{ run_number: 1 }, 'junk'],
    }, T0 + 50),
  )
  t.match(r.task, { status: 'completed', tokens_used: 77, generation: 1, assigned_to: 'a1', updated_at: T0 + 50 })
  t.same(r.task.result, { status: 'ok', tokens_used: 77 })
  t.same(r.task.verification_report, { status: 'pass' })
  t.same(r.task.verification_history, [{ run_number: 1 }])
  t.same(r.task.history[0], { event: 'completed', timestamp: T0 + 50, details: { tokens_used: 77 } })
  t.same(r.events.map((e) => e.event), ['task_completed'])
  t.same(r.effects, {
    write: 'task_queue', remove: null, index: 'none',
    released: { agent_id: 'a1', task_id: task.id, reason: 'completed' },
  })
})

t.test('complete: explicit tokens_used wins over result.tokens_used; absent → null', async (t) => {
  t.equal(okTask(complete(assignedTo('a'), { generation: 1, tokens_used: 5, result: { tokens_used: 9 } }, T0)).task.tokens_used, 5)
  const bare = okTask(complete(assignedTo('a'), { generation: 1 }, T0)).task
  t.equal(bare.tokens_used, null)
  t.equal(bare.result, null)
  t.equal(bare.verification_report, null)
  t.same(bare.verification_history, [])
})

t.test('fencing precedence: not_found → invalid_state → stale_generation → not_assignee', async (t) => {
  for (const op of ['complete', 'fail'] as const) {
    const run = (task: Task | undefined, generation: number, agent_id?: string) =>
      op === 'complete'
        ? complete(task, { generation, agent_id }, T0)
        : fail(task, { generation, agent_id, error: 'e' }, T0)
    t.same(run(undefined, 99, 'x'), { ok: false, error: 'not_found' }, `${op}: unknown task`)
    const dead = okTask(fail(assignedTo('a', queued({ max_retries: 1 })), { generation: 1, error: 'x' }, T0)).task
    t.same(run(dead, 1, 'a'), { ok: false, error: 'not_found' }, `${op}: dead-lettered task`)
    t.same(run(queued(), 99, 'x'), { ok: false, error: 'invalid_state', status: 'queued' }, `${op}: status before generation`)
    const done = okTask(complete(assignedTo('a'), { generation: 1 }, T0)).task
    t.same(run(done, 1, 'a'), { ok: false, error: 'invalid_state', status: 'completed' }, `${op}: completed`)
    const task = assignedTo('a')
    t.same(run(task, 0, 'b'), { ok: false, error: 'stale_generation' }, `${op}: generation before assignee`)
    t.same(run(task, 2, 'a'), { ok: false, error: 'stale_generation' }, `${op}: future generation`)
    t.same(run(task, 1, 'b'), { ok: false, error: 'not_assignee' }, `${op}: right generation, wrong agent`)
    t.ok(run(task, 1, 'a').ok, `${op}: the assignee with the current generation`)
    t.ok(run(task, 1).ok, `${op}: no agent id given → generation alone fences (internal callers)`)
  }
})

t.test('a stale report leaves the task untouched', async (t) => {
  // assign (gen 1) → reclaim (gen 2) → reassign to b (gen 3); a's late report carries gen 1
  const first = assignedTo('a')
  const back = okTask(reclaim(first, { agent_id: 'a', reason: 'acceptance_timeout' }, T0 + 1)).task
  const nowB = okTask(assign(back, { agent_id: 'b' }, T0 + 2)).task
  t.equal(nowB.generation, 3)
  const r = complete(nowB, { generation: 1, agent_id: 'a' }, T0 + 3)
  t.same(r, { ok: false, error: 'stale_generation' })
  t.ok(complete(nowB, { generation: 3, agent_id: 'b' }, T0 + 3).ok)
})

t.test('generation: +1 on every assignment and every return to the queue, unchanged otherwise', async (t) => {
  let task = queued({ max_retries: 2 })
  t.equal(task.generation, 0)
  task = okTask(assign(task, { agent_id: 'a' }, T0)).task
  t.equal(task.generation, 1, 'first assignment carries 1')
  task = okTask(fail(task, { generation: 1, error: 'boom' }, T0)).task
  t.equal(task.generation, 2, 'failure requeue')
  t.equal(task.status, 'queued')
  task = okTask(assign(task, { agent_id: 'a' }, T0)).task
  t.equal(task.generation, 3, 'next assignment')
  task = okTask(reclaim(task, { agent_id: 'a', reason: 'stuck' }, T0)).task
  t.equal(task.generation, 4, 'reclaim')
  task = okTask(assign(task, { agent_id: 'b' }, T0)).task
  t.equal(task.generation, 5)
  task = okTask(fail(task, { generation: 5, error: 'again' }, T0)).task
  t.equal(task.status, 'dead_letter')
  t.equal(task.generation, 5, 'dead-lettering does not change it')
  task = okTask(retryDeadLetter(task, T0)).task
  t.equal(task.generation, 6, 'dead-letter retry')
  task = okTask(expire(task, T0)).task
  t.equal(task.generation, 6, 'TTL expiry does not change it')
  const done = okTask(complete(assignedTo('c'), { generation: 1 }, T0)).task
  t.equal(done.generation, 1, 'completion does not change it')
})

t.test('retry arithmetic: max_retries 3 ⇒ 3 attempts', async (t) => {
  let task = queued()
  const outcomes: string[] = []
  for (let attempt = 1; attempt <= 3; attempt++) {
    task = okTask(assign(task, { agent_id: 'a' }, T0 + attempt)).task
    const r = okTask(fail(task, { generation: task.generation, error: `err ${attempt}` }, T0 + attempt))
    outcomes.push(r.outcome)
    task = r.task
    t.equal(task.retry_count, attempt)
    t.equal(task.last_error, `err ${attempt}`)
  }
  t.same(outcomes, ['retried', 'retried', 'dead_letter'])
  t.equal(task.status, 'dead_letter')
  t.same(task.history.slice(0, 3).map((h) => [h.event, h.details]), [
    ['dead_letter', 'err 3'], ['assigned', { agent_id: 'a', generation: 5 }], ['retry', 'err 2'],
  ])
})

t.test('fail effects: requeue goes back to the index, dead-letter moves tables', async (t) => {
  const retried = okTask(fail(assignedTo('a'), { generation: 1, agent_id: 'a', error: 'x' }, T0))
  t.match(retried.task, { status: 'queued', assigned_to: null, assigned_at: null, retry_count: 1 })
  t.same(retried.events.map((e) => e.event), ['task_retried'])
  t.same(retried.effects, {
    write: 'task_queue', remove: null, index: 'insert',
    released: { agent_id: 'a', task_id: 'task-00000000000000aa', reason: 'failed' },
  })
  const dead = okTask(fail(assignedTo('a', queued({ max_retries: 1 })), { generation: 1, error: 'x' }, T0))
  t.same(dead.events.map((e) => e.event), ['task_dead_letter'])
  t.same(dead.effects, {
    write: 'task_dead_letter', remove: 'task_queue', index: 'none',
    released: { agent_id: 'a', task_id: 'task-00000000000000aa', reason: 'failed' },
  })
})

t.test('max_retries 0 or negative dead-letters on the first failure', async (t) => {
  for (const max_retries of [0, -3, 1]) {
    const r = okTask(fail(assignedTo('a', queued({ max_retries })), { generation: 1, error: 'x' }, T0))
    t.equal(r.outcome, 'dead_letter', `max_retries ${max_retries}`)
  }
})

t.test('reclaim: back to the queue, no retry counted, history labels the reason', async (t) => {
  for (const reason of ['agent_disconnect', 'acceptance_timeout', 'stuck', 'overdue'] as const) {
    const task = assignedTo('a')
    const r = okTask(reclaim(task, { agent_id: 'a', reason }, T0 + 7))
    t.match(r.task, { status: 'queued', assigned_to: null, assigned_at: null, retry_count: 0, generation: 2 })
    t.same(r.task.history[0], { event: 'reclaimed', timestamp: T0 + 7, details: reason })
    t.same(r.events.map((e) => e.event), ['task_reclaimed'])
    t.same(r.effects, { write: 'task_queue', remove: null, index: 'insert', released: { agent_id: 'a', task_id: task.id, reason } })
  }
})

t.test('reclaims never count as attempts: a task can bounce indefinitely', async (t) => {
  let task = queued()
  for (let i = 0; i < 30; i++) {
    task = okTask(assign(task, { agent_id: 'a' }, T0 + i)).task
    task = okTask(reclaim(task, { agent_id: 'a', reason: 'agent_disconnect' }, T0 + i)).task
  }
  t.equal(task.status, 'queued')
  t.equal(task.retry_count, 0)
  t.equal(task.generation, 60)
  t.equal(task.history.length, 50, 'history stays capped')
})

t.test('reclaim is assignee-checked: a late reclaim for A never touches a task now held by B', async (t) => {
  const heldByA = assignedTo('a')
  const requeued = okTask(reclaim(heldByA, { agent_id: 'a', reason: 'stuck' }, T0 + 1)).task
  const heldByB = okTask(assign(requeued, { agent_id: 'b' }, T0 + 2)).task
  // A's acceptance timer fires late, or A disconnects after the stuck sweep reclaimed its task
  t.same(reclaim(heldByB, { agent_id: 'a', reason: 'acceptance_timeout' }, T0 + 3), { ok: false, error: 'not_assignee' })
  t.same(reclaim(heldByB, { agent_id: 'a', reason: 'agent_disconnect' }, T0 + 3), { ok: false, error: 'not_assignee' })
  t.ok(reclaim(heldByB, { agent_id: 'b', reason: 'agent_disconnect' }, T0 + 3).ok)
})

t.test('reclaim errors in order: not_found → not_assigned → not_assignee → stale_generation', async (t) => {
  t.same(reclaim(undefined, { agent_id: 'a', reason: 'stuck' }, T0), { ok: false, error: 'not_found' })
  t.same(reclaim(queued(), { agent_id: 'a', reason: 'stuck' }, T0), { ok: false, error: 'not_assigned', status: 'queued' })
  const done = okTask(complete(assignedTo('a'), { generation: 1 }, T0)).task
  t.same(reclaim(done, { agent_id: 'a', reason: 'overdue' }, T0), { ok: false, error: 'not_assigned', status: 'completed' })
  const task = assignedTo('a')
  t.same(reclaim(task, { agent_id: 'b', reason: 'stuck', generation: 0 }, T0), { ok: false, error: 'not_assignee' })
  t.same(reclaim(task, { agent_id: 'a', reason: 'stuck', generation: 0 }, T0), { ok: false, error: 'stale_generation' })
  t.ok(reclaim(task, { agent_id: 'a', reason: 'stuck', generation: 1 }, T0).ok)
})

t.test('reject (task_rejected: sidecar busy): requeued at once, assignee-checked', async (t) => {
  const task = assignedTo('a')
  const r = okTask(reject(task, { agent_id: 'a', generation: 1 }, T0 + 3))
  t.match(r.task, { status: 'queued', assigned_to: null, generation: 2, retry_count: 0 })
  t.same(r.task.history[0], { event: 'reclaimed', timestamp: T0 + 3, details: 'rejected' })
  t.same(r.events.map((e) => e.event), ['task_reclaimed'])
  t.same(r.effects.released, { agent_id: 'a', task_id: task.id, reason: 'rejected' })
  t.same(reject(task, { agent_id: 'b' }, T0), { ok: false, error: 'not_assignee' })
  t.same(reject(r.task, { agent_id: 'a' }, T0), { ok: false, error: 'not_assigned', status: 'queued' })
  t.same(reject(undefined, { agent_id: 'a' }, T0), { ok: false, error: 'not_found' })
})

t.test('dead-letter retry: fresh attempts, fresh TTL, moves back to the active table', async (t) => {
  const dead = okTask(fail(assignedTo('a', queued({ max_retries: 1 })), { generation: 1, error: 'boom' }, T0 + 1)).task
  const r = okTask(retryDeadLetter(dead, T0 + 1000))
  t.match(r.task, {
    status: 'queued', retry_count: 0, generation: 2, last_error: null, assigned_to: null, assigned_at: null,
    created_at: T0, ttl_started_at: T0 + 1000,
  })
  t.same(r.task.history[0], { event: 'queued', timestamp: T0 + 1000, details: 'retried from dead-letter' })
  t.same(r.events.map((e) => e.event), ['task_retried'])
  t.same(r.effects, { write: 'task_queue', remove: 'task_dead_letter', index: 'insert', released: null })
  t.same(retryDeadLetter(queued(), T0), { ok: false, error: 'not_found' }, 'only dead letters')
  t.same(retryDeadLetter(undefined, T0), { ok: false, error: 'not_found' })
})

t.test('expire (TTL): queued → dead_letter ttl_expired; only queued tasks', async (t) => {
  const task = queued()
  const r = okTask(expire(task, T0 + 600_001))
  t.match(r.task, { status: 'dead_letter', last_error: 'ttl_expired', generation: 0 })
  t.same(r.task.history[0], { event: 'dead_letter', timestamp: T0 + 600_001, details: 'ttl_expired' })
  t.same(r.events.map((e) => e.event), ['task_dead_letter'])
  t.same(r.effects, { write: 'task_dead_letter', remove: 'task_queue', index: 'remove', released: null })
  t.same(expire(assignedTo('a'), T0), { ok: false, error: 'not_queued', status: 'assigned' })
  t.same(expire(r.task, T0), { ok: false, error: 'not_found' })
  t.same(expire(undefined, T0), { ok: false, error: 'not_found' })
})

t.test('holdForPausedRepo restarts the TTL clock without an event', async (t) => {
  const r = okTask(holdForPausedRepo(queued(), T0 + 700_000))
  t.equal(r.task.ttl_started_at, T0 + 700_000)
  t.equal(r.task.created_at, T0, 'ordering is unaffected')
  t.same(r.events, [])
  t.same(r.effects, { write: 'task_queue', remove: null, index: 'update', released: null })
  t.same(holdForPausedRepo(assignedTo('a'), T0), { ok: false, error: 'not_queued', status: 'assigned' })
})

t.test('recovery answer: continue only for the current assignee', async (t) => {
  const task = assignedTo('a')
  t.same(recoveryAnswer(task, task.id, 'a'), { type: 'task_continue', task_id: task.id, generation: 1 })
  t.same(recoveryAnswer(task, task.id, 'b'), { type: 'task_reassign', task_id: task.id }, 'no generation leak to others')
  t.same(recoveryAnswer(queued(), 'task-00000000000000aa', 'a'), { type: 'task_reassign', task_id: 'task-00000000000000aa' })
  t.same(recoveryAnswer(undefined, 'task-x', 'a'), { type: 'task_reassign', task_id: 'task-x' })
  const done = okTask(complete(task, { generation: 1 }, T0)).task
  t.same(recoveryAnswer(done, done.id, 'a'), { type: 'task_reassign', task_id: done.id })
})

t.test('every published event carries the full new record and the time', async (t) => {
  const results: TransitionResult<unknown>[] = [
    submit({}, { now: T0, id: 'task-e' }),
    assign(queued(), { agent_id: 'a' }, T0 + 1),
    complete(assignedTo('a'), { generation: 1 }, T0 + 2),
    fail(assignedTo('a'), { generation: 1, error: 'x' }, T0 + 3),
    reclaim(assignedTo('a'), { agent_id: 'a', reason: 'overdue' }, T0 + 4),
  ]
  for (const r of results) {
    const o = okTask(r)
    t.equal(o.events.length, 1)
    t.equal(o.events[0]!.task, o.task)
    t.equal(o.events[0]!.task_id, o.task.id)
    t.type(o.events[0]!.timestamp, 'number')
  }
})
