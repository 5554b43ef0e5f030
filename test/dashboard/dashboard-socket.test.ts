// /ws/dashboard and the dashboard routes over real sockets on 127.0.0.1 (both transports when
// uWS loads), with the real auth actor on real LMDB, the real dashboard-state and notifier, and a
// fake task-queue under its real name: auth-first-frame, Bearer upgrade, roles, commands,
// batching, execution stream, revocation, static files and the /api/dashboard calls.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ActorSystem, silentLogger } from '../../actors/runtime'
import { ACTOR, TOPIC } from '../../actors/names'
import { AuthActor } from '../../actors/auth'
import { DashboardStateActor } from '../../actors/dashboard-state'
import { NotifierActor } from '../../actors/notifier'
import { openStorage } from '../../storage'
import { createDashboardEndpoint, dashboardRoutes, DASHBOARD_CSP } from '../../relay/hub/dashboard'
import type { HubContext } from '../../relay/hub/hub-context'
import { HubRouter } from '../../relay/hub/routing'
import { availableTransportKinds, createTransport, type TransportKind, type WsEndpoint } from '../../relay/hub/transport'
import { http } from '../hub/harness'
import { DashboardClient } from './dashboard-client'
import { emptyQueueState, startFakeQueue, taskView } from './fake-peers'
import { startPushReceiver } from './push-receiver'

interface Teardownable {
  teardown(fn: () => unknown): void
}

async function startDashboardHub(t: Teardownable, kind: TransportKind, opts: { authTimeoutMs?: number; tokenRecheckMs?: number } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dash-socket-'))
  const storage = openStorage({ dataDir })
  const system = new ActorSystem({ logger: silentLogger })
  const hub: HubContext = {
    system,
    storage,
    options: { port: 0, host: '127.0.0.1', dataDir, openRegistration: false },
    log: silentLogger,
    now: () => system.clock.now(),
  }
  await system.spawn(AuthActor, { storage }, { name: ACTOR.auth })
  const queue = await startFakeQueue(system, emptyQueueState())
  await system.spawn(DashboardStateActor, { storage }, { name: ACTOR.dashboardState })
  await system.spawn(NotifierActor, { storage, healthCheckIntervalMs: 0 }, { name: ACTOR.notifier })
  const endpoint = createDashboardEndpoint(hub, opts)
  const router = new HubRouter({ logger: silentLogger })
  dashboardRoutes(router, hub)
  const transport = createTransport({ kind, http: router.handle, websockets: { '/ws/dashboard': endpoint as WsEndpoint<unknown> }, logger: silentLogger })
  const port = await transport.listen({ port: 0 })
  t.teardown(async () => {
    await transport.close()
    endpoint.close()
    await system.shutdown()
    await storage.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const token = async (agentId: string, role: 'admin' | 'agent') => (await system.byName(ACTOR.auth).call<{ token: string }>({ type: 'create', agent_id: agentId, role })).token
  return { system, port, queue, endpoint, admin: await token('ops', 'admin'), viewer: await token('watcher', 'agent'), token }
}

function dashboardClient(t: Teardownable, port: number, headers: Record<string, string> = {}): Promise<DashboardClient> {
  return DashboardClient.connect(t, port, headers)
}

for (const kind of availableTransportKinds()) {
  t.test(`[${kind}] auth: bad token, wrong first frame, silence → auth_failed + 1008`, async (t) => {
    const hub = await startDashboardHub(t, kind, { authTimeoutMs: 300 })
    const bad = await dashboardClient(t, hub.port)
    bad.send({ type: 'auth', token: 'not-a-token' })
    t.same(await bad.next(), { type: 'auth_failed' })
    t.same(await bad.waitClosed(), { code: 1008, reason: 'auth_failed' })

    const early = await dashboardClient(t, hub.port)
    early.send({ type: 'request_snapshot' })
    t.same(await early.next(), { type: 'auth_failed' }, 'nothing but auth is read before auth')
    t.equal((await early.waitClosed()).code, 1008)

    const garbage = await dashboardClient(t, hub.port)
    garbage.send('{not json')
    t.equal((await garbage.waitClosed()).code, 1008)

    const silent = await dashboardClient(t, hub.port)
    t.same(await silent.next(undefined, 2_000), { type: 'auth_failed' }, 'auth timeout')
    t.equal((await silent.waitClosed()).code, 1008)

    const badHeader = await dashboardClient(t, hub.port, { authorization: 'Bearer nope' })
    t.same(await badHeader.next(), { type: 'auth_failed' })
    t.equal(hub.endpoint.sessions, 0)
  })

  t.test(`[${kind}] admin and viewer sessions: snapshot with role, commands, events`, async (t) => {
    const hub = await startDashboardHub(t, kind)
    hub.queue.deadLetter.push(taskView('task-dead', { status: 'dead_letter', last_error: 'boom', retry_count: 3 }))
    hub.queue.stats = { by_status: {}, by_priority: {}, dead_letter: 1 }

    const admin = await dashboardClient(t, hub.port)
    admin.send({ type: 'auth', token: hub.admin })
    const first = await admin.next()
    t.equal(first.type, 'snapshot')
    t.equal(first.role, 'admin')
    t.same(first.alerts, [])
    t.same(first.data.dead_letter_tasks.map((d: { id: string }) => d.id), ['task-dead'])
    t.ok('health' in first.data && 'throughput' in first.data && 'rate_limits' in first.data)

    const viewer = await dashboardClient(t, hub.port)
    viewer.send({ type: 'auth', token: hub.viewer })
    t.equal((await viewer.next()).role, 'viewer', 'agent tokens are read-only viewers')

    // viewer: commands refused, snapshot and ping fine
    viewer.send({ type: 'retry_task', task_id: 'task-dead' })
    t.same(await viewer.next(), { type: 'command_rejected', command: 'retry_task', error: 'forbidden' })
    viewer.send({ type: 'ping' })
    viewer.send('not json at all')
    viewer.send({ type: 'request_snapshot' })
    const vsnap = await viewer.next()
    t.equal(vsnap.type, 'snapshot', 'ping and invalid JSON ignored; snapshot answered')
    t.notOk('role' in vsnap, 'a requested snapshot is the plain §5.1 frame')
    t.equal(hub.queue.deadLetter.length, 1, 'viewer retry did not run')

    // admin: retry runs against the queue
    admin.send({ type: 'retry_task', task_id: 'task-dead' })
    t.same(await admin.nextOfType('retry_result'), { type: 'retry_result', task_id: 'task-dead', status: 'requeued' })
    admin.send({ type: 'retry_task', task_id: 'task-none' })
    t.same(await admin.nextOfType('retry_result'), { type: 'retry_result', task_id: 'task-none', status: 'not_found' })
    // peers that are not running: a clear error, the session lives on
    admin.send({ type: 'acknowledge_alert', rule_id: 'queue_growing' })
    t.same(await admin.next(), { type: 'command_rejected', command: 'acknowledge_alert', error: 'alerter_unavailable' })
    admin.send({ type: 'register_llm_endpoint', host: 'gpu-1', port: 11434 })
    t.same(await admin.next(), { type: 'llm_endpoint_error', error: 'llm_registry_unavailable' })
    admin.send({ type: 'add_repo', url: 'https://github.com/a/b' })
    t.same(await admin.next(), { type: 'repo_error', error: 'repo_registry_unavailable' })
    admin.send({ type: 'retry_task' })
    admin.send({ type: 'whatever' })
    admin.send({ type: 'auth', token: 'ignored-on-a-live-session' })

    // events: batched, both sessions
    hub.system.bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_submitted', task_id: 'task-new', agent_id: null, task: taskView('task-new'), timestamp: 1 })
    hub.system.bus.publish(TOPIC.presence, { type: 'agent_left', agent_id: 'alpha' })
    const batch = await admin.nextOfType('events')
    t.same(batch.data, [
      { type: 'task_event', task_id: 'task-new', event: 'task_submitted', agent_id: null, timestamp: 1 },
      { type: 'agent_left', agent_id: 'alpha' },
    ])
    t.same((await viewer.nextOfType('events')).data, batch.data)
    // execution stream: unbatched
    hub.system.bus.publish(TOPIC.execution, { type: 'execution_event', task_id: 'task-new', agent_id: 'alpha', event_type: 'text', text: 'hi', tokens_so_far: 2, model: 'm', timestamp: 5 })
    t.same(await admin.nextOfType('execution_event'), { type: 'execution_event', task_id: 'task-new', event_type: 'text', text: 'hi', tokens_so_far: 2, model: 'm', timestamp: 5 })
    t.same(admin.frames, [], 'nothing else was sent (malformed/unknown commands ignored)')
  })

  t.test(`[${kind}] Bearer header on the upgrade: snapshot at once; revocation closes with 1008`, async (t) => {
    const hub = await startDashboardHub(t, kind, { tokenRecheckMs: 200 })
    const opsToken = await hub.token('ops2', 'admin')
    const script = await dashboardClient(t, hub.port, { authorization: `Bearer ${opsToken}` })
    const snap = await script.next()
    t.equal(snap.type, 'snapshot')
    t.equal(snap.role, 'admin')
    t.equal(hub.endpoint.sessions, 1)
    await hub.system.byName(ACTOR.auth).call({ type: 'revoke', agent_id: 'ops2' })
    t.same(await script.waitClosed(2_000), { code: 1008, reason: 'token revoked' })

    // a command right after revocation is not executed either
    const hub2 = await startDashboardHub(t, kind, { tokenRecheckMs: 0 })
    hub2.queue.deadLetter.push(taskView('task-x', { status: 'dead_letter' }))
    const tok = await hub2.token('ops3', 'admin')
    const browser = await dashboardClient(t, hub2.port)
    browser.send({ type: 'auth', token: tok })
    await browser.nextOfType('snapshot')
    await hub2.system.byName(ACTOR.auth).call({ type: 'revoke', agent_id: 'ops3' })
    browser.send({ type: 'retry_task', task_id: 'task-x' })
    t.equal((await browser.waitClosed()).code, 1008)
    t.equal(hub2.queue.deadLetter.length, 1, 'the revoked admin could not retry')

    // a `token_revoked` event on topic auth closes at once (no re-check timer running here)
    const tok4 = await hub2.token('ops4', 'admin')
    const other = await dashboardClient(t, hub2.port)
    other.send({ type: 'auth', token: tok4 })
    await other.nextOfType('snapshot')
    await hub2.system.byName(ACTOR.auth).call({ type: 'revoke', agent_id: 'ops4' })
    hub2.system.bus.publish('auth', { type: 'token_revoked', agent_id: 'ops4' })
    t.same(await other.waitClosed(), { code: 1008, reason: 'token revoked' })
  })

  t.test(`[${kind}] dashboard routes: page, static files, vendor, sw.js, /api/dashboard/*`, async (t) => {
    const hub = await startDashboardHub(t, kind)
    const page = await http(hub.port, 'GET', '/dashboard')
    t.equal(page.status, 200)
    t.match(page.headers['content-type'], /text\/html/)
    t.equal(page.headers['content-security-policy'], DASHBOARD_CSP)
    t.equal(page.headers['referrer-policy'], 'no-referrer')
    t.match(page.text, /<html/i)
    t.match((await http(hub.port, 'GET', '/ui/app.js')).headers['content-type'], /javascript/)
    const vendor = await http(hub.port, 'GET', '/ui/vendor/uPlot.iife.min.js')
    t.equal(vendor.status, 200)
    t.match(vendor.text, /uPlot/)
    t.equal((await http(hub.port, 'GET', '/ui/vendor/uPlot.min.css')).status, 200)
    t.equal((await http(hub.port, 'GET', '/ui/../package.json')).status, 404)
    t.equal((await http(hub.port, 'GET', '/ui/%2e%2e/package.json')).status, 404)
    const sw = await http(hub.port, 'GET', '/sw.js')
    t.equal(sw.status, 200)
    t.equal(sw.headers['service-worker-allowed'], '/')

    t.equal((await http(hub.port, 'GET', '/api/dashboard/state')).status, 401)
    t.equal((await http(hub.port, 'GET', '/api/dashboard/state', { token: 'wrong' })).status, 401)
    const state = await http(hub.port, 'GET', '/api/dashboard/state', { token: hub.viewer })
    t.equal(state.status, 200)
    t.ok(Array.isArray(state.body.recent_completions) && typeof state.body.uptime_ms === 'number')

    t.equal((await http(hub.port, 'GET', '/api/dashboard/vapid-key')).status, 401)
    const key = await http(hub.port, 'GET', '/api/dashboard/vapid-key', { token: hub.admin })
    t.equal(key.status, 200)
    t.match(key.body.vapid_public_key, /^[A-Za-z0-9_-]{87}$/)

    const push = await startPushReceiver()
    t.teardown(() => push.close())
    const sub = push.subscription('/browser')
    t.equal((await http(hub.port, 'POST', '/api/dashboard/push-subscribe', { body: { endpoint: sub.endpoint, keys: sub.keys } })).status, 401)
    const bad = await http(hub.port, 'POST', '/api/dashboard/push-subscribe', { token: hub.admin, body: { endpoint: 'https://x.example/p' } })
    t.equal(bad.status, 400)
    t.equal(bad.body.error, 'invalid_subscription')
    const ok = await http(hub.port, 'POST', '/api/dashboard/push-subscribe', { token: hub.viewer, body: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys } })
    t.same([ok.status, ok.body], [200, { status: 'subscribed' }])
    const subs = await hub.system.byName(ACTOR.notifier).call<Array<{ endpoint: string; subscribed_by: string }>>({ type: 'subscriptions' })
    t.same(subs.map((s) => [s.endpoint, s.subscribed_by]), [[sub.endpoint, 'watcher']])
  })
}
