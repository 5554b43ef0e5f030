// The task pipeline through the front door, with a client that behaves like the original
// sidecar: submit → task_assign → task_accepted → task_complete; failures, stale reports,
// busy rejection, recovery after reconnect and after a hub restart; admin push-task.
import t from 'tap'
import { KINDS, createToken, eventually, http, startTestHub, type TestHub } from './harness'
import { SidecarClient } from './sidecar-client'

async function submit(hub: TestHub, body: Record<string, unknown>): Promise<string> {
  const res = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body })
  if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.text}`)
  return res.body.task_id as string
}

async function taskOf(hub: TestHub, taskId: string) {
  const res = await http(hub.port, 'GET', `/api/tasks/${taskId}`, { token: hub.adminToken })
  return res.body
}

for (const kind of KINDS) {
  t.test(`${kind}: tasks through the front door`, async (t) => {
    const hub = await startTestHub(t, kind)

    t.test('HTTP task routes: submit, list filters, stats, detail, errors', async (t) => {
      const agentToken = await createToken(hub, 'submitter')
      const res = await http(hub.port, 'POST', '/api/tasks', { token: agentToken, body: { description: 'urgent thing', priority: 'urgent' } })
      t.equal(res.status, 201)
      t.same(Object.keys(res.body).sort(), ['created_at', 'priority', 'status', 'task_id'])
      t.equal(res.body.status, 'queued')
      t.equal(res.body.priority, 0)
      t.match(res.body.task_id, /^task-[0-9a-f]{16}$/)
      const low = await submit(hub, { description: 'low thing', priority: 'low' })
      const urgentOnly = await http(hub.port, 'GET', '/api/tasks?priority=urgent&status=queued', { token: agentToken })
      t.same(urgentOnly.body.tasks.map((x: { id: string }) => x.id), [res.body.task_id])
      const all = await http(hub.port, 'GET', '/api/tasks?priority=critical&status=bogus', { token: agentToken })
      t.same(all.body.tasks.map((x: { id: string }) => x.id), [res.body.task_id, low], 'unknown filter values are ignored; sorted by priority')
      t.equal(all.body.count, 2)
      const stats = await http(hub.port, 'GET', '/api/tasks/stats', { token: agentToken })
      t.equal(stats.status, 200, 'stats is not taken for a task id')
      t.equal(stats.body.by_status.queued, 2)
      const dead = await http(hub.port, 'GET', '/api/tasks/dead-letter', { token: agentToken })
      t.same(dead.body, { tasks: [], count: 0 })
      t.same((await http(hub.port, 'GET', '/api/tasks/task-0000000000000000', { token: agentToken })).body, { error: 'task_not_found', task_id: 'task-0000000000000000' })
      t.equal((await http(hub.port, 'POST', '/api/tasks/task-0000000000000000/retry', { token: agentToken })).status, 404)
      const invalid = await http(hub.port, 'POST', '/api/tasks', { token: agentToken, body: { priority: 'urgent' } })
      t.equal(invalid.status, 422)
      t.equal(invalid.body.error, 'validation_failed')
      t.equal((await http(hub.port, 'GET', '/api/tasks')).status, 401)
      // leave the queue empty for the next subtests
      for (const id of [res.body.task_id, low]) {
        const worker = await SidecarClient.start(t, hub, `drain-${id}`, await createToken(hub, `drain-${id}`))
        await worker.takeAssignment()
        t.same(await worker.complete(), { type: 'task_ack', task_id: id, status: 'complete' })
        worker.client.close()
      }
    })

    t.test('a sidecar completes a task end to end; stale and unknown reports are refused', async (t) => {
      const sidecar = await SidecarClient.start(t, hub, 'forge', await createToken(hub, 'forge'), { capabilities: ['code'] })
      const taskId = await submit(hub, { description: 'write the thing', needed_capabilities: ['code'] })
      const task = await sidecar.takeAssignment()
      t.equal(task?.task_id, taskId)
      t.equal(task?.generation, 1)
      t.equal((await taskOf(hub, taskId)).status, 'assigned')
      const agentState = await http(hub.port, 'GET', '/api/agents/forge/state', { token: hub.adminToken })
      t.equal(agentState.body.fsm_state, 'working', 'task_accepted moved the FSM to working')
      sidecar.send({ type: 'task_complete', task_id: taskId, generation: 7, result: {} })
      t.same(await sidecar.client.next(), { type: 'error', error: 'task_complete_failed: stale_generation' })
      sidecar.send({ type: 'task_failed', task_id: 'task-ffffffffffffffff', generation: 1, reason: 'x' })
      t.same(await sidecar.client.next(), { type: 'error', error: 'task_fail_failed: not_found' })
      t.same(await sidecar.complete({ status: 'success', tokens_used: 42 }), { type: 'task_ack', task_id: taskId, status: 'complete' })
      const done = await taskOf(hub, taskId)
      t.equal(done.status, 'completed')
      t.equal(done.tokens_used, 42, 'tokens_used falls back to result.tokens_used')
      sidecar.send({ type: 'task_complete', task_id: taskId, generation: 1, result: {} })
      t.same(await sidecar.client.next(), { type: 'error', error: 'task_complete_failed: invalid_state' })
      sidecar.client.close()
      await sidecar.client.waitClosed()
    })

    t.test('a failure requeues with retried; the retry goes to the next idle agent', async (t) => {
      const a = await SidecarClient.start(t, hub, 'anvil', await createToken(hub, 'anvil'))
      const taskId = await submit(hub, { description: 'flaky' })
      await a.takeAssignment()
      t.same(await a.fail('boom'), { type: 'task_ack', task_id: taskId, status: 'retried' })
      const again = await a.takeAssignment()
      t.equal(again?.task_id, taskId)
      t.equal(again?.generation, 3, 'generation +1 on requeue and +1 on the new assignment')
      t.same(await a.complete(), { type: 'task_ack', task_id: taskId, status: 'complete' })
      a.client.close()
      await a.client.waitClosed()
    })

    t.test('busy sidecar: task_rejected sends the task straight back; another agent takes it', async (t) => {
      const busy = await SidecarClient.start(t, hub, 'busy', await createToken(hub, 'busy'))
      const taskId = await submit(hub, { description: 'needs a free agent' })
      // the sidecar takes it but never confirms (the original's legacy path) …
      const assign = await busy.client.nextOfType('task_assign')
      busy.active = { task_id: assign.task_id, generation: assign.generation, description: assign.description }
      // … so the 60 s acceptance timeout reclaims it, and the idle-again agent is offered it anew
      await hub.clock.advance(60_001)
      t.equal(await busy.takeAssignment(), null, 'rejected while busy')
      t.same(busy.rejected, [taskId])
      await eventually(async () => (await taskOf(hub, taskId)).status === 'queued', 3000, 'the task is back in the queue')
      const state = await http(hub.port, 'GET', '/api/agents/busy/state', { token: hub.adminToken })
      t.equal(state.body.fsm_state, 'blocked', 'a rejecting agent is not offered task after task')
      const helper = await SidecarClient.start(t, hub, 'helper', await createToken(hub, 'helper'))
      t.equal((await helper.takeAssignment())?.task_id, taskId)
      t.same(await helper.complete(), { type: 'task_ack', task_id: taskId, status: 'complete' })
      busy.client.close()
      helper.client.close()
    })

    t.test('reconnect replacing the session: task_recovering → task_continue, then complete', async (t) => {
      const token = await createToken(hub, 'phoenix')
      const first = await SidecarClient.start(t, hub, 'phoenix', token)
      const taskId = await submit(hub, { description: 'long job' })
      const task = await first.takeAssignment()
      // the sidecar restarts and reconnects before the hub noticed the old socket died
      const second = await SidecarClient.start(t, hub, 'phoenix', token, { inFlight: task })
      t.same(await first.client.waitClosed(), { code: 1000, reason: 'replaced by a newer connection' })
      t.same(await second.recover(), { type: 'task_continue', task_id: taskId, generation: 1 })
      t.same(await second.complete(), { type: 'task_ack', task_id: taskId, status: 'complete' })
      second.client.close()
    })

    t.test('a disconnect reclaims the task; recovery then answers task_reassign', async (t) => {
      const token = await createToken(hub, 'dropper')
      const first = await SidecarClient.start(t, hub, 'dropper', token)
      const taskId = await submit(hub, { description: 'dropped job' })
      const task = await first.takeAssignment()
      first.client.terminate()
      await eventually(async () => (await taskOf(hub, taskId)).status !== 'assigned' || (await taskOf(hub, taskId)).assigned_to !== 'dropper', 3000, 'reclaimed')
      const other = await SidecarClient.start(t, hub, 'catcher', await createToken(hub, 'catcher'))
      t.equal((await other.takeAssignment())?.task_id, taskId, 'rescheduled at once to the idle agent')
      const back = await SidecarClient.start(t, hub, 'dropper', token, { inFlight: task })
      t.same(await back.recover(), { type: 'task_reassign', task_id: taskId }, 'never continue a task another agent holds')
      t.same(await other.complete(), { type: 'task_ack', task_id: taskId, status: 'complete' })
      back.client.close()
      other.client.close()
    })

    t.test('durable before acknowledged: every reply finds its change already committed in LMDB', async (t) => {
      // the hub's own storage handle reads committed state only: whatever a reply announced
      // must already be there when the reply arrives
      const stored = (id: string) =>
        (hub.running.hub.storage.table('task_queue').get(id) ?? hub.running.hub.storage.table('task_dead_letter').get(id)) as
          | Record<string, unknown>
          | undefined
      const sidecar = await SidecarClient.start(t, hub, 'durable', await createToken(hub, 'durable'))
      const res = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body: { description: 'keep me', max_retries: 2 } })
      t.equal(res.status, 201)
      const taskId = res.body.task_id as string
      t.ok(stored(taskId), '201 only after the submit committed')
      const assign = await sidecar.client.nextOfType('task_assign')
      t.match(stored(taskId), { status: 'assigned', assigned_to: 'durable', generation: assign.generation }, 'task_assign only after the assignment committed')
      await hub.clock.advance(1000)
      sidecar.active = { task_id: taskId, generation: assign.generation, description: assign.description }
      sidecar.send({ type: 'task_accepted', task_id: taskId })
      await sidecar.client.next((f) => f.type === 'task_ack' && f.status === 'accepted')
      t.equal(stored(taskId)?.updated_at, hub.clock.now(), 'accepted ack after the touch committed')
      t.same(await sidecar.fail('first try'), { type: 'task_ack', task_id: taskId, status: 'retried' })
      t.match(stored(taskId), { retry_count: 1, last_error: 'first try' }, 'retried ack after the requeue committed')
      const again = await sidecar.takeAssignment()
      t.equal(again?.generation, 3)
      t.same(await sidecar.fail('second try'), { type: 'task_ack', task_id: taskId, status: 'dead_letter' })
      t.match(stored(taskId), { status: 'dead_letter', retry_count: 2 }, 'dead_letter ack after the move committed')
      t.notOk(hub.running.hub.storage.table('task_queue').get(taskId), 'moved out of the active table')
      const dead = await http(hub.port, 'GET', '/api/tasks/dead-letter', { token: hub.adminToken })
      t.same(dead.body.tasks.map((x: { id: string }) => x.id), [taskId])
      t.equal(dead.body.count, 1)
      t.equal((await http(hub.port, 'GET', '/api/tasks/stats', { token: hub.adminToken })).body.dead_letter, 1)
      t.equal((await taskOf(hub, taskId)).status, 'dead_letter', 'detail includes dead-lettered tasks')
      const retry = await http(hub.port, 'POST', `/api/tasks/${taskId}/retry`, { token: hub.adminToken })
      t.same([retry.status, retry.body], [200, { status: 'requeued', task_id: taskId, priority: 2 }])
      // right after the dead-letter retry the idle agent is assigned the task again (the race of issue 4)
      const third = await sidecar.client.nextOfType('task_assign')
      t.equal(third.generation, 5, 'requeue +1, retry +1 … assignment +1')
      t.match(stored(taskId), { status: 'assigned', generation: 5, retry_count: 0 }, 'on disk at the generation the agent was sent')
      sidecar.active = { task_id: taskId, generation: third.generation, description: third.description }
      t.same(await sidecar.complete(), { type: 'task_ack', task_id: taskId, status: 'complete' })
      t.match(stored(taskId), { status: 'completed' }, 'complete ack after the completion committed')
      t.equal((await http(hub.port, 'POST', `/api/tasks/${taskId}/retry`, { token: hub.adminToken })).status, 404, 'only dead-lettered tasks can be retried')
      sidecar.client.close()
      await sidecar.client.waitClosed()
    })

    t.test('task frames: progress has no reply, a report without generation is refused by validation, recovering an unknown task', async (t) => {
      const sidecar = await SidecarClient.start(t, hub, 'framer', await createToken(hub, 'framer'))
      const taskId = await submit(hub, { description: 'frames', verification_steps: Array.from({ length: 11 }, (_, i) => ({ type: 'test', target: `check-${i}` })) })
      const task = await sidecar.takeAssignment()
      t.equal(task?.task_id, taskId)
      await hub.clock.advance(5000)
      sidecar.send({ type: 'task_progress', task_id: taskId, progress: 50 })
      sidecar.send({ type: 'ping' })
      t.equal((await sidecar.client.next()).type, 'pong', 'task_progress is not answered')
      await eventually(async () => (await taskOf(hub, taskId)).updated_at === hub.clock.now(), 3000, 'progress touched updated_at')
      sidecar.send({ type: 'task_complete', task_id: taskId, result: {} })
      t.match(await sidecar.client.next(), { type: 'error', error: 'validation_failed', message_type: 'task_complete', errors: [{ field: 'generation', error: 'required' }] })
      t.equal((await taskOf(hub, taskId)).status, 'assigned', 'an invalid report changes nothing')
      sidecar.send({ type: 'task_recovering', task_id: 'task-0123456789abcdef' })
      t.same(await sidecar.client.next(), { type: 'task_reassign', task_id: 'task-0123456789abcdef' })
      t.same(await sidecar.complete(), { type: 'task_ack', task_id: taskId, status: 'complete' })
      sidecar.client.close()
      await sidecar.client.waitClosed()
    })

    t.test('POST /api/tasks warns past 10 verification steps', async (t) => {
      const steps = Array.from({ length: 11 }, (_, i) => ({ type: 'test', target: `echo-${i}` }))
      const res = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body: { description: 'many checks', verification_steps: steps, priority: 'low' } })
      t.equal(res.status, 201)
      t.equal(res.body.priority, 3)
      t.match(res.body.warnings, [/11 verification steps/])
      const stats = await http(hub.port, 'GET', '/api/tasks/stats', { token: hub.adminToken })
      t.ok(stats.body.by_priority['3'] >= 1, 'by_priority is keyed by the lane number')
      t.type(stats.body.queued_index_size, 'number')
      // leave the queue empty for the next subtests
      const worker = await SidecarClient.start(t, hub, 'warned', await createToken(hub, 'warned'))
      await worker.takeAssignment()
      t.same(await worker.complete(), { type: 'task_ack', task_id: res.body.task_id, status: 'complete' })
      worker.client.close()
      await worker.client.waitClosed()
    })

    t.test('admin push-task creates a real, completable task', async (t) => {
      const token = await createToken(hub, 'pushed')
      const sidecar = await SidecarClient.start(t, hub, 'pushed', token)
      const agentToken = await createToken(hub, 'nobody')
      t.equal((await http(hub.port, 'POST', '/api/admin/push-task', { token: agentToken, body: { agent_id: 'pushed', description: 'x' } })).status, 403)
      const missing = await http(hub.port, 'POST', '/api/admin/push-task', { token: hub.adminToken, body: { agent_id: 'ghost', description: 'x' } })
      t.same([missing.status, missing.body], [404, { error: 'agent_not_connected', agent_id: 'ghost' }])
      const res = await http(hub.port, 'POST', '/api/admin/push-task', { token: hub.adminToken, body: { agent_id: 'pushed', description: 'do it now', metadata: { k: 1 } } })
      t.equal(res.status, 200)
      t.equal(res.body.status, 'pushed')
      const task = await sidecar.takeAssignment()
      t.equal(task?.task_id, res.body.task_id)
      const stored = await taskOf(hub, res.body.task_id)
      t.equal(stored.assigned_to, 'pushed')
      t.same(stored.metadata, { k: 1 })
      const busy = await http(hub.port, 'POST', '/api/admin/push-task', { token: hub.adminToken, body: { agent_id: 'pushed', description: 'another' } })
      t.same([busy.status, busy.body.error], [409, 'agent_busy'])
      t.same(await sidecar.complete(), { type: 'task_ack', task_id: res.body.task_id, status: 'complete' }, 'the original failed here with not_found')
      sidecar.client.close()
    })
  })

  t.test(`${kind}: a hub restart keeps tokens and tasks`, async (t) => {
    const hub = await startTestHub(t, kind)
    const token = await createToken(hub, 'survivor')
    const sidecar = await SidecarClient.start(t, hub, 'survivor', token)
    const running = await submit(hub, { description: 'in flight across the restart' })
    const task = await sidecar.takeAssignment()
    const waiting = await submit(hub, { description: 'still queued' })
    await hub.running.close()
    t.equal((await sidecar.client.waitClosed()).code, 1001, 'shutdown closes sockets with 1001')

    const again = await startTestHub(t, kind, { dataDir: hub.dataDir, adminToken: hub.adminToken })
    t.equal(again.running.newAdminToken, null, 'the admin token is not recreated')
    t.equal((await taskOf(again, running)).status, 'assigned', 'a shutdown does not reclaim')
    t.equal((await taskOf(again, waiting)).status, 'queued')
    const back = await SidecarClient.start(t, again, 'survivor', token, { inFlight: task })
    t.same(await back.recover(), { type: 'task_continue', task_id: running, generation: 1 })
    t.same(await back.complete(), { type: 'task_ack', task_id: running, status: 'complete' })
    t.equal((await back.takeAssignment())?.task_id, waiting, 'the queued task follows once the agent is free')
    t.same(await back.complete(), { type: 'task_ack', task_id: waiting, status: 'complete' })
    back.client.close()
  })
}
