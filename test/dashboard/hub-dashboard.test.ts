// Black box: the REAL hub (relay/hub/start-hub.ts, the whole supervision tree, dashboard subtree
import { join, resolve } from 'node:path'
// included) over real sockets on 127.0.0.1, a sidecar-like agent, and a dashboard socket.
// The hub runs on a virtual clock, so the 100 ms event flush is driven by advancing it.
import t from 'tap'
import { KINDS, createToken, http, startTestHub, type TestHub } from '../hub/harness'
import { SidecarClient } from '../hub/sidecar-client'
import { DashboardClient, type Frame } from './dashboard-client'
import { projectRoot, UI_DIR } from '../../relay/hub/dashboard/dashboard-routes'

/** Advances the hub's clock in 100 ms steps until an `events` frame holds an item matching `match`. */
async function eventItem(hub: TestHub, dash: DashboardClient, match: (item: Frame) => boolean, what: string, rounds = 60): Promise<Frame> {
  for (let i = 0; i < rounds; i++) {
    for (const frame of dash.frames) {
      if (frame.type !== 'events') continue
      const item = (frame.data as Frame[]).find(match)
      if (item) return item
    }
    await hub.clock.advance(100)
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`no event item for ${what}; frames: ${JSON.stringify(dash.frames).slice(0, 2000)}`)
}

for (const kind of KINDS) t.test(`[${kind}] the real hub's /ws/dashboard: auth, snapshot, live events of an agent and a task`, async (t) => {
  const hub = await startTestHub(t, kind)

  const bad = await DashboardClient.connect(t, hub.port)
  bad.send({ type: 'auth', token: 'wrong-token' })
  t.same(await bad.next(), { type: 'auth_failed' })
  t.same(await bad.waitClosed(), { code: 1008, reason: 'auth_failed' })

  const dash = await DashboardClient.connect(t, hub.port)
  dash.send({ type: 'auth', token: hub.adminToken })
  const first = await dash.nextOfType('snapshot')
  t.equal(first.role, 'admin')
  t.same(first.alerts, [])
  t.notOk(first.data.placeholder, 'the dashboard area endpoint answers, not the placeholder')
  t.same(first.data.agents, [])
  t.same(first.data.throughput, { completed_last_hour: 0, avg_completion_ms: 0, total_tokens_hour: 0 })
  t.ok(first.data.health && Array.isArray(first.data.health.conditions))

  const viewerToken = await createToken(hub, 'watcher')
  const viewer = await DashboardClient.connect(t, hub.port, { authorization: `Bearer ${viewerToken}` })
  t.equal((await viewer.nextOfType('snapshot')).role, 'viewer', 'an agent token over the Bearer header: viewer')

  const sidecar = await SidecarClient.start(t, hub, 'forge', await createToken(hub, 'forge'), { capabilities: ['code'] })
  const joined = await eventItem(hub, dash, (i) => i.type === 'agent_joined', 'agent_joined')
  t.same(joined, { type: 'agent_joined', agent_id: 'forge', name: 'forge', capabilities: [{ name: 'code' }] })

  const submit = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body: { description: 'write the dashboard', priority: 'high' } })
  t.equal(submit.status, 201)
  const taskId = submit.body.task_id as string
  await eventItem(hub, dash, (i) => i.type === 'task_event' && i.task_id === taskId && i.event === 'task_submitted', 'task_submitted')
  const task = await sidecar.takeAssignment()
  t.equal(task?.task_id, taskId)
  await eventItem(hub, dash, (i) => i.type === 'task_event' && i.task_id === taskId && i.event === 'task_assigned', 'task_assigned')

  sidecar.send({ type: 'task_progress', task_id: taskId, execution_event: { event_type: 'text', text: 'writing…', tokens_so_far: 12, model: 'qwen2.5-coder:7b', timestamp: 7 } })
  const stream = await dash.nextOfType('execution_event')
  t.same(stream, { type: 'execution_event', task_id: taskId, event_type: 'text', text: 'writing…', tokens_so_far: 12, model: 'qwen2.5-coder:7b', timestamp: 7 }, 'unbatched, no clock advance needed')

  await hub.clock.advance(30_000)
  t.same(await sidecar.complete({ status: 'success', tokens_used: 321 }), { type: 'task_ack', task_id: taskId, status: 'complete' })
  await eventItem(hub, dash, (i) => i.type === 'task_event' && i.task_id === taskId && i.event === 'task_completed', 'task_completed')

  dash.frames.length = 0
  dash.send({ type: 'request_snapshot' })
  const after = await dash.nextOfType('snapshot')
  t.equal(after.data.recent_completions.length, 1, 'counted once')
  t.match(after.data.recent_completions[0], { task_id: taskId, agent_id: 'forge', description: 'write the dashboard', tokens_used: 321 })
  t.ok(after.data.recent_completions[0].duration_ms >= 30_000, 'duration from assigned_at on the hub clock')
  t.equal(after.data.throughput.completed_last_hour, 1)
  t.equal(after.data.queue.by_status.completed, 1)
  t.same(after.data.queue.by_priority, { '0': 0, '1': 0, '2': 0, '3': 0 }, 'completed work is not shown as waiting')
  t.same(after.data.agents.map((a: Frame) => [a.agent_id, a.fsm_state]), [['forge', 'idle']])

  // viewer cannot command on the real hub either
  viewer.send({ type: 'retry_task', task_id: taskId })
  t.same(await viewer.nextOfType('command_rejected'), { type: 'command_rejected', command: 'retry_task', error: 'forbidden' })

  // the real alerter answers acknowledgements
  dash.send({ type: 'acknowledge_alert', rule_id: 'queue_growing' })
  t.same(await dash.nextOfType('alert_ack_result'), { type: 'alert_ack_result', rule_id: 'queue_growing', status: 'not_found' })

  const state = await http(hub.port, 'GET', '/api/dashboard/state', { token: hub.adminToken })
  if (state.status === 404) {
    t.comment('relay/hub/routes/dashboard.ts not plugged in yet: /api/dashboard/* and /dashboard answer 404 on the real hub')
  } else {
    t.equal(state.status, 200)
    t.equal(state.body.throughput.completed_last_hour, 1)
    t.equal((await http(hub.port, 'GET', '/dashboard')).status, 200)
  }
})

t.test('the page is found from the compiled hub too: ui/ is located from the project root, not a fixed depth', async (t) => {
  const root = resolve(__dirname, '..', '..')
  t.equal(projectRoot(join(root, 'relay', 'hub', 'dashboard')), root, 'from the sources')
  t.equal(projectRoot(join(root, 'dist', 'relay', 'hub', 'dashboard')), root, 'from dist/ (npm start)')
  t.equal(UI_DIR, join(root, 'ui'))
  t.equal(projectRoot('/'), null, 'none above the filesystem root')
})
