// The task-queue actor on its own (real LMDB, virtual clock): every operation of the contract,
// fencing over the actor, retries and dead-letter, the sweeps, restart from storage, and the
// notices it sends to agent FSMs (recorded by fake `fsm:<id>` actors).
import t from 'tap'
import type { Test } from 'tap'
import { Actor, createTestSystem, type ActorSystem, type VirtualClock } from '../../actors/runtime'
import { openStorage, type Storage } from '../../storage'
import { ACTOR, TOPIC, fsmName } from '../../actors/names'
import { TaskQueueActor, TaskStorageError, type TaskEventMessage, type TaskQueueArgs } from '../../actors/task-queue/actor'
import type { AgentFsmCast } from '../../actors/agent-fsm/actor'
import type { FsmEvent } from '../../actors/agent-fsm/transitions'
import type { Task, TaskView } from '../../actors/task-queue/task'
import { FixedAnswer, tempDataDir } from './harness'

/** Records what the queue tells an agent's FSM. */
class FsmRecorder extends Actor<never, AgentFsmCast, never, { log: FsmEvent[] }> {
  private log: FsmEvent[] = []
  override init(args: { log: FsmEvent[] }): void {
    this.log = args.log
  }
  override handleCast(msg: AgentFsmCast): void {
    this.log.push(msg.event)
  }
}

interface QueueFixture {
  system: ActorSystem
  clock: VirtualClock
  storage: Storage
  dataDir: string
  events: TaskEventMessage[]
  call<R = any>(msg: Record<string, unknown>): Promise<R>
  submit(input?: Record<string, unknown>): Promise<TaskView>
  assign(taskId: string, agentId: string): Promise<Task>
  fsm(agentId: string): Promise<FsmEvent[]>
  stored(id: string): Task | undefined
  restart(): Promise<void>
  settle(): Promise<void>
}

async function startQueue(t: Test, args: Partial<TaskQueueArgs> = {}, dataDir = tempDataDir(t)): Promise<QueueFixture> {
  const storage = openStorage({ dataDir })
  const ts = createTestSystem()
  const events: TaskEventMessage[] = []
  ts.system.bus.subscribe(TOPIC.tasks, (e) => void events.push(e as TaskEventMessage))
  t.teardown(async () => {
    await ts.shutdown()
    await storage.close()
  })
  const spawn = () => ts.system.spawn(TaskQueueActor, { storage, ...args }, { name: ACTOR.taskQueue })
  await spawn()
  const queue = ts.system.byName(ACTOR.taskQueue)
  const fx: QueueFixture = {
    system: ts.system,
    clock: ts.clock,
    storage,
    dataDir,
    events,
    call: (msg) => queue.call(msg as never),
    async submit(input = {}) {
      const reply = await queue.call<{ ok: true; task: TaskView }>({ type: 'submit', input: { description: 'do it', ...input }, submitted_by: 'tester' } as never)
      return reply.task
    },
    async assign(taskId, agentId) {
      const reply = await queue.call<{ ok: boolean; task: Task; error?: string }>({ type: 'assign', task_id: taskId, agent_id: agentId } as never)
      if (!reply.ok) throw new Error(`assign refused: ${reply.error}`)
      return reply.task
    },
    async fsm(agentId) {
      const log: FsmEvent[] = []
      await ts.system.spawn(FsmRecorder, { log }, { name: fsmName(agentId) })
      return log
    },
    stored: (id) => storage.table<string, Task>('task_queue').get(id) ?? storage.table<string, Task>('task_dead_letter').get(id),
    async restart() {
      const ref = ts.system.whereis(ACTOR.taskQueue)!
      await ts.system.stop(ref)
      await spawn()
    },
    async settle() {
      await ts.clock.settle()
      await storage.settled()
      await ts.clock.settle()
    },
  }
  return fx
}

const idle = (agent_id: string, capabilities: string[] = []) => ({ agent_id, fsm_state: 'idle', capabilities, rate_limited: false })

t.test('submit: defaults, complexity, durable before the reply, warnings past 10 steps', async (t) => {
  const q = await startQueue(t)
  const task = await q.submit({ description: 'fix typo in docs', priority: 'urgent', metadata: { k: 1 } })
  t.match(task, { status: 'queued', priority: 0, generation: 0, retry_count: 0, max_retries: 3, submitted_by: 'tester', metadata: { k: 1 } })
  t.match(task.id, /^task-[0-9a-f]{16}$/)
  t.equal(task.complexity?.effective_tier, 'trivial')
  t.notOk('signals' in (task.complexity?.inferred ?? {}), 'the view hides complexity signals')
  t.notOk('ttl_started_at' in task, 'the view hides internal fields')
  t.equal(q.stored(task.id)?.status, 'queued', 'committed when submit replied')

  const steps = Array.from({ length: 11 }, (_, i) => ({ type: 'file_exists', target: `f${i}` }))
  const many = await q.call({ type: 'submit', input: { description: 'x', verification_steps: steps } })
  t.equal(many.warnings.length, 1)
  t.match(many.warnings[0], /11 verification steps.*10/)
  const ten = await q.call({ type: 'submit', input: { description: 'x', verification_steps: steps.slice(0, 10) } })
  t.notOk('warnings' in ten)

  const unknownPriority = await q.submit({ priority: 'whenever' })
  t.equal(unknownPriority.priority, 2, 'unknown priority → normal, silently')
})

t.test('bad input gets a clear error and never crashes the queue', async (t) => {
  const q = await startQueue(t)
  await t.rejects(q.call({ type: 'submit', input: 'nope' }), { name: 'TypeError', message: /input.*object/ })
  await t.rejects(q.call({ type: 'submit', input: null }), { name: 'TypeError' })
  await t.rejects(q.call({ type: 'frobnicate' }), { name: 'TypeError', message: /unknown call/ })
  t.same(await q.call({ type: 'get', task_id: 'task-none' }), null)
  t.same(await q.call({ type: 'complete', task_id: 'task-none', agent_id: 'a', generation: 1 }), { ok: false, error: 'not_found' })
  t.ok(q.system.whereis(ACTOR.taskQueue)?.isAlive(), 'still running')
})

t.test('fencing over the actor: not_found → invalid_state → stale_generation → not_assignee', async (t) => {
  const q = await startQueue(t)
  const a1 = await q.fsm('a1')
  const a2 = await q.fsm('a2')
  const task = await q.submit()
  t.same(await q.call({ type: 'complete', task_id: 'task-missing', agent_id: 'a1', generation: 1 }), { ok: false, error: 'not_found' })
  t.same(await q.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 0 }), { ok: false, error: 'invalid_state', status: 'queued' })
  await q.assign(task.id, 'a1')
  t.same(await q.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 0 }), { ok: false, error: 'stale_generation' })
  t.same(await q.call({ type: 'fail', task_id: task.id, agent_id: 'a1', generation: 7, error: 'x' }), { ok: false, error: 'stale_generation' })
  t.same(await q.call({ type: 'complete', task_id: task.id, agent_id: 'a2', generation: 1 }), { ok: false, error: 'not_assignee' })
  t.equal(q.stored(task.id)?.status, 'assigned', 'refused reports leave the task untouched')
  t.equal(q.stored(task.id)?.generation, 1)
  await q.settle()
  t.same(a1, [
    { type: 'report_rejected', task_id: 'task-missing' },
    { type: 'report_rejected', task_id: task.id },
    { type: 'report_rejected', task_id: task.id },
    { type: 'report_rejected', task_id: task.id },
  ], 'the reporter hears of every refused report (so it cannot stay working)')
  t.same(a2, [{ type: 'report_rejected', task_id: task.id }])

  t.same(await q.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 1, result: { tokens_used: 9 } }), { ok: true })
  t.match(q.stored(task.id), { status: 'completed', tokens_used: 9, result: { tokens_used: 9 } })
  t.same(await q.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 1 }), { ok: false, error: 'invalid_state', status: 'completed' })
  await q.settle()
  t.same(a1.slice(4), [{ type: 'report_accepted', task_id: task.id }, { type: 'report_rejected', task_id: task.id }])
})

t.test('retries: max_retries 3 ⇒ 3 attempts, then dead-letter; dead-letter retry starts over', async (t) => {
  const q = await startQueue(t)
  const task = await q.submit({ max_retries: 3 })
  const gens: number[] = []
  for (let attempt = 1; attempt <= 3; attempt++) {
    const assigned = await q.assign(task.id, 'a1')
    gens.push(assigned.generation)
    const reply = await q.call({ type: 'fail', task_id: task.id, agent_id: 'a1', generation: assigned.generation, error: `boom ${attempt}` })
    t.same(reply, { ok: true, outcome: attempt < 3 ? 'retried' : 'dead_letter' }, `attempt ${attempt}`)
  }
  t.same(gens, [1, 3, 5], 'assignment and requeue both bump the generation')
  const dead = q.stored(task.id)!
  t.match(dead, { status: 'dead_letter', retry_count: 3, last_error: 'boom 3', generation: 5 })
  t.notOk(q.storage.table('task_queue').get(task.id), 'moved out of the active table in the same transaction')
  t.equal((await q.call<TaskView>({ type: 'get', task_id: task.id })).status, 'dead_letter')
  t.same((await q.call<TaskView[]>({ type: 'dead_letter' })).map((x) => x.id), [task.id])
  t.match(await q.call({ type: 'stats' }), { dead_letter: 1, queued_index_size: 0 })
  t.same(await q.call({ type: 'assign', task_id: task.id, agent_id: 'a1' }), { ok: false, error: 'not_found' })

  const retried = await q.call({ type: 'retry_dead_letter', task_id: task.id })
  t.match(retried, { ok: true, task: { status: 'queued', retry_count: 0, last_error: null, generation: 6 } })
  t.equal(q.stored(task.id)?.status, 'queued')
  t.notOk(q.storage.table('task_dead_letter').get(task.id))
  t.same(await q.call({ type: 'retry_dead_letter', task_id: task.id }), { ok: false, error: 'not_found' })
  await q.settle()
  t.same(
    q.events.filter((e) => e.task_id === task.id).map((e) => e.event),
    ['task_submitted', 'task_assigned', 'task_retried', 'task_assigned', 'task_retried', 'task_assigned', 'task_dead_letter', 'task_retried'],
  )
})

t.test('one task per agent: the queue refuses a second assignment (agent_busy)', async (t) => {
  const q = await startQueue(t)
  const one = await q.submit()
  const two = await q.submit()
  await q.assign(one.id, 'a1')
  t.same(await q.call({ type: 'assign', task_id: two.id, agent_id: 'a1' }), { ok: false, error: 'agent_busy' })
  t.same(await q.call({ type: 'assign', task_id: one.id, agent_id: 'a2' }), { ok: false, error: 'invalid_state', status: 'assigned' })
  t.same(await q.call({ type: 'assigned_to', agent_id: 'a1' }), [{ task_id: one.id, generation: 1 }])
})

t.test('accepted / progress touch updated_at for the assignee and tell its FSM', async (t) => {
  const q = await startQueue(t)
  const a1 = await q.fsm('a1')
  const task = await q.submit()
  await q.assign(task.id, 'a1')
  await q.clock.advance(1000)
  t.same(await q.call({ type: 'accepted', task_id: task.id, agent_id: 'a1' }), { ok: true })
  t.equal(q.stored(task.id)?.updated_at, q.clock.now())
  t.same(await q.call({ type: 'accepted', task_id: task.id, agent_id: 'intruder' }), { ok: false })
  await q.clock.advance(1000)
  q.system.whereis(ACTOR.taskQueue)!.cast({ type: 'progress', task_id: task.id, agent_id: 'a1' })
  await q.call({ type: 'sync' })
  t.equal(q.stored(task.id)?.updated_at, q.clock.now(), 'progress is durable too')
  await q.settle()
  t.same(a1, [{ type: 'task_accepted', task_id: task.id }])
})

t.test('task_rejected requeues at once and moves the FSM to blocked', async (t) => {
  const q = await startQueue(t)
  const a1 = await q.fsm('a1')
  const task = await q.submit()
  await q.assign(task.id, 'a1')
  t.same(await q.call({ type: 'rejected', task_id: task.id, agent_id: 'a2' }), { ok: false }, 'only the assignee can reject')
  t.same(await q.call({ type: 'rejected', task_id: task.id, agent_id: 'a1' }), { ok: true })
  t.match(q.stored(task.id), { status: 'queued', assigned_to: null, generation: 2, retry_count: 0 })
  await q.settle()
  t.same(a1, [{ type: 'task_released', task_id: task.id, reason: 'rejected' }])
  t.equal(q.events.at(-1)?.event, 'task_reclaimed')
  t.equal(q.events.at(-1)?.agent_id, 'a1')
})

t.test('recovering: continue only for the current assignee', async (t) => {
  const q = await startQueue(t)
  const a1 = await q.fsm('a1')
  const task = await q.submit()
  t.same(await q.call({ type: 'recovering', task_id: task.id, agent_id: 'a1' }), { type: 'task_reassign', task_id: task.id })
  await q.assign(task.id, 'a1')
  t.same(await q.call({ type: 'recovering', task_id: task.id, agent_id: 'a1' }), { type: 'task_continue', task_id: task.id, generation: 1 })
  t.same(await q.call({ type: 'recovering', task_id: task.id, agent_id: 'a2' }), { type: 'task_reassign', task_id: task.id })
  t.same(await q.call({ type: 'recovering', task_id: 'task-gone', agent_id: 'a1' }), { type: 'task_reassign', task_id: 'task-gone' })
  await q.settle()
  t.same(a1, [{ type: 'task_continued', task_id: task.id }])
})

t.test('reclaim is assignee- and generation-checked; a late reclaim for A never touches B', async (t) => {
  const q = await startQueue(t)
  const a = await q.fsm('A')
  const b = await q.fsm('B')
  const task = await q.submit()
  const first = await q.assign(task.id, 'A')
  t.same(await q.call({ type: 'reclaim', task_id: task.id, agent_id: 'A', reason: 'agent_disconnect', generation: first.generation }), {
    ok: true,
    task: (await q.call({ type: 'get', task_id: task.id })),
  })
  const second = await q.assign(task.id, 'B')
  // A's acceptance timeout / disconnect arrives late
  t.same(await q.call({ type: 'reclaim', task_id: task.id, agent_id: 'A', reason: 'acceptance_timeout', generation: first.generation }), { ok: false, error: 'not_assignee' })
  t.same(await q.call({ type: 'reclaim', task_id: task.id, agent_id: 'B', reason: 'agent_disconnect', generation: first.generation }), { ok: false, error: 'stale_generation' })
  t.match(q.stored(task.id), { status: 'assigned', assigned_to: 'B', generation: second.generation })
  t.same(await q.call({ type: 'reclaim', task_id: 'task-none', agent_id: 'B', reason: 'stuck' }), { ok: false, error: 'not_found' })
  await q.settle()
  t.same(a, [{ type: 'task_released', task_id: task.id, reason: 'agent_disconnect' }])
  t.same(b, [])
  t.same(q.stored(task.id)!.history.slice(0, 3).map((h) => h.event), ['assigned', 'reclaimed', 'assigned'])
  t.equal(q.stored(task.id)!.retry_count, 0, 'reclaims never count as attempts')
})

t.test('overdue sweep every 30 s reclaims assigned tasks past complete_by (progress does not help)', async (t) => {
  const q = await startQueue(t)
  const a1 = await q.fsm('a1')
  const start = q.clock.now()
  const late = await q.submit({ complete_by: start + 40_000 })
  const fine = await q.submit({ complete_by: start + 10 * 60_000 })
  const queuedLate = await q.submit({ complete_by: start + 1 })
  await q.assign(late.id, 'a1')
  await q.assign(fine.id, 'a2')
  await q.clock.advance(30_000)
  await q.settle()
  t.equal(q.stored(late.id)?.status, 'assigned', 'not yet due at the first sweep')
  q.system.whereis(ACTOR.taskQueue)!.cast({ type: 'progress', task_id: late.id, agent_id: 'a1' })
  await q.clock.advance(30_000)
  await q.settle()
  t.match(q.stored(late.id), { status: 'queued', assigned_to: null, generation: 2 })
  t.same(q.stored(late.id)!.history[0]!.details, 'overdue')
  t.equal(q.stored(fine.id)?.status, 'assigned')
  t.equal(q.stored(queuedLate.id)?.status, 'queued', 'only assigned tasks are reclaimed')
  t.same(a1, [{ type: 'task_released', task_id: late.id, reason: 'overdue' }])
})

t.test('stuck sweep: assigned without a touch for 5 min is reclaimed', async (t) => {
  const q = await startQueue(t)
  const task = await q.submit()
  const touched = await q.submit()
  await q.assign(task.id, 'a1')
  await q.assign(touched.id, 'a2')
  await q.clock.advance(200_000)
  await q.call({ type: 'accepted', task_id: touched.id, agent_id: 'a2' })
  await q.clock.advance(100_001)
  t.same(await q.call({ type: 'reclaim_stuck' }), { task_ids: [task.id] })
  t.match(q.stored(task.id), { status: 'queued', generation: 2 })
  t.equal(q.stored(touched.id)?.status, 'assigned')
})

t.test('TTL sweep: non-trivial queued tasks expire, trivial ones and paused repos are kept', async (t) => {
  const q = await startQueue(t, { taskTtlMs: 600_000 })
  await q.system.spawn(FixedAnswer, { answers: { paused_repos: ['https://git.example/paused'], top_active_repo: null } }, { name: ACTOR.repoRegistry })
  const standard = await q.submit({ description: 'implement the feature with care and tests please', complexity_tier: 'standard' })
  const trivial = await q.submit({ description: 'fix typo' })
  const paused = await q.submit({ description: 'standard work', complexity_tier: 'standard', repo: 'https://git.example/paused.git' })
  t.equal(trivial.complexity?.effective_tier, 'trivial')
  t.equal(paused.repo, 'https://git.example/paused', 'repo normalised')
  await q.clock.advance(600_000)
  await q.settle()
  t.equal(q.stored(standard.id)?.status, 'queued', 'exactly at the TTL it is not yet expired')
  await q.clock.advance(60_000)
  await q.settle()
  t.match(q.stored(standard.id), { status: 'dead_letter', last_error: 'ttl_expired', generation: 0 })
  t.equal(q.stored(trivial.id)?.status, 'queued')
  t.match(q.stored(paused.id), { status: 'queued', ttl_started_at: q.clock.now() }, 'held: its TTL clock restarted')
  t.match(await q.call({ type: 'stats' }), { dead_letter: 1, by_status: { queued: 2 }, queued_index_size: 2 })
})

t.test('TTL sweep: a silent repo registry skips the round instead of expiring paused work', async (t) => {
  const q = await startQueue(t, { taskTtlMs: 1000, lookupTimeoutMs: 100 })
  await q.system.spawn(FixedAnswer, { answers: {}, hang: true }, { name: ACTOR.repoRegistry })
  const task = await q.submit({ description: 'standard work', complexity_tier: 'standard' })
  await q.clock.advance(60_000)
  await q.clock.advance(200)
  await q.settle()
  t.equal(q.stored(task.id)?.status, 'queued')
  t.same(await q.call({ type: 'sweep_ttl' }), { task_ids: [task.id] }, 'an explicit sweep with no paused repos expires it')
})

t.test('nil-repo inheritance from the registry top active repo', async (t) => {
  const fixtureDir = tempDataDir(t)
  const ts = createTestSystem()
  t.teardown(ts.shutdown)
  await ts.system.spawn(FixedAnswer, { answers: { top_active_repo: 'https://git.example/top.git/', paused_repos: [] } }, { name: ACTOR.repoRegistry })
  const storage = openStorage({ dataDir: fixtureDir })
  t.teardown(() => storage.close())
  await ts.system.spawn(TaskQueueActor, { storage }, { name: ACTOR.taskQueue })
  await ts.clock.settle()
  const q = ts.system.byName(ACTOR.taskQueue)
  const inherited = await q.call<{ task: TaskView }>({ type: 'submit', input: { description: 'x' } } as never)
  t.equal(inherited.task.repo, 'https://git.example/top')
  const own = await q.call<{ task: TaskView }>({ type: 'submit', input: { description: 'x', repo: 'https://git.example/own' } } as never)
  t.equal(own.task.repo, 'https://git.example/own')
})

t.test('verification reports are stored with the completion', async (t) => {
  const q = await startQueue(t)
  const task = await q.submit()
  await q.assign(task.id, 'a1')
  const report = { run_number: 2, status: 'pass', started_at: 5, duration_ms: 30, summary: { total: 2, passed: 2, failed: 0 } }
  await q.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 1, verification_report: report, verification_history: [{ run_number: 1, status: 'fail' }] })
  const table = q.storage.table<[string, number], Record<string, unknown>>('verification_reports')
  t.match(table.get([task.id, 2]), { task_id: task.id, run_number: 2, status: 'pass', started_at: 5 })
  t.match(table.get([task.id, 1]), { task_id: task.id, run_number: 1, status: 'fail' })
  t.match(q.stored(task.id), { verification_report: report, verification_history: [{ run_number: 1, status: 'fail' }] })
})

t.test('plan: first-fit over the idle agents in order, one task each, capabilities respected', async (t) => {
  const q = await startQueue(t)
  const first = await q.submit({ priority: 'high' })
  const second = await q.submit({})
  const agents = [idle('busy'), idle('a1'), idle('a1'), idle('a2'), idle('a3'), idle('a4')]
  agents[0] = { ...agents[0]!, fsm_state: 'working' }
  const plan = await q.call({ type: 'plan', agents })
  t.same(plan.assignments.map((a: { agent_id: string; task: Task }) => [a.task.id, a.agent_id]), [[first.id, 'a1'], [second.id, 'a2']])
  t.equal(plan.idle_agents, 4, 'idle agents counted once each, busy ones not')
  t.equal(plan.queued_tasks, 2)
  const gpu = await q.submit({ priority: 'urgent', needed_capabilities: ['gpu'] })
  const withGpu = await q.call({ type: 'plan', agents: [idle('a1'), idle('a2'), idle('a3'), idle('g1', ['gpu'])] })
  t.same(withGpu.assignments.map((a: { agent_id: string; task: Task }) => [a.task.id, a.agent_id]), [[gpu.id, 'g1'], [first.id, 'a1'], [second.id, 'a2']])
  const held = await q.call({ type: 'plan', agents: [idle('a1'), idle('a2')], exclude: [first.id] })
  t.same(held.assignments.map((a: { agent_id: string; task: Task }) => [a.task.id, a.agent_id]), [[second.id, 'a1']], 'excluded tasks are skipped')
  t.same((await q.call({ type: 'plan', agents: [] })).assignments, [])
})

t.test('list, get, stats', async (t) => {
  const q = await startQueue(t)
  const low = await q.submit({ priority: 'low' })
  await q.clock.advance(1)
  const urgent = await q.submit({ priority: 'urgent' })
  await q.clock.advance(1)
  const normal = await q.submit({ priority: 'normal' })
  await q.assign(normal.id, 'a1')
  t.same((await q.call<TaskView[]>({ type: 'list' })).map((x) => x.id), [urgent.id, normal.id, low.id])
  t.same((await q.call<TaskView[]>({ type: 'list', filter: { status: 'queued' } })).map((x) => x.id), [urgent.id, low.id])
  t.same((await q.call<TaskView[]>({ type: 'list', filter: { assigned_to: 'a1' } })).map((x) => x.id), [normal.id])
  t.same((await q.call<TaskView[]>({ type: 'list', filter: { priority: 3 } })).map((x) => x.id), [low.id])
  t.same(await q.call({ type: 'stats' }), { by_status: { queued: 2, assigned: 1 }, by_priority: { '0': 1, '2': 1, '3': 1 }, dead_letter: 0, queued_index_size: 2 })
})

t.test('events go out only after the write committed', async (t) => {
  const q = await startQueue(t)
  const seenOnDisk: Array<[string, string | undefined]> = []
  q.system.bus.subscribe(TOPIC.tasks, (e) => {
    const ev = e as TaskEventMessage
    seenOnDisk.push([ev.event, q.stored(ev.task_id)?.status])
  })
  const task = await q.submit()
  await q.assign(task.id, 'a1')
  await q.call({ type: 'fail', task_id: task.id, agent_id: 'a1', generation: 1, error: 'x' })
  await q.settle()
  t.same(seenOnDisk, [['task_submitted', 'queued'], ['task_assigned', 'assigned'], ['task_retried', 'queued']])
})

t.test('restart rebuilds index, stats and assignments from LMDB', async (t) => {
  const q = await startQueue(t)
  const ids: string[] = []
  for (let i = 0; i < 20; i++) ids.push((await q.submit({ priority: ['urgent', 'high', 'normal', 'low'][i % 4] })).id)
  await q.assign(ids[0]!, 'a1')
  await q.assign(ids[1]!, 'a2')
  await q.call({ type: 'complete', task_id: ids[1], agent_id: 'a2', generation: 1 })
  const dlq = await q.submit({ max_retries: 0 })
  await q.assign(dlq.id, 'a3')
  await q.call({ type: 'fail', task_id: dlq.id, agent_id: 'a3', generation: 1, error: 'x' })
  const before = { stats: await q.call({ type: 'stats' }), list: await q.call({ type: 'list' }), plan: await q.call({ type: 'plan', agents: [idle('z1'), idle('z2')] }) }
  await q.restart()
  t.same(await q.call({ type: 'stats' }), before.stats)
  t.same(await q.call({ type: 'list' }), before.list)
  t.same(await q.call({ type: 'plan', agents: [idle('z1'), idle('z2')] }), before.plan)
  t.same(await q.call({ type: 'assigned_to', agent_id: 'a1' }), [{ task_id: ids[0], generation: 1 }])
})

t.test('a read on a closed environment crashes the queue (for its supervisor to restart)', async (t) => {
  const q = await startQueue(t)
  const task = await q.submit()
  await q.storage.close()
  const error = await q.call({ type: 'assign', task_id: task.id, agent_id: 'a1' }).then(() => null, (e: unknown) => e)
  t.equal((error as Error)?.name, 'ActorExited')
  t.notOk(q.system.whereis(ACTOR.taskQueue)?.isAlive(), 'it does not run on state it cannot read')
})

t.test('a write that cannot commit: the caller gets table_corrupted and the queue crashes', async (t) => {
  const q = await startQueue(t)
  const task = await q.submit()
  await q.assign(task.id, 'a1')
  const circular: Record<string, unknown> = { a: 1 }
  circular.self = circular // cannot be encoded: the LMDB write rejects
  const error = await q.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 1, result: circular }).then(() => null, (e: unknown) => e)
  t.type(error, TaskStorageError)
  t.equal((error as TaskStorageError).code, 'table_corrupted')
  await q.settle()
  t.notOk(q.system.whereis(ACTOR.taskQueue)?.isAlive(), 'crashed instead of running ahead of the disk')
  t.equal(q.stored(task.id)?.status, 'assigned', 'nothing half-written')
})
