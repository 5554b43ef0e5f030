// The per-agent FSM actors and the `agents` actor, in the real tree minus the scheduler: the
// tests make the offers themselves, as the scheduler would.
import t from 'tap'
import { ACTOR, fsmName } from '../../actors/names'
import { ACCEPTANCE_TIMEOUT_MS, BLOCKED_TIMEOUT_MS } from '../../actors/task-queue/deadlines'
import { whichChildren } from '../../supervisors'
import { eventually, startPipeline, type Pipeline } from './harness'

const noScheduler = { scheduler: false } as const

const idleEvents = (p: Pipeline, agentId: string) => p.presence.filter((e) => e.type === 'agent_idle' && e.agent_id === agentId).length

t.test('connect: an idle FSM under agent-fsms, mirrored by agents, announced idle', async (t) => {
  const p = await startPipeline(t, noScheduler)
  t.equal(await p.connect('forge', ['git', 'node']), 'idle')
  const state = await p.agentState('forge')
  t.match(state, { agent_id: 'forge', name: 'forge', fsm_state: 'idle', current_task_id: null, flags: [], capabilities: [{ name: 'git' }, { name: 'node' }] })
  t.same(Object.keys(state!).sort(), ['agent_id', 'capabilities', 'connected_at', 'current_task_id', 'flags', 'fsm_state', 'last_state_change', 'name'])
  t.equal(idleEvents(p, 'forge'), 1, 'a fresh idle agent is schedulable at once')
  t.same(await p.agents.call({ type: 'snapshots' }), [{ agent_id: 'forge', fsm_state: 'idle', capabilities: ['git', 'node'], rate_limited: false }])
  const children = await whichChildren(p.system.byName(ACTOR.agentFsms) as never)
  t.same(children.map((c) => [c.name, c.restart]), [[fsmName('forge'), 'temporary']])
  await t.rejects(p.agents.call({ type: 'agent_connected', agent_id: '', session_id: 's' } as never), { name: 'TypeError' })
  await t.rejects(p.agents.call({ type: 'nope' } as never), { name: 'TypeError' })
})

t.test('offer: durable assignment first, then the FSM moves, then task_assign is pushed', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('forge')
  const task = await p.submit({ description: 'write tests', repo: 'https://git.example/r', verification_steps: [{ type: 'test_passes', target: 'npm test' }] })
  const reply = await p.offer('forge', task.id)
  t.same(reply, { ok: true, task_id: task.id, generation: 1 })
  t.match(p.stored(task.id), { status: 'assigned', assigned_to: 'forge', generation: 1 })
  const [frame] = p.assigns('forge')
  t.match(frame, {
    type: 'task_assign',
    task_id: task.id,
    description: 'write tests',
    generation: 1,
    repo: 'https://git.example/r',
    verification_steps: [{ type: 'test_passes', target: 'npm test' }],
    skip_verification: false,
    max_verification_retries: 0,
    routing_decision: null,
  })
  t.match(await p.agentState('forge'), { fsm_state: 'assigned', current_task_id: task.id })
  const other = await p.submit({})
  t.same(await p.offer('forge', other.id), { ok: false, reason: 'not_idle', detail: 'assigned' })
  t.equal(p.stored(other.id)?.status, 'queued')
  t.equal(p.assigns('forge').length, 1)
})

t.test('offer of a task that is no longer queued: refused, the FSM stays idle', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('a')
  await p.connect('b')
  const task = await p.submit({})
  t.equal((await p.offer('a', task.id)).ok, true)
  t.same(await p.offer('b', task.id), { ok: false, reason: 'queue_refused', detail: 'invalid_state' })
  t.same(await p.offer('b', 'task-unknown'), { ok: false, reason: 'queue_refused', detail: 'not_found' })
  t.match(await p.agentState('b'), { fsm_state: 'idle', current_task_id: null })
  t.equal(p.assigns('b').length, 0)
})

t.test('the double-assign race: many concurrent offers to one agent → exactly one task', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('solo')
  const tasks = []
  for (let i = 0; i < 12; i++) tasks.push(await p.submit({ description: `t${i}` }))
  const replies = await Promise.all(tasks.map((task) => p.offer('solo', task.id)))
  t.equal(replies.filter((r) => r.ok).length, 1, 'one offer taken')
  t.equal(replies.filter((r) => !r.ok && r.reason === 'not_idle').length, 11)
  await p.settle()
  t.equal(p.assigns('solo').length, 1, 'one task_assign frame')
  const held = await p.queue.call<unknown[]>({ type: 'assigned_to', agent_id: 'solo' })
  t.equal(held.length, 1, 'the queue holds one task for the agent')
  t.equal((await p.queue.call<{ by_status: Record<string, number> }>({ type: 'stats' })).by_status.queued, 11)
})

t.test('accept → working, complete → idle with agent_idle; fail → idle too', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('forge')
  const one = await p.submit({})
  await p.offer('forge', one.id)
  await p.queue.call({ type: 'accepted', task_id: one.id, agent_id: 'forge' })
  t.match(await p.agentState('forge'), { fsm_state: 'working', current_task_id: one.id })
  const before = idleEvents(p, 'forge')
  await p.queue.call({ type: 'complete', task_id: one.id, agent_id: 'forge', generation: 1 })
  t.match(await p.agentState('forge'), { fsm_state: 'idle', current_task_id: null })
  t.equal(idleEvents(p, 'forge'), before + 1)

  const two = await p.submit({})
  await p.offer('forge', two.id)
  await p.queue.call({ type: 'accepted', task_id: two.id, agent_id: 'forge' })
  t.same(await p.queue.call({ type: 'fail', task_id: two.id, agent_id: 'forge', generation: 1, error: 'broke' }), { ok: true, outcome: 'retried' })
  t.match(await p.agentState('forge'), { fsm_state: 'idle' })
  const transitions = p.telemetry.filter((e) => e.event === 'agent_com.fsm.transition' && e.metadata.agent_id === 'forge').map((e) => `${e.metadata.from_state}→${e.metadata.to_state}`)
  t.same(transitions, ['idle→assigned', 'assigned→working', 'working→idle', 'idle→assigned', 'assigned→working', 'working→idle'])
})

t.test('a task_complete without task_accepted still returns the FSM to idle', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('forge')
  const task = await p.submit({})
  await p.offer('forge', task.id)
  await p.queue.call({ type: 'complete', task_id: task.id, agent_id: 'forge', generation: 1 })
  t.match(await p.agentState('forge'), { fsm_state: 'idle' })
  await p.clock.advance(ACCEPTANCE_TIMEOUT_MS + 1)
  await p.settle()
  t.match(await p.agentState('forge'), { fsm_state: 'idle', flags: [] }, 'no stale timeout fires')
})

t.test('acceptance timeout: reclaim, back to idle, flagged unresponsive, no agent_idle', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('sleepy')
  const task = await p.submit({})
  await p.offer('sleepy', task.id)
  const idleBefore = idleEvents(p, 'sleepy')
  await p.clock.advance(ACCEPTANCE_TIMEOUT_MS - 1)
  await p.settle()
  t.equal(p.stored(task.id)?.status, 'assigned', 'not before 60 s')
  await p.clock.advance(1)
  await eventually(() => p.stored(task.id)?.status === 'queued', 'reclaim')
  t.match(p.stored(task.id), { assigned_to: null, generation: 2, retry_count: 0 })
  t.equal(p.stored(task.id)!.history[0]!.details, 'acceptance_timeout')
  t.match(await p.agentState('sleepy'), { fsm_state: 'idle', current_task_id: null, flags: ['unresponsive'] })
  t.equal(idleEvents(p, 'sleepy'), idleBefore, 'task_reclaimed triggers the next pass instead')
  t.ok(p.taskEvents.some((e) => e.event === 'task_reclaimed' && e.task_id === task.id && e.agent_id === 'sleepy'))
})

t.test('accepting in time cancels the acceptance timer', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('forge')
  const task = await p.submit({})
  await p.offer('forge', task.id)
  await p.clock.advance(30_000)
  await p.queue.call({ type: 'accepted', task_id: task.id, agent_id: 'forge' })
  await p.clock.advance(ACCEPTANCE_TIMEOUT_MS)
  await p.settle()
  t.match(await p.agentState('forge'), { fsm_state: 'working', flags: [] })
  t.equal(p.stored(task.id)?.status, 'assigned')
})

t.test('disconnect: the task is reclaimed at once and the FSM stops', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('forge', [], { sessionId: 'sess-1' })
  const task = await p.submit({})
  await p.offer('forge', task.id)
  await p.queue.call({ type: 'accepted', task_id: task.id, agent_id: 'forge' })
  p.disconnect('forge', 'sess-old')
  await p.settle()
  t.ok(p.system.whereis(fsmName('forge')), 'a goodbye from another session is ignored')
  p.disconnect('forge', 'sess-1')
  await eventually(() => p.stored(task.id)?.status === 'queued', 'disconnect reclaim')
  t.equal(p.stored(task.id)!.history[0]!.details, 'agent_disconnect')
  await eventually(() => p.system.whereis(fsmName('forge')) === undefined, 'FSM stopped')
  t.same(await p.agents.call({ type: 'list' }), [])
  t.ok(p.telemetry.some((e) => e.event === 'agent_com.agent.disconnect' && e.metadata.agent_id === 'forge'))
})

t.test('a hub-side reclaim returns the FSM to idle; the late timer of A never touches B', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('A')
  await p.connect('B')
  const task = await p.submit({})
  await p.offer('A', task.id)
  await p.clock.advance(1)
  t.same(await p.queue.call({ type: 'reclaim_stuck', threshold_ms: 0 }), { task_ids: [task.id] }, 'a hub-side reclaim (the stuck sweep)')
  t.match(await p.agentState('A'), { fsm_state: 'idle', current_task_id: null }, 'not stuck in assigned (spec §3.5 gap)')
  t.same(await p.offer('B', task.id), { ok: true, task_id: task.id, generation: 3 })
  await p.clock.advance(ACCEPTANCE_TIMEOUT_MS - 10) // A's original timer would have fired about now
  await p.queue.call({ type: 'accepted', task_id: task.id, agent_id: 'B' })
  await p.clock.advance(20)
  await p.settle()
  t.match(p.stored(task.id), { status: 'assigned', assigned_to: 'B', generation: 3 })
  p.disconnect('A')
  await eventually(() => p.system.whereis(fsmName('A')) === undefined, 'A gone')
  t.match(p.stored(task.id), { status: 'assigned', assigned_to: 'B' }, 'A leaving does not touch B')
})

t.test('a rejected report returns a working FSM to idle', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('forge')
  const task = await p.submit({})
  await p.offer('forge', task.id)
  await p.queue.call({ type: 'accepted', task_id: task.id, agent_id: 'forge' })
  t.same(await p.queue.call({ type: 'complete', task_id: task.id, agent_id: 'forge', generation: 99 }), { ok: false, error: 'stale_generation' })
  t.match(await p.agentState('forge'), { fsm_state: 'idle' })
})

t.test('task_rejected: the task is queued again at once, the agent is blocked until it reports or times out', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('busy')
  const task = await p.submit({})
  await p.offer('busy', task.id)
  t.same(await p.queue.call({ type: 'rejected', task_id: task.id, agent_id: 'busy' }), { ok: true })
  t.match(p.stored(task.id), { status: 'queued', generation: 2 })
  t.match(await p.agentState('busy'), { fsm_state: 'blocked', current_task_id: null })
  t.same(await p.offer('busy', task.id), { ok: false, reason: 'not_idle', detail: 'blocked' })
  const idleBefore = idleEvents(p, 'busy')
  await p.clock.advance(BLOCKED_TIMEOUT_MS)
  await p.settle()
  t.match(await p.agentState('busy'), { fsm_state: 'idle' })
  t.equal(idleEvents(p, 'busy'), idleBefore + 1)
})

t.test('reconnect: the new FSM resumes the task the queue still holds, the old session is ignored', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('forge', [], { sessionId: 'one' })
  const task = await p.submit({})
  await p.offer('forge', task.id)
  await p.queue.call({ type: 'accepted', task_id: task.id, agent_id: 'forge' })
  const oldFsm = p.system.whereis(fsmName('forge'))!
  t.equal(await p.connect('forge', [], { sessionId: 'two' }), 'assigned', 'replaced, starting in assigned')
  t.notOk(oldFsm.isAlive())
  t.match(p.stored(task.id), { status: 'assigned', assigned_to: 'forge', generation: 1 }, 'replacing never reclaims')
  p.disconnect('forge', 'one')
  await p.settle()
  t.equal(p.stored(task.id)?.status, 'assigned', "the old session's goodbye is ignored")
  t.same(await p.queue.call({ type: 'recovering', task_id: task.id, agent_id: 'forge' }), { type: 'task_continue', task_id: task.id, generation: 1 })
  t.match(await p.agentState('forge'), { fsm_state: 'working', current_task_id: task.id }, 'task_continue counts as acceptance')
  await p.clock.advance(ACCEPTANCE_TIMEOUT_MS + 1)
  await p.settle()
  t.equal(p.stored(task.id)?.status, 'assigned', 'no reclaim 60 s after a reconnect that continued')
})

t.test('a crashed FSM touches no other agent; its session is closed so the agent reconnects', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('A')
  await p.connect('B')
  const taskA = await p.submit({})
  const taskB = await p.submit({})
  await p.offer('A', taskA.id)
  await p.offer('B', taskB.id)
  const fsmB = p.system.whereis(fsmName('B'))!
  p.system.exit(p.system.whereis(fsmName('A'))!, new Error('boom'))
  await eventually(() => p.sessions.get('A')!.closes.length > 0, 'A session closed')
  t.same(p.sessions.get('A')!.closes, [{ code: 1011, reason: 'agent state lost; reconnect' }])
  t.same(p.sessions.get('B')!.closes, [])
  t.equal(p.system.whereis(fsmName('B')), fsmB, 'B keeps its FSM')
  t.match(await p.agentState('B'), { fsm_state: 'assigned', current_task_id: taskB.id })
  t.equal(await p.agentState('A'), null)
  t.equal(p.system.whereis(fsmName('A')), undefined, 'temporary: not restarted')
  t.equal(p.stored(taskA.id)?.assigned_to, 'A', "A's task is kept for its reconnect")
  t.equal(await p.connect('A'), 'assigned')
})

t.test('if only the agents actor restarts, it adopts the running FSMs', async (t) => {
  const p = await startPipeline(t, noScheduler)
  await p.connect('A')
  const task = await p.submit({})
  await p.offer('A', task.id)
  const fsm = p.system.whereis(fsmName('A'))!
  p.system.exit(p.system.whereis(ACTOR.agents)!, new Error('agents crashed'))
  await eventually(() => p.system.whereis(ACTOR.agents)?.isAlive(), 'agents restarted')
  t.match(await p.agentState('A'), { fsm_state: 'assigned', current_task_id: task.id })
  t.equal(p.system.whereis(fsmName('A')), fsm)
  t.same(p.sessions.get('A')!.closes, [], 'nobody had to reconnect')
  p.disconnect('A')
  await eventually(() => p.stored(task.id)?.status === 'queued', 'the adopted session still reclaims on disconnect')
})
