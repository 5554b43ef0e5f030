// A client behaving like the original v1.2 sidecar against this hub, both transports: it pings
// every 30 s of (virtual) hub time and so survives the reaper; it runs a task from task_assign to
// task_complete with the generation; rejects an assignment while busy (the task goes straight
// to another agent); and after a reconnect recovers its in-flight task with task_recovering.
import t from 'tap'
import { KINDS, createToken, eventually, http, startTestHub, type TestHub } from './harness'
import { PING_INTERVAL_MS, V12SidecarClient } from './v12-sidecar-client'

async function submit(hub: TestHub, body: Record<string, unknown>): Promise<string> {
  const res = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body })
  if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.text}`)
  return res.body.task_id as string
}

const taskStatus = async (hub: TestHub, id: string) => (await http(hub.port, 'GET', `/api/tasks/${id}`, { token: hub.adminToken })).body

for (const kind of KINDS) {
  t.test(`${kind}: a v1.2 sidecar`, async (t) => {
    const hub = await startTestHub(t, kind)

    t.test('pings every 30 s of hub time: the reaper keeps it, evicts a silent one', async (t) => {
      const pinger = await V12SidecarClient.connect(t, hub, { agentId: 'v12-pinger', token: await createToken(hub, 'v12-pinger') })
      const silent = await V12SidecarClient.connect(t, hub, { agentId: 'v12-silent', token: await createToken(hub, 'v12-silent'), ping: false })
      for (let round = 1; round <= 4; round++) {
        await hub.clock.advance(PING_INTERVAL_MS)
        await pinger.pong()
        t.equal(pinger.pingsSent, round)
      }
      t.same(await silent.client.waitClosed(), { code: 1008, reason: 'stale: no ping received' })
      t.notOk(pinger.client.isClosed, 'the pinging sidecar stays connected after 120 s')
      t.notOk(pinger.gaveUp, 'every ping got its pong within 10 s')
      t.equal(pinger.pongsReceived, 4)
      pinger.stop()
    })

    t.test('task_assign → task_accepted → task_complete with generation', async (t) => {
      const sidecar = await V12SidecarClient.connect(t, hub, { agentId: 'v12-worker', token: await createToken(hub, 'v12-worker'), capabilities: ['code'] })
      const id = await submit(hub, { description: 'v12 work', needed_capabilities: ['code'] })
      const task = await sidecar.accepted()
      t.equal(task.task_id, id)
      t.equal(typeof task.generation, 'number')
      const assign = sidecar.assignments[0]!
      t.equal(assign.description, 'v12 work')
      await eventually(async () => (await taskStatus(hub, id)).status === 'assigned', 3000, 'assigned')
      sidecar.progress('working on it', 10)
      t.same(await sidecar.complete(), { type: 'task_ack', task_id: id, status: 'complete' })
      t.equal((await taskStatus(hub, id)).status, 'completed')
      sidecar.stop()
    })

    t.test('busy after a restart: the re-offered task is rejected, recovery drops it, another agent takes it', async (t) => {
      const token = await createToken(hub, 'v12-busy')
      const busy = await V12SidecarClient.connect(t, hub, { agentId: 'v12-busy', token, capabilities: ['busy-only'] })
      const id = await submit(hub, { description: 'offered twice', needed_capabilities: ['busy-only'] })
      const inFlight = await busy.accepted()
      busy.stop() // the sidecar process dies; its persisted task survives locally
      await eventually(async () => (await taskStatus(hub, id)).status === 'queued', 3000, 'the disconnect reclaimed the task')
      const back = await V12SidecarClient.connect(t, hub, { agentId: 'v12-busy', token, capabilities: ['busy-only'], inFlight })
      // the hub offers the queued task again; the sidecar still holds it locally → busy
      t.same(await back.rejectionAck(), { type: 'task_ack', task_id: id, status: 'rejected' })
      t.same(back.rejected, [id])
      t.same(await back.recover(), { type: 'task_reassign', task_id: id }, 'not assigned to it any more: drop it')
      t.equal(back.active, null)
      await eventually(async () => (await taskStatus(hub, id)).status === 'queued', 3000, 'the rejection sent it straight back')
      const helper = await V12SidecarClient.connect(t, hub, { agentId: 'v12-helper', token: await createToken(hub, 'v12-helper'), capabilities: ['busy-only'] })
      const taken = await helper.accepted(5000)
      t.equal(taken.task_id, id, 'the rejected task went to the next idle agent')
      t.same(await helper.complete(), { type: 'task_ack', task_id: id, status: 'complete' })
      back.stop()
      helper.stop()
    })

    t.test('reconnect with a task in flight: task_recovering → task_continue, then complete', async (t) => {
      const token = await createToken(hub, 'v12-restarter')
      const before = await V12SidecarClient.connect(t, hub, { agentId: 'v12-restarter', token, capabilities: ['restart'] })
      const id = await submit(hub, { description: 'survives a sidecar restart', needed_capabilities: ['restart'] })
      const inFlight = await before.accepted()
      // the sidecar process restarts: a new connection replaces the old session (task stays assigned)
      const after = await V12SidecarClient.connect(t, hub, { agentId: 'v12-restarter', token, inFlight })
      t.same((await before.client.waitClosed()).code, 1000, 'the older socket is replaced')
      const answer = await after.recover()
      t.same(answer, { type: 'task_continue', task_id: id, generation: inFlight.generation })
      t.same(await after.complete(), { type: 'task_ack', task_id: id, status: 'complete' })
      after.stop()
    })

    t.test('task_failed uses reason; the ack says retried', async (t) => {
      const sidecar = await V12SidecarClient.connect(t, hub, { agentId: 'v12-failer', token: await createToken(hub, 'v12-failer'), capabilities: ['fails'] })
      const id = await submit(hub, { description: 'will fail once', needed_capabilities: ['fails'], max_retries: 2 })
      await sidecar.accepted()
      t.same(await sidecar.fail('executor crashed'), { type: 'task_ack', task_id: id, status: 'retried' })
      const again = await sidecar.accepted(5000)
      t.equal(again.task_id, id, 'requeued to the same capable agent')
      t.ok(again.generation > sidecar.assignments[0]!.generation, 'a new assignment has a higher generation')
      t.same(await sidecar.complete(), { type: 'task_ack', task_id: id, status: 'complete' })
      sidecar.stop()
    })
  })
}
