// End to end through the real `tasks` tree: submit → assign → accept → complete, every step
// durable before anyone hears of it.
import t from 'tap'
import { eventually, startPipeline } from './harness'
import type { AgentState } from '../../actors/agent-fsm/actor'

t.test('submit → assign → accept → complete, durable at every step', async (t) => {
  const p = await startPipeline(t)
  t.equal(await p.connect('forge', ['git']), 'idle')
  const submitted = await p.submit({ description: 'add a README section', priority: 'high', needed_capabilities: ['git'] })
  t.equal(submitted.status, 'queued')
  t.ok(p.stored(submitted.id), 'on disk before submit replied (the scheduler may already have assigned it)')

  const [frame] = await eventually(() => (p.assigns('forge').length > 0 ? p.assigns('forge') : undefined), 'task_assign to forge')
  t.equal(frame!.task_id, submitted.id)
  t.equal(frame!.generation, 1)
  t.equal(frame!.description, 'add a README section')
  const onDisk = p.stored(submitted.id)!
  t.equal(onDisk.status, 'assigned', 'the assignment was on disk before task_assign was pushed')
  t.equal(onDisk.assigned_to, 'forge')
  const fsm = await p.agents.call<AgentState>({ type: 'get', agent_id: 'forge' })
  t.equal(fsm.fsm_state, 'assigned')
  t.equal(fsm.current_task_id, submitted.id)

  t.same(await p.queue.call({ type: 'accepted', task_id: submitted.id, agent_id: 'forge' }), { ok: true })
  await p.settle()
  t.equal((await p.agents.call<AgentState>({ type: 'get', agent_id: 'forge' })).fsm_state, 'working')

  const idleBefore = p.presence.filter((e) => e.type === 'agent_idle').length
  t.same(await p.queue.call({ type: 'complete', task_id: submitted.id, agent_id: 'forge', generation: 1, result: { ok: 1 }, tokens_used: 42 }), { ok: true })
  const done = p.stored(submitted.id)!
  t.equal(done.status, 'completed', 'completion on disk when complete replied')
  t.equal(done.tokens_used, 42)
  await p.settle()
  t.equal((await p.agents.call<AgentState>({ type: 'get', agent_id: 'forge' })).fsm_state, 'idle')
  t.ok(p.presence.filter((e) => e.type === 'agent_idle').length > idleBefore, 'agent_idle published')
  t.same(
    p.taskEvents.filter((e) => e.task_id === submitted.id).map((e) => e.event),
    ['task_submitted', 'task_assigned', 'task_completed'],
  )
  const assigned = p.taskEvents.find((e) => e.event === 'task_assigned')!
  t.equal(assigned.agent_id, 'forge')
  t.equal(assigned.type, 'task_event')
  t.equal(assigned.task.status, 'assigned', 'events carry the task view')
  t.notOk('ttl_started_at' in assigned.task)
  const telemetry = p.telemetry.map((e) => e.event)
  for (const name of ['agent_com.task.submit', 'agent_com.task.assign', 'agent_com.task.complete', 'agent_com.scheduler.attempt', 'agent_com.scheduler.match', 'agent_com.agent.connect', 'agent_com.fsm.transition']) {
    t.ok(telemetry.includes(name as never), `telemetry ${name}`)
  }
})
