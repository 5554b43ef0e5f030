// The /ws pipeline and the identify handshake, black-box over real sockets, on both transports.
import t from 'tap'
import { ACTOR } from '../../actors/names'
import { AgentClient, KINDS, connectAgent, createToken, eventually, http, startTestHub } from './harness'

for (const kind of KINDS) {
  t.test(`${kind}: /ws pipeline and identify`, async (t) => {
    const hub = await startTestHub(t, kind)
    const forgeToken = await createToken(hub, 'forge')

    t.test('identified is the first frame; a queued task_assign follows it', async (t) => {
      const submitted = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body: { description: 'first job' } })
      t.equal(submitted.status, 201)
      const client = await AgentClient.connect(t, hub.port)
      client.send({ type: 'identify', agent_id: 'forge', token: forgeToken, capabilities: ['code'], protocol_version: 1 })
      const first = await client.next()
      t.same(first, { type: 'identified', agent_id: 'forge' })
      const assign = await client.next()
      t.equal(assign.type, 'task_assign')
      t.equal(assign.task_id, submitted.body.task_id)
      t.equal(assign.generation, 1)
      // hand it back so later subtests start clean
      t.same(await client.request({ type: 'task_accepted', task_id: assign.task_id }), { type: 'task_ack', task_id: assign.task_id, status: 'accepted' })
      t.same(await client.request({ type: 'task_complete', task_id: assign.task_id, generation: assign.generation, result: {} }), {
        type: 'task_ack',
        task_id: assign.task_id,
        status: 'complete',
      })
      client.close()
      await client.waitClosed()
    })

    t.test('before identify: not_identified for valid frames, invalid_json, validation errors', async (t) => {
      const client = await AgentClient.connect(t, hub.port)
      t.same(await client.request({ type: 'ping' }), { type: 'error', error: 'not_identified' })
      t.same(await client.request({ type: 'list_agents' }), { type: 'error', error: 'not_identified' })
      t.same(await client.request('{not json'), { type: 'error', error: 'invalid_json' })
      const unknown = await client.request({ type: 'dance' })
      t.equal(unknown.error, 'validation_failed')
      t.equal(unknown.message_type, 'dance')
      t.equal(unknown.errors[0].error, 'unknown_message_type')
      t.ok(unknown.errors[0].known_types.includes('task_rejected'), 'known_types lists every accepted type')
      t.same(unknown.errors[0].known_types, [...unknown.errors[0].known_types].sort(), 'sorted')
      const missing = await client.request({ type: 'identify', agent_id: 'forge' })
      t.equal(missing.error, 'validation_failed')
      t.equal(missing.errors[0].field, 'token')
      t.equal(missing.errors[0].error, 'required')
      t.notOk(client.isClosed)
    })

    t.test('invalid_token and token_agent_mismatch keep the socket open; a retry then succeeds', async (t) => {
      const client = await AgentClient.connect(t, hub.port)
      t.same(await client.request({ type: 'identify', agent_id: 'forge', token: 'f'.repeat(64) }), { type: 'error', error: 'invalid_token' })
      const otherToken = await createToken(hub, 'smith')
      t.same(await client.request({ type: 'identify', agent_id: 'forge', token: otherToken }), { type: 'error', error: 'token_agent_mismatch' })
      t.same(await client.request({ type: 'ping' }), { type: 'error', error: 'not_identified' })
      t.same(await client.request({ type: 'identify', agent_id: 'smith', token: otherToken }), { type: 'identified', agent_id: 'smith' })
      const pong = await client.request({ type: 'ping' })
      t.equal(pong.type, 'pong')
      t.equal(pong.timestamp, hub.clock.now(), 'pong carries hub time')
      // a second identify is answered without re-running the handshake
      t.same(await client.request({ type: 'identify', agent_id: 'smith', token: otherToken }), { type: 'identified', agent_id: 'smith' })
      t.same(await client.request({ type: 'identify', agent_id: 'forge', token: forgeToken }), { type: 'error', error: 'already_identified' })
      client.close()
      await client.waitClosed()
    })

    t.test('frames pipelined behind identify keep their order', async (t) => {
      const client = await AgentClient.connect(t, hub.port)
      client.send({ type: 'identify', agent_id: 'forge', token: forgeToken })
      client.send({ type: 'ping' })
      client.send({ type: 'list_agents' })
      t.equal((await client.next()).type, 'identified')
      t.equal((await client.next()).type, 'pong')
      const agents = await client.next()
      t.equal(agents.type, 'agents')
      t.ok(agents.agents.some((a: { agent_id: string }) => a.agent_id === 'forge'))
      client.close()
      await client.waitClosed()
    })

    t.test('a newer connection replaces the older session', async (t) => {
      const watcherToken = await createToken(hub, 'watcher')
      const watcher = await connectAgent(t, hub, 'watcher', watcherToken)
      const old = await connectAgent(t, hub, 'forge', forgeToken)
      await watcher.next((f) => f.type === 'agent_joined' && f.agent.agent_id === 'forge')
      const fresh = await connectAgent(t, hub, 'forge', forgeToken)
      t.same(await old.waitClosed(), { code: 1000, reason: 'replaced by a newer connection' })
      t.equal((await fresh.request({ type: 'ping' })).type, 'pong', 'the new socket is live')
      // the old socket's end must not remove the new one's presence (defect of the original)
      const agents = await fresh.request({ type: 'list_agents' })
      t.ok(agents.agents.some((a: { agent_id: string }) => a.agent_id === 'forge'))
      t.notOk(watcher.frames.some((f) => f.type === 'agent_left' && f.agent_id === 'forge'), 'no agent_left for a replaced session')
      fresh.close()
      await fresh.waitClosed()
      await watcher.next((f) => f.type === 'agent_left' && f.agent_id === 'forge')
      watcher.close()
    })

    t.test('10 validation failures close with 1008; identify then meets the cooldown', async (t) => {
      const token = await createToken(hub, 'noisy')
      const client = await connectAgent(t, hub, 'noisy', token)
      for (let i = 1; i <= 9; i++) {
        const reply = await client.request({ type: 'status' })
        t.equal(reply.error, 'validation_failed', `failure ${i} is answered`)
      }
      client.send({ type: 'status' })
      t.same(await client.waitClosed(), { code: 1008, reason: 'too many validation errors' })
      const immediately = await AgentClient.connect(t, hub.port)
      immediately.send({ type: 'identify', agent_id: 'noisy', token })
      // N = floor(remaining / 1000) + 1
      t.same(await immediately.waitClosed(), { code: 1008, reason: 'cooldown active: retry in 31s' })
      await hub.clock.advance(10_500)
      const again = await AgentClient.connect(t, hub.port)
      again.send({ type: 'identify', agent_id: 'noisy', token })
      t.same(await again.waitClosed(), { code: 1008, reason: 'cooldown active: retry in 20s' })
      await hub.clock.advance(19_501)
      const later = await connectAgent(t, hub, 'noisy', token)
      t.equal((await later.request({ type: 'ping' })).type, 'pong', 'after the cooldown identify works')
      later.close()
    })

    t.test('presence pushes: joined (not own), status_changed (incl. self), left', async (t) => {
      const aToken = await createToken(hub, 'alpha')
      const bToken = await createToken(hub, 'beta')
      const a = await connectAgent(t, hub, 'alpha', aToken, { name: 'Alpha', capabilities: ['x'] })
      const b = await connectAgent(t, hub, 'beta', bToken)
      const joined = await a.next((f) => f.type === 'agent_joined')
      t.equal(joined.agent.agent_id, 'beta')
      t.same(Object.keys(joined.agent).sort(), ['agent_id', 'capabilities', 'connected_at', 'name', 'status'])
      t.notOk(b.frames.some((f) => f.type === 'agent_joined' && f.agent.agent_id === 'beta'), 'own join suppressed')
      t.same(await b.request({ type: 'status', status: 'busy' }), { type: 'status_updated' })
      const own = await b.next((f) => f.type === 'status_changed')
      t.equal(own.agent.status, 'busy')
      const seen = await a.next((f) => f.type === 'status_changed')
      t.same(seen.agent, { agent_id: 'beta', name: 'beta', status: 'busy', capabilities: [], connected_at: hub.clock.now() })
      b.close()
      t.same(await a.next((f) => f.type === 'agent_left'), { type: 'agent_left', agent_id: 'beta' })
      a.close()
    })

    t.test('sessions deliver broadcasts (sender included) and live channel traffic (no echo)', async (t) => {
      const aToken = await createToken(hub, 'caster')
      const bToken = await createToken(hub, 'hearer')
      const a = await connectAgent(t, hub, 'caster', aToken)
      const b = await connectAgent(t, hub, 'hearer', bToken)
      a.send({ type: 'message', payload: { hello: 1 } })
      const sent = await a.nextOfType('message_sent')
      const own = await a.nextOfType('message')
      const heard = await b.nextOfType('message')
      t.same(heard, own)
      t.same(heard, { type: 'message', id: sent.id, from: 'caster', message_type: 'chat', payload: { hello: 1 }, reply_to: null, timestamp: hub.clock.now() })
      t.equal((await http(hub.port, 'POST', '/api/channels', { token: bToken, body: { name: 'ops' } })).status, 201)
      // HTTP subscribe attaches live delivery to the open socket (the original waited for a reconnect)
      t.equal((await http(hub.port, 'POST', '/api/channels/ops/subscribe', { token: bToken })).body.status, 'subscribed')
      a.send({ type: 'channel_subscribe', channel: 'ops' })
      t.same(await a.nextOfType('channel_subscribed'), { type: 'channel_subscribed', channel: 'ops' })
      t.same(await b.nextOfType('channel_agent_joined'), { type: 'channel_agent_joined', channel: 'ops', agent_id: 'caster' })
      a.send({ type: 'channel_publish', channel: 'ops', payload: { n: 2 } })
      const published = await a.nextOfType('channel_published')
      const delivered = await b.nextOfType('channel_message')
      t.same([delivered.channel, delivered.id, delivered.from, delivered.payload], ['ops', published.id, 'caster', { n: 2 }])
      a.send({ type: 'ping' })
      await a.nextOfType('pong') // everything before it was delivered
      t.notOk(a.frames.some((f) => f.type === 'channel_message'), 'the publisher gets no echo')
      a.close()
      b.close()
    })

    t.test('a killed session closes its socket (1011) and still leaves presence', async (t) => {
      const token = await createToken(hub, 'doomed')
      const client = await connectAgent(t, hub, 'doomed', token)
      const system = hub.running.hub.system
      system.exit(system.whereis('agent:doomed')!, 'kill')
      t.same(await client.waitClosed(), { code: 1011, reason: 'internal error' })
      // asked of the presence actor directly: earlier subtests used up GET /api/agents' per-IP
      // rate budget, and the virtual clock does not refill it
      const presence = system.byName(ACTOR.presence)
      await eventually(async () => !(await presence.call<{ agent_id: string }[]>({ type: 'list' })).some((a) => a.agent_id === 'doomed'), 3000, 'presence entry removed')
      const back = await connectAgent(t, hub, 'doomed', token)
      t.equal((await back.request({ type: 'ping' })).type, 'pong', 'the agent can identify again')
      back.close()
    })

    t.test('/ws/dashboard is served on the same port', async (t) => {
      const dash = await AgentClient.connect(t, hub.port, '/ws/dashboard')
      t.notOk(dash.isClosed)
      dash.close()
    })

    t.test('the reaper evicts an agent without ping for more than 60 s', async (t) => {
      const token = await createToken(hub, 'sleepy')
      const pingerToken = await createToken(hub, 'pinger')
      const sleepy = await connectAgent(t, hub, 'sleepy', token)
      const pinger = await connectAgent(t, hub, 'pinger', pingerToken)
      await hub.clock.advance(40_000)
      t.equal((await pinger.request({ type: 'ping' })).type, 'pong')
      // a status frame is activity but not liveness: only ping refreshes last_seen
      await sleepy.request({ type: 'status', status: 'working' })
      await hub.clock.advance(20_000) // sweep at 60 s: sleepy is exactly 60 s old, not more
      sleepy.send({ type: 'status', status: 'still' })
      t.same(await sleepy.nextOfType('status_updated'), { type: 'status_updated' }, 'not evicted at exactly 60 s')
      await hub.clock.advance(30_000) // sweep at 90 s: sleepy 90 s without ping; pinger 50 s
      t.same(await sleepy.waitClosed(), { code: 1008, reason: 'stale: no ping received' })
      t.notOk(pinger.isClosed, 'an agent that pings stays')
      await eventually(async () => (await http(hub.port, 'GET', '/health')).body.agents_connected === 1, 3000, 'presence drops the evicted agent')
      pinger.close()
    })
  })
}
