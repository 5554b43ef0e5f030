// WS frame types of protocol.md §1.5 not covered elsewhere, with their documented success and
// error shapes, over real sockets on both transports: list_agents, direct messages, channel
// errors, re-identify, the v1.2 reports (ollama_report, resource_report, identify.ollama_url),
// the connection's remote address, rate limiting, binary frames.
import t from 'tap'
import { sessionName } from '../../actors/names'
import { AgentClient, KINDS, connectAgent, createToken, eventually, http, startTestHub, type Frame } from './harness'

const PRESENCE_PUSHES = new Set(['agent_joined', 'agent_left', 'status_changed'])

/** Sends and returns the next frame that is not a presence push of another test's agents. */
function ask(client: AgentClient, frame: Frame): Promise<Frame> {
  client.send(frame)
  return client.next((f) => !PRESENCE_PUSHES.has(f.type))
}

for (const kind of KINDS) {
  t.test(`${kind}: frame shapes`, async (t) => {
    const hub = await startTestHub(t, kind)
    const admin = hub.adminToken

    t.test('list_agents → agents [AgentInfo]', async (t) => {
      const token = await createToken(hub, 'lister')
      const client = await connectAgent(t, hub, 'lister', token, { name: 'Lister', capabilities: ['code'], status: 'idle' })
      const reply = await ask(client, { type: 'list_agents' })
      t.equal(reply.type, 'agents')
      t.same(
        reply.agents.find((a: { agent_id: string }) => a.agent_id === 'lister'),
        { agent_id: 'lister', name: 'Lister', status: 'idle', capabilities: ['code'], connected_at: hub.clock.now() },
      )
      client.close()
    })

    t.test('direct message: pushed to the online recipient only, message_sent to the sender', async (t) => {
      const from = await connectAgent(t, hub, 'dm-from', await createToken(hub, 'dm-from'))
      const toToken = await createToken(hub, 'dm-to')
      const to = await connectAgent(t, hub, 'dm-to', toToken)
      const sent = await ask(from, { type: 'message', to: 'dm-to', payload: { q: 1 }, message_type: 'question' })
      t.match(sent, { type: 'message_sent', id: /^[0-9a-f]{16}$/ })
      t.same(await to.nextOfType('message'), { type: 'message', id: sent.id, from: 'dm-from', message_type: 'question', payload: { q: 1 }, reply_to: null, timestamp: hub.clock.now() })
      t.same(await ask(from, { type: 'ping' }), { type: 'pong', timestamp: hub.clock.now() })
      t.notOk(from.frames.some((f) => f.type === 'message'), 'a direct message is not echoed to its sender')
      const mailbox = await http(hub.port, 'GET', '/api/mailbox/dm-to', { token: toToken })
      t.equal(mailbox.body.count, 0, 'online → not mailboxed')
      from.close()
      to.close()
    })

    t.test('channels: channel_not_found, history of an unknown channel is empty, list_channels', async (t) => {
      const client = await connectAgent(t, hub, 'chan-user', await createToken(hub, 'chan-user'))
      t.same(await ask(client, { type: 'channel_subscribe', channel: 'nowhere' }), { type: 'error', error: 'channel_not_found' })
      t.same(await ask(client, { type: 'channel_unsubscribe', channel: 'nowhere' }), { type: 'error', error: 'channel_not_found' })
      t.same(await ask(client, { type: 'channel_publish', channel: 'nowhere', payload: {} }), { type: 'error', error: 'channel_not_found' })
      t.same(await ask(client, { type: 'channel_history', channel: 'nowhere' }), { type: 'channel_history', channel: 'nowhere', messages: [] })
      await http(hub.port, 'POST', '/api/channels', { token: admin, body: { name: '#Frames', description: 'd' } })
      const list = await ask(client, { type: 'list_channels' })
      t.equal(list.type, 'channels')
      t.same(list.channels.find((c: { name: string }) => c.name === 'frames'), { name: 'frames', description: 'd', subscriber_count: 0, created_at: hub.clock.now() })
      t.same(await ask(client, { type: 'channel_subscribe', channel: '#Frames' }), { type: 'channel_subscribed', channel: '#Frames' })
      t.same(await ask(client, { type: 'channel_subscribe', channel: 'frames' }), { type: 'channel_subscribed', channel: 'frames', note: 'already_subscribed' })
      const published = await ask(client, { type: 'channel_publish', channel: 'frames', payload: { n: 1 } })
      t.match(published, { type: 'channel_published', channel: 'frames', seq: 1, id: /^[0-9a-f]{16}$/ })
      const history = await ask(client, { type: 'channel_history', channel: 'frames', since: 0, limit: 5 })
      t.same(history.messages.map((m: { seq: number; message: { id: string } }) => [m.seq, m.message.id]), [[1, published.id]])
      t.same(await ask(client, { type: 'channel_unsubscribe', channel: 'frames' }), { type: 'channel_unsubscribed', channel: 'frames' })
      client.close()
    })

    t.test('identify again on an identified socket: identified, mismatch errors, no duplicates', async (t) => {
      const token = await createToken(hub, 'again')
      const client = await connectAgent(t, hub, 'again', token)
      t.same(await ask(client, { type: 'identify', agent_id: 'again', token }), { type: 'identified', agent_id: 'again' })
      t.same(await ask(client, { type: 'identify', agent_id: 'again', token: 'f'.repeat(64) }), { type: 'error', error: 'invalid_token' })
      const other = await createToken(hub, 'other-agent')
      t.same(await ask(client, { type: 'identify', agent_id: 'again', token: other }), { type: 'error', error: 'token_agent_mismatch' })
      t.same(await ask(client, { type: 'identify', agent_id: 'other-agent', token: other }), { type: 'error', error: 'already_identified' })
      client.send({ type: 'message', payload: { once: true } })
      await client.nextOfType('message_sent')
      await client.nextOfType('message')
      t.same(await ask(client, { type: 'ping' }), { type: 'pong', timestamp: hub.clock.now() })
      t.notOk(client.frames.some((f) => f.type === 'message'), 'a broadcast arrives once, not once per identify')
      client.close()
    })

    t.test('[v1.2] ollama_report, identify.ollama_url and resource_report reach the LLM registry', async (t) => {
      const token = await createToken(hub, 'gpu-box')
      const client = await connectAgent(t, hub, 'gpu-box', token, { ollama_url: 'http://10.9.8.7:11434' })
      const endpoints = async () => (await http(hub.port, 'GET', '/api/admin/llm-registry', { token: admin })).body.endpoints as Array<{ id: string; name: string; source: string; host_agents: string[] }>
      await eventually(async () => (await endpoints()).some((e) => e.id === '10.9.8.7:11434'), 3000, 'identify registered the agent Ollama')
      t.match((await endpoints()).find((e) => e.id === '10.9.8.7:11434'), { name: 'gpu-box-local', source: 'auto', host_agents: ['gpu-box'] })
      t.same(await ask(client, { type: 'ollama_report', ollama_url: 'http://localhost:11500' }), { type: 'ollama_report_ack', status: 'registered' })
      t.ok((await endpoints()).some((e) => e.id === 'localhost:11500'), 'a loopback peer keeps the reported host')
      client.send({ type: 'resource_report', cpu_percent: 12.5, ram_used_bytes: 1, ram_total_bytes: 2, vram_used_bytes: null, vram_total_bytes: null, timestamp: hub.clock.now() })
      t.same(await ask(client, { type: 'ping' }), { type: 'pong', timestamp: hub.clock.now() }, 'resource_report has no reply')
      const snapshot = await http(hub.port, 'GET', '/api/admin/llm-registry/snapshot', { token: admin })
      t.ok(snapshot.body.resources['gpu-box'], 'the host metrics are stored under the agent id')
      t.same(await ask(client, { type: 'ollama_report', ollama_url: 'ftp://nope' }), { type: 'ollama_report_ack', status: 'registered' }, 'acknowledged as the original (the registry logs the refusal)')
      client.close()
    })

    t.test('the session knows its socket remote address (register_local peer_address)', async (t) => {
      const client = await connectAgent(t, hub, 'addressed', await createToken(hub, 'addressed'))
      const session = hub.running.hub.system.whereis(sessionName('addressed'))
      t.ok(session)
      const state = JSON.stringify(await hub.running.hub.system.inspect(session!))
      t.match(state, /"remote_ip":"(::ffff:)?127\.0\.0\.1"/)
      client.close()
    })

    t.test('rate limiting on an identified socket: rate_limit_warning, then rate_limited', async (t) => {
      const client = await connectAgent(t, hub, 'chatty', await createToken(hub, 'chatty'))
      for (let i = 0; i < 130; i++) client.send({ type: 'list_channels' })
      const warning = await client.nextOfType('rate_limit_warning')
      t.match(warning, { type: 'rate_limit_warning', tier: 'light', remaining: Number, capacity: 120 })
      const limited = await client.nextOfType('rate_limited')
      t.match(limited, { type: 'rate_limited', tier: 'light', retry_after_ms: Number })
      t.ok(limited.retry_after_ms > 0)
      client.close()
    })

    t.test('a binary frame closes the agent socket with 1003', async (t) => {
      const client = await AgentClient.connect(t, hub.port)
      client.ws.send(Buffer.from([1, 2, 3]), { binary: true })
      const closed = await client.waitClosed()
      t.equal(closed.code, 1003)
    })
  })
}
