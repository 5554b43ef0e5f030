// Tokens, roles and the core HTTP routes, black-box on both transports.
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { AgentClient, KINDS, connectAgent, createToken, eventually, http, startTestHub } from './harness'

const HINT = { error: 'unauthorized', hint: 'provide Authorization: Bearer <token>' }

for (const kind of KINDS) {
  t.test(`${kind}: auth and core routes`, async (t) => {
    const hub = await startTestHub(t, kind)

    t.test('first start writes admin.token (0600) holding the admin token', async (t) => {
      const file = join(hub.dataDir, 'admin.token')
      t.equal(statSync(file).mode & 0o777, 0o600)
      t.equal(readFileSync(file, 'utf8').trim(), hub.adminToken)
      t.match(hub.adminToken, /^[0-9a-f]{64}$/)
      t.equal(hub.running.newAdminToken?.file, file)
    })

    t.test('401 and 403 bodies', async (t) => {
      t.same(await pick(http(hub.port, 'GET', '/admin/tokens')), [401, HINT])
      t.same(await pick(http(hub.port, 'GET', '/admin/tokens', { token: 'a'.repeat(64) })), [401, HINT])
      t.same(await pick(http(hub.port, 'GET', '/api/agents/states', { headers: { authorization: 'Basic abc' } })), [401, HINT])
      const agentToken = await createToken(hub, 'plain')
      t.same(await pick(http(hub.port, 'GET', '/admin/tokens', { token: agentToken })), [403, { error: 'forbidden', detail: 'admin token required' }])
      t.same(await pick(http(hub.port, 'POST', '/admin/tokens', { token: agentToken, body: { agent_id: 'x' } })), [403, { error: 'forbidden', detail: 'admin token required' }])
      t.equal((await http(hub.port, 'GET', '/api/agents/states', { token: agentToken })).status, 200, 'agent routes accept agent tokens')
      t.equal((await http(hub.port, 'GET', '/api/agents/states', { token: hub.adminToken })).status, 200, '… and admin tokens')
      t.same(await pick(http(hub.port, 'GET', '/no/such/route')), [404, { error: 'not_found' }])
    })

    t.test('tokens: create, list (prefix only), stored hashed', async (t) => {
      const token = await createToken(hub, 'listed')
      const again = await createToken(hub, 'listed')
      t.not(token, again, 'each create is a new additional token')
      const list = await http(hub.port, 'GET', '/admin/tokens', { token: hub.adminToken })
      const rows = list.body.tokens.filter((r: { agent_id: string }) => r.agent_id === 'listed')
      t.same(rows.map((r: { token_prefix: string }) => r.token_prefix).sort(), [token.slice(0, 8) + '...', again.slice(0, 8) + '...'].sort())
      t.notOk(list.text.includes(token), 'the listing never holds a token')
      const stored = [...hub.running.hub.storage.table<string, unknown>('tokens').entries()]
      t.ok(stored.some((e) => e.key === createHash('sha256').update(token).digest('hex')), 'keyed by sha256')
      t.notOk(JSON.stringify(stored).includes(token), 'the clear token is nowhere in LMDB')
      const invalid = await http(hub.port, 'POST', '/admin/tokens', { token: hub.adminToken, body: { agent_id: '' } })
      t.same([invalid.status, invalid.body.error, invalid.body.errors[0].field], [422, 'validation_failed', 'agent_id'])
      const admin2 = await http(hub.port, 'POST', '/admin/tokens', { token: hub.adminToken, body: { agent_id: 'ops', role: 'admin' } })
      t.equal((await http(hub.port, 'GET', '/admin/tokens', { token: admin2.body.token })).status, 200, 'role admin on request')
    })

    t.test('revoking an agent closes its live socket within a second', async (t) => {
      const token = await createToken(hub, 'revokee')
      const client = await connectAgent(t, hub, 'revokee', token)
      const started = Date.now()
      const res = await http(hub.port, 'DELETE', '/admin/tokens/revokee', { token: hub.adminToken })
      t.same([res.status, res.body], [200, { status: 'revoked', agent_id: 'revokee' }])
      t.same(await client.waitClosed(1000), { code: 1008, reason: 'token revoked' })
      t.ok(Date.now() - started < 1000)
      const retry = await AgentClient.connect(t, hub.port)
      t.same(await retry.request({ type: 'identify', agent_id: 'revokee', token }), { type: 'error', error: 'invalid_token' })
      t.same(await pick(http(hub.port, 'DELETE', '/admin/tokens/never-existed', { token: hub.adminToken })), [200, { status: 'revoked', agent_id: 'never-existed' }])
      retry.close()
    })

    t.test('reset-token: revoke all, issue one; 404 for unknown agents', async (t) => {
      const old = await createToken(hub, 'resetme')
      const res = await http(hub.port, 'POST', '/api/admin/agents/resetme/reset-token', { token: hub.adminToken })
      t.equal(res.status, 201)
      t.equal(res.body.hint, `Use with: node add-agent.js --rejoin --name resetme --token ${res.body.token}`)
      t.equal((await http(hub.port, 'GET', '/api/agents/states', { token: old })).status, 401, 'the old token is gone')
      t.equal((await http(hub.port, 'GET', '/api/agents/states', { token: res.body.token })).status, 200)
      t.same(await pick(http(hub.port, 'POST', '/api/admin/agents/ghost/reset-token', { token: hub.adminToken })), [404, { error: 'agent_not_found', agent_id: 'ghost' }])
    })

    t.test('onboarding needs an admin token (no --open-registration)', async (t) => {
      t.same(await pick(http(hub.port, 'POST', '/api/onboard/register', { body: { agent_id: 'newbie' } })), [401, HINT])
      const res = await http(hub.port, 'POST', '/api/onboard/register', { token: hub.adminToken, body: { agent_id: 'newbie' } })
      t.equal(res.status, 201)
      t.same(res.body, {
        agent_id: 'newbie',
        token: res.body.token,
        hub_ws_url: `ws://127.0.0.1:${hub.port}/ws`,
        hub_api_url: `http://127.0.0.1:${hub.port}`,
        default_repo: null,
      })
      t.same(await pick(http(hub.port, 'POST', '/api/onboard/register', { token: hub.adminToken, body: { agent_id: 'newbie' } })), [409, { error: 'agent_id already registered' }])
      const empty = await http(hub.port, 'POST', '/api/onboard/register', { token: hub.adminToken, body: { agent_id: '' } })
      t.same([empty.status, empty.body.errors[0].field], [422, 'agent_id'])
      const client = await connectAgent(t, hub, 'newbie', res.body.token)
      client.close()
    })

    t.test('health, schemas, agents listing', async (t) => {
      // the previous subtest's agent leaves presence once its close was processed
      await eventually(async () => (await http(hub.port, 'GET', '/health')).body.agents_connected === 0, 3000, 'no agent connected')
      t.match((await http(hub.port, 'GET', '/health')).body, { status: 'ok', service: 'agent_com', agents_connected: 0, uptime_ms: Number })
      const schemas = await http(hub.port, 'GET', '/api/schemas')
      t.equal(schemas.status, 200)
      t.equal(schemas.body.version, '1.0')
      t.ok(schemas.body.schemas.websocket.some((s: { type: string }) => s.type === 'identify'))
      const token = await createToken(hub, 'lister')
      const client = await connectAgent(t, hub, 'lister', token, { name: 'Lister', capabilities: ['a'] })
      const agents = await http(hub.port, 'GET', '/api/agents')
      const me = agents.body.agents.find((a: { agent_id: string }) => a.agent_id === 'lister')
      t.same(me, { agent_id: 'lister', name: 'Lister', status: 'connected', capabilities: ['a'], connected_at: hub.clock.now(), fsm_state: 'idle' })
      const states = await http(hub.port, 'GET', '/api/agents/states', { token })
      const mine = states.body.agents.find((a: { agent_id: string }) => a.agent_id === 'lister')
      t.same(mine.capabilities, [{ name: 'a' }])
      t.notOk('last_state_change' in mine)
      const one = await http(hub.port, 'GET', '/api/agents/lister/state', { token })
      t.equal(one.body.fsm_state, 'idle')
      t.ok('last_state_change' in one.body)
      t.same(await pick(http(hub.port, 'GET', '/api/agents/ghost/state', { token })), [404, { error: 'agent_not_found' }])
      t.same((await http(hub.port, 'GET', '/api/agents/lister/subscriptions')).body, { agent_id: 'lister', channels: [] })
      t.equal((await http(hub.port, 'GET', '/health')).body.agents_connected, 1)
      client.close()
    })
  })

  t.test(`${kind}: restart keeps tokens; --open-registration`, async (t) => {
    const first = await startTestHub(t, kind)
    const agentToken = await createToken(first, 'keeper')
    const file = join(first.dataDir, 'admin.token')
    const before = readFileSync(file, 'utf8')
    await first.running.close()
    const second = await startTestHub(t, kind, { dataDir: first.dataDir, adminToken: first.adminToken, openRegistration: true })
    t.equal(second.running.newAdminToken, null)
    t.equal(readFileSync(file, 'utf8'), before, 'admin.token untouched')
    t.equal((await http(second.port, 'GET', '/admin/tokens', { token: first.adminToken })).status, 200, 'the admin token still works')
    const client = await connectAgent(t, second, 'keeper', agentToken)
    client.close()
    const open = await http(second.port, 'POST', '/api/onboard/register', { body: { agent_id: 'walk-in' } })
    t.equal(open.status, 201, 'open registration needs no token')
  })
}

async function pick(res: Promise<{ status: number; body: unknown }>): Promise<[number, unknown]> {
  const r = await res
  return [r.status, r.body]
}
