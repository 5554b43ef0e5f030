// Black box over real sockets, both transports: direct and broadcast messages over WS and HTTP,
// mailbox poll/ack, history, threads, analytics.
import t from 'tap'
import { startTestHub, TRANSPORTS } from './hub-client'

for (const kind of TRANSPORTS) {
  t.test(`messages over ${kind}`, async (t) => {
    const hub = await startTestHub(t, kind)
    const tokens: Record<string, string> = {}
    for (const agent of ['alpha', 'beta', 'gamma']) tokens[agent] = await hub.issueToken(agent)
    await hub.issueToken('beta') // a second token: broadcasts still mailbox beta once

    t.test('direct message to an online agent: pushed, message_sent reply, not mailboxed', async (t) => {
      const alpha = await hub.connect('alpha', tokens.alpha!)
      const beta = await hub.connect('beta', tokens.beta!)
      const sent = await alpha.request({ type: 'message', to: 'beta', payload: { q: 'ping?' }, message_type: 'request', protocol_version: 1 }, 'message_sent')
      t.match(sent, { type: 'message_sent', id: /^[0-9a-f]{16}$/ })
      const pushed = await beta.next((f) => f.type === 'message')
      t.same(Object.keys(pushed).sort(), ['from', 'id', 'message_type', 'payload', 'reply_to', 'timestamp', 'type'], 'no `to` in the push')
      t.match(pushed, { id: sent.id, from: 'alpha', message_type: 'request', payload: { q: 'ping?' }, reply_to: null })
      const mailbox = await hub.http('GET', '/api/mailbox/beta', { token: tokens.beta })
      t.same(mailbox.body.messages, [])
      await hub.disconnect(alpha, 'alpha')
      await hub.disconnect(beta, 'beta')
    })

    t.test('direct message to an offline agent over HTTP: mailboxed; poll does not delete; ack deletes ≤ seq', async (t) => {
      const first = await hub.http('POST', '/api/message', { token: tokens.alpha, body: { to: 'gamma', payload: { n: 1 }, from: 'spoofed' } })
      t.same(first.status, 200)
      t.match(first.body, { status: 'sent', id: /^[0-9a-f]{16}$/ })
      await hub.http('POST', '/api/message', { token: tokens.beta, body: { to: 'gamma', payload: { n: 2 }, type: 'note' } })
      const polled = await hub.http('GET', `/api/mailbox/gamma?token=${tokens.gamma}`)
      t.equal(polled.status, 200)
      t.match(polled.body, { agent_id: 'gamma', count: 2 })
      t.match(polled.body.messages, [
        { id: first.body.id, from: 'alpha', to: 'gamma', type: 'chat', payload: { n: 1 }, reply_to: null, timestamp: Number, seq: Number },
        { from: 'beta', type: 'note', payload: { n: 2 } },
      ])
      const [s1, s2] = polled.body.messages.map((m: { seq: number }) => m.seq)
      t.equal(polled.body.last_seq, s2)
      t.equal((await hub.http('GET', `/api/mailbox/gamma?since=${s1}`, { token: tokens.gamma })).body.count, 1)
      t.equal((await hub.http('GET', '/api/mailbox/gamma', { token: tokens.gamma })).body.count, 2, 'poll does not delete')
      t.same((await hub.http('POST', '/api/mailbox/gamma/ack', { token: tokens.gamma, body: { seq: s1 } })).body, { status: 'acked', up_to: s1 })
      t.same((await hub.http('GET', '/api/mailbox/gamma', { token: tokens.gamma })).body.messages.map((m: { seq: number }) => m.seq), [s2])
      t.same((await hub.http('GET', '/api/mailbox/gamma?since=abc', { token: tokens.gamma })).status, 422, 'strict integers')
      t.same(await hub.http('GET', '/api/mailbox/gamma', { token: tokens.alpha }), { status: 401, body: { error: 'unauthorized' } }, "another agent's token")
      t.same((await hub.http('GET', '/api/mailbox/gamma')).status, 401)
      t.same((await hub.http('GET', '/api/mailbox/gamma', { token: hub.adminToken })).status, 200, 'an admin token may read any mailbox')
      t.same((await hub.http('POST', '/api/mailbox/gamma/ack', { token: tokens.gamma, body: { seq: 'x' } })).status, 422)
      t.same((await hub.http('POST', '/api/mailbox/evict', { token: tokens.gamma })).body, { status: 'eviction_triggered' })
      t.same((await hub.http('POST', '/api/message', { body: { payload: {} } })).body, { error: 'unauthorized', hint: 'provide Authorization: Bearer <token>' })
      t.match(await hub.http('POST', '/api/message', { token: tokens.alpha, body: { to: 'gamma' } }), { status: 422, body: { error: 'validation_failed', errors: [{ field: 'payload', error: 'required' }] } })
    })

    t.test('broadcast: every identified socket incl. the sender; offline token holders mailboxed once', async (t) => {
      const alpha = await hub.connect('alpha', tokens.alpha!)
      const beforeBeta = (await hub.http('GET', '/api/mailbox/beta', { token: tokens.beta })).body.count
      const sent = await alpha.request({ type: 'message', payload: { all: true } }, 'message_sent')
      const own = await alpha.next((f) => f.type === 'message')
      t.match(own, { id: sent.id, from: 'alpha', payload: { all: true } }, 'the sender gets its own broadcast, as the original')
      const beta = (await hub.http('GET', '/api/mailbox/beta', { token: tokens.beta })).body
      t.equal(beta.count, beforeBeta + 1, 'beta holds two tokens but gets one copy')
      t.equal(beta.messages.at(-1).id, sent.id)
      t.equal((await hub.http('GET', '/api/mailbox/alpha', { token: tokens.alpha })).body.count, 0, 'the sender is not mailboxed')
      await hub.disconnect(alpha, 'alpha')
    })

    t.test('history, threads and analytics see live traffic', async (t) => {
      const root = (await hub.http('POST', '/api/message', { token: tokens.alpha, body: { to: 'beta', payload: { text: 'root' } } })).body.id
      const reply = (await hub.http('POST', '/api/message', { token: tokens.beta, body: { to: 'alpha', payload: { text: 're' }, reply_to: root } })).body.id
      const history = await hub.http('GET', `/api/messages?from=beta&to=alpha&token=${tokens.alpha}`)
      t.equal(history.status, 200)
      t.match(history.body, { count: 1, messages: [{ id: reply, reply_to: root, seq: Number }] })
      t.equal(history.body.cursor, history.body.messages[0].seq)
      t.equal((await hub.http('GET', '/api/messages?limit=zz', { token: tokens.alpha })).status, 422)
      t.same((await hub.http('GET', '/api/messages')).status, 401)
      const thread = await hub.http('GET', `/api/threads/${reply}`, { token: tokens.alpha })
      t.match(thread.body, { root, count: 2, messages: [{ id: root }, { id: reply }] })
      t.match((await hub.http('GET', `/api/threads/${root}/replies?token=${tokens.alpha}`)).body, { parent: root, count: 1, replies: [{ id: reply }] })
      t.same((await hub.http('GET', `/api/threads/${reply}/root`, { token: tokens.alpha })).body, { message_id: reply, root })
      const summary = await hub.http('GET', '/api/analytics/summary')
      t.ok(summary.body.total_messages_24h >= 5, `analytics count routed messages (${summary.body.total_messages_24h})`)
      const agents = (await hub.http('GET', '/api/analytics/agents')).body.agents as Array<{ agent_id: string; messages_sent_24h: number; total_connections: number }>
      t.ok(agents.find((a) => a.agent_id === 'alpha')!.total_connections >= 2, 'connections come from presence')
      const hourly = (await hub.http('GET', '/api/analytics/agents/beta/hourly')).body
      t.equal(hourly.agent_id, 'beta')
      t.equal(hourly.hourly.length, 24)
      t.ok(hourly.hourly[23].received >= 2)
    })
  })
}
