// POST /api/admin/reset: who may, the reply, and what happens 500 ms later (every hub service
// restarted; the listener stays; durable state survives; live agents are disconnected).
import t from 'tap'
import { adminAgentsFrom, mayReset } from '../../relay/hub/routes/admin-reset'
import { KINDS, connectAgent, createToken, eventually, http, startTestHub } from './harness'

t.test('who may reset', async (t) => {
  t.same([...adminAgentsFrom(' ops, ,lead ')], ['ops', 'lead'])
  t.same([...adminAgentsFrom(undefined)], [])
  t.ok(mayReset({ agent_id: 'admin', role: 'admin' }, new Set()))
  t.ok(mayReset({ agent_id: 'ops', role: 'agent' }, new Set(['ops'])))
  t.notOk(mayReset({ agent_id: 'dev', role: 'agent' }, new Set(['ops'])))
})

for (const kind of KINDS) {
  t.test(`${kind}: reset restarts the services, not the listener`, async (t) => {
    const hub = await startTestHub(t, kind)
    const agentToken = await createToken(hub, 'worker')
    const none = await http(hub.port, 'POST', '/api/admin/reset')
    t.same([none.status, none.body.error], [401, 'unauthorized'])
    const denied = await http(hub.port, 'POST', '/api/admin/reset', { token: agentToken })
    t.same([denied.status, denied.body], [403, { error: 'admin_only', message: 'Only admin agents can reset the hub' }])

    const client = await connectAgent(t, hub, 'worker', agentToken)
    const authBefore = hub.running.hub.system.whereis('auth')
    const ok = await http(hub.port, 'POST', '/api/admin/reset', { token: hub.adminToken })
    t.same([ok.status, ok.body], [200, { status: 'reset_scheduled', triggered_by: 'admin' }])
    t.notOk(client.isClosed, 'nothing happens before the delay')
    await hub.clock.advance(500)
    const closed = await client.waitClosed(10_000)
    t.equal(closed.code, 1001, 'live agents are disconnected (1001) and reconnect')
    await eventually(() => {
      const auth = hub.running.hub.system.whereis('auth')
      return auth !== undefined && auth !== null && auth !== authBefore
    }, 10_000, 'auth restarted')
    await eventually(async () => (await http(hub.port, 'GET', '/health')).status === 200, 10_000, 'health after reset')
    const again = await connectAgent(t, hub, 'worker', agentToken)
    t.same(await again.request({ type: 'ping' }), { type: 'pong', timestamp: hub.clock.now() }, 'tokens survived; sessions work again')
    t.equal((await http(hub.port, 'GET', '/health')).body.agents_connected, 1)
  })
}
