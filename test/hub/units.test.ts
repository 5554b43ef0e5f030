// The pure parts and single actors of the front door, without sockets.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Actor, createTestSystem, type SystemInfo } from '../../actors/runtime'
import { TOPIC } from '../../actors/names'
import { describeFault, logProcessFaults } from '../../cli/commands/hub'
import { healthBody } from '../../relay/hub/routes/health'
import { sharedPushText } from '../../relay/hub/ws/session'
import { AuthActor, generateToken, hashToken, listingOf, readAdminTokenFile, type AdminBootstrap, type RegisterReply } from '../../actors/auth'
import { staleEntries, presenceEntry, PresenceActor } from '../../actors/presence'
import { openStorage } from '../../storage'
import { presentedToken } from '../../relay/hub/http/auth-guard'
import { mergeFrameHandlers } from '../../relay/hub/ws/frame-handlers'
import type { FrameHandlers } from '../../relay/hub/ws/frame-context'
import { hubTreeChildren, SUBTREE_SLOTS } from '../../supervisors/hub-tree'
import { tempDataDir } from './harness'

t.test('tokens: 64 hex, hashed, listed by prefix', async (t) => {
  const token = generateToken()
  t.match(token, /^[0-9a-f]{64}$/)
  t.not(generateToken(), token)
  t.equal(hashToken(token).length, 64)
  t.not(hashToken(token), token)
  t.same(listingOf({ agent_id: 'a', role: 'agent', created_at: 5, prefix: token.slice(0, 8) }), { agent_id: 'a', role: 'agent', token_prefix: `${token.slice(0, 8)}...`, created_at: 5 })
})

t.test('presentedToken: bearer header; ?token= only on token-style routes', async (t) => {
  const q = (s: string) => new URLSearchParams(s)
  t.equal(presentedToken({ headers: { authorization: 'Bearer  abc ' }, query: q('') }, 'bearer'), 'abc')
  t.equal(presentedToken({ headers: { authorization: 'bearer abc' }, query: q('') }, 'bearer'), 'abc')
  t.equal(presentedToken({ headers: {}, query: q('token=xyz') }, 'bearer'), null)
  t.equal(presentedToken({ headers: {}, query: q('token=xyz') }, 'token'), 'xyz')
  t.equal(presentedToken({ headers: { authorization: 'Basic abc' }, query: q('') }, 'token'), null)
  t.equal(presentedToken({ headers: { authorization: 'Bearer ' }, query: q('') }, 'bearer'), null)
})

t.test('presence: defaults, staleness strictly over the limit, oldest first', async (t) => {
  const e = presenceEntry({ agent_id: 'a' }, 's1', 1000)
  t.same(e.info, { agent_id: 'a', name: 'a', status: 'connected', capabilities: [], connected_at: 1000 })
  const b = { ...presenceEntry({ agent_id: 'b' }, 's2', 500) }
  t.same(staleEntries([e, b], 61_000, 60_000).map((x) => x.agent_id), ['b'])
  t.same(staleEntries([e, b], 61_001, 60_000).map((x) => x.agent_id), ['b', 'a'])
})

t.test('presence actor: leave only by the owning session', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const events: unknown[] = []
  system.bus.subscribe('presence', (e) => void events.push(e))
  const presence = await system.spawn(PresenceActor, undefined, { name: 'presence' })
  await presence.call({ type: 'join', agent: { agent_id: 'a' }, session_id: 'old' })
  await presence.call({ type: 'join', agent: { agent_id: 'a' }, session_id: 'new' })
  t.equal(await presence.call({ type: 'leave', agent_id: 'a', session_id: 'old' }), false)
  t.equal(await presence.call({ type: 'count' }), 1)
  t.equal(await presence.call({ type: 'leave', agent_id: 'a', session_id: 'new' }), true)
  t.same(events.map((e) => (e as { type: string }).type), ['agent_joined', 'agent_joined', 'agent_left'])
})

t.test('auth actor: first admin token, re-registered from admin.token when the store lost it', async (t) => {
  const dataDir = tempDataDir(t)
  const run = async () => {
    const { system, shutdown } = createTestSystem()
    const storage = openStorage({ dataDir })
    const auth = await system.spawn(AuthActor, { storage, dataDir }, { name: 'auth' })
    return { auth, stop: async () => { await shutdown(); await storage.close() } }
  }
  const first = await run()
  const created = await first.auth.call<AdminBootstrap>({ type: 'take_new_admin_token' })
  t.ok(created)
  t.equal(await first.auth.call({ type: 'take_new_admin_token' }), null, 'handed out once')
  const file = join(dataDir, 'admin.token')
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.equal(readAdminTokenFile(file), created!.token)
  t.same(await first.auth.call({ type: 'verify', token: created!.token }), { agent_id: 'admin', role: 'admin' })
  const races = await Promise.all([first.auth.call<RegisterReply>({ type: 'register', agent_id: 'x' }), first.auth.call<RegisterReply>({ type: 'register', agent_id: 'x' })])
  t.same(races.map((r) => r.ok).sort(), [false, true], 'racing registrations: exactly one wins')
  t.same(await first.auth.call({ type: 'revoke', agent_id: 'x' }), { revoked: 1 })
  await first.stop()

  // the store is lost (fresh / degraded), the file survives
  rmSync(join(dataDir, 'lmdb'), { recursive: true, force: true })
  const second = await run()
  t.equal(await second.auth.call({ type: 'take_new_admin_token' }), null, 'no new token: the file one is kept')
  t.same(await second.auth.call({ type: 'verify', token: created!.token }), { agent_id: 'admin', role: 'admin' })
  t.equal(readAdminTokenFile(file), created!.token)
  await second.stop()
})

t.test('frame handlers: merged from the area modules, a type handled twice refused', async (t) => {
  const ping = () => ({ type: 'pong' as const })
  t.throws(() => mergeFrameHandlers({ a: { ping } as FrameHandlers, b: { ping } as FrameHandlers }), /frame type "ping" is handled twice: a and b/)
  const real = mergeFrameHandlers()
  for (const type of ['ping', 'status', 'list_agents', 'task_accepted', 'task_complete', 'task_failed', 'task_recovering', 'task_rejected', 'task_progress', 'ollama_report', 'resource_report']) {
    t.type(real[type as keyof typeof real], 'function', `${type} is handled`)
  }
})

t.test('hub tree: start order, every subtree, subtrees can be left out', async (t) => {
  const dataDir = tempDataDir(t)
  const storage = openStorage({ dataDir })
  t.teardown(() => storage.close())
  const options = { port: 0, host: '127.0.0.1', dataDir, openRegistration: false }
  const ids = hubTreeChildren({ storage, dataDir, options }).map((c) => c.id)
  t.same(ids.slice(0, 3), ['auth', 'presence', 'reaper'])
  t.equal(ids.at(-1), 'sessions', 'sessions last: the endpoint starts after the tree')
  t.equal(ids.length, 3 + SUBTREE_SLOTS.length + 1, 'one child per subtree slot')
  t.ok(ids.indexOf('messaging') < ids.indexOf('tasks'))
  const bare = hubTreeChildren({ storage, dataDir, options, skipSlots: SUBTREE_SLOTS }).map((c) => c.id)
  t.same(bare, ['auth', 'presence', 'reaper', 'sessions'])
})

t.test('process faults are logged, not fatal', async (t) => {
  t.match(describeFault(new Error('boom')), /^Error: boom\n/)
  t.equal(describeFault('plain'), 'plain')
  t.equal(describeFault({ a: 1 }), '{"a":1}')
  const logged: Array<[string, Record<string, unknown> | undefined]> = []
  const before = process.listenerCount('unhandledRejection')
  const detach = logProcessFaults({ error: (message: string, meta?: Record<string, unknown>) => void logged.push([message, meta]) })
  t.equal(process.listenerCount('unhandledRejection'), before + 1)
  process.emit('unhandledRejection', new Error('lost promise'), Promise.resolve())
  detach()
  t.equal(process.listenerCount('unhandledRejection'), before, 'detached')
  t.equal(logged.length, 1)
  t.equal(logged[0]![0], 'unhandledRejection')
  t.match(String(logged[0]![1]?.error), /lost promise/)
})

t.test('revoke and reset publish token_revoked on bus topic auth', async (t) => {
  class AuthListener extends Actor<{ type: 'events' }, never, never, undefined> {
    private readonly events: unknown[] = []
    override init(): void {
      this.ctx.subscribe(TOPIC.auth)
    }
    override handleInfo(msg: SystemInfo): void {
      if (msg.type === 'bus' && msg.topic === TOPIC.auth) this.events.push(msg.event)
    }
    override handleCall(): unknown {
      return this.events
    }
  }
  const dataDir = tempDataDir(t)
  const storage = await openStorage({ dataDir })
  const { system, shutdown } = createTestSystem()
  t.teardown(async () => {
    await shutdown()
    await storage.close()
  })
  const listener = await system.spawn(AuthListener, undefined)
  const auth = await system.spawn(AuthActor, { storage }, { name: 'auth' })
  await auth.call({ type: 'create', agent_id: 'gone' })
  await auth.call({ type: 'create', agent_id: 'again' })
  t.same(await auth.call({ type: 'revoke', agent_id: 'gone' }), { revoked: 1 })
  await auth.call({ type: 'reset', agent_id: 'again' })
  await new Promise((r) => setImmediate(r))
  t.same(await listener.call({ type: 'events' }), [
    { type: 'token_revoked', agent_id: 'gone' },
    { type: 'token_revoked', agent_id: 'again' },
  ])
})

t.test('/health body: original keys plus real signals', async (t) => {
  const calm = { agentsConnected: 2, storage: { closed: false, degradedReason: null }, uptimeMs: 5, verdict: null }
  t.same(healthBody(calm), { status: 'ok', service: 'agent_com', agents_connected: 2, uptime_ms: 5 })
  t.same(healthBody({ ...calm, storage: { closed: false, degradedReason: 'no usable backup' }, verdict: { status: 'critical', conditions: ['x'] } }), {
    status: 'ok',
    service: 'agent_com',
    agents_connected: 2,
    uptime_ms: 5,
    storage: 'degraded',
    storage_detail: 'no usable backup',
    health: { status: 'critical', conditions: ['x'] },
  })
  t.equal(healthBody({ ...calm, storage: { closed: true, degradedReason: null } }).storage, 'closed')
})

t.test('a push shared by many sessions is serialised once per bus event', async (t) => {
  let builds = 0
  const event = { type: 'agent_left', agent_id: 'x' }
  const build = () => {
    builds++
    return { type: 'agent_left', agent_id: 'x' }
  }
  const first = sharedPushText(event, build)
  t.equal(sharedPushText(event, build), first)
  t.equal(builds, 1)
  t.same(JSON.parse(first), { type: 'agent_left', agent_id: 'x' })
  t.not(sharedPushText({ ...event }, build), undefined)
  t.equal(builds, 2, 'another event object is serialised on its own')
})
