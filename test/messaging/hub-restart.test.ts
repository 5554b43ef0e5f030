// Black box: a hub restart on the same data dir keeps the mailbox seq (even with an emptied
// mailbox), channels with members and history, message history, threads and config.
// Durability does not depend on the transport, and a hub start on a used data dir takes seconds
// (storage verification), so this runs on the ws transport only.
import t from 'tap'
import { startTestHub } from './hub-client'
import { tempDataDir } from './harness'

for (const kind of ['ws'] as const) {
  t.test(`restart over ${kind}`, async (t) => {
    const dataDir = tempDataDir(t)
    const first = await startTestHub(t, kind, dataDir)
    const alpha = await first.issueToken('alpha')
    const beta = await first.issueToken('beta')
    for (let i = 0; i < 3; i++) await first.http('POST', '/api/message', { token: alpha, body: { to: 'beta', payload: { i } } })
    const polled = (await first.http('GET', '/api/mailbox/beta', { token: beta })).body
    const lastSeq = polled.last_seq as number
    await first.http('POST', '/api/mailbox/beta/ack', { token: beta, body: { seq: lastSeq } })
    t.equal((await first.http('GET', '/api/mailbox/beta', { token: beta })).body.count, 0, 'mailbox emptied before the restart')
    await first.http('POST', '/api/channels', { token: alpha, body: { name: 'ops' } })
    await first.http('POST', '/api/channels/ops/subscribe', { token: beta })
    await first.http('POST', '/api/channels/ops/publish', { token: alpha, body: { payload: { n: 1 } } })
    await first.http('PUT', '/api/config/mailbox-retention', { token: first.adminToken, body: { mailbox_ttl_ms: 3_600_000 } })
    const historyBefore = (await first.http('GET', '/api/messages?limit=200', { token: alpha })).body
    await first.close()

    const second = await startTestHub(t, kind, dataDir)
    const sent = await second.http('POST', '/api/message', { token: alpha, body: { to: 'beta', payload: { after: true } } })
    t.equal(sent.status, 200, 'tokens survived')
    const after = (await second.http('GET', `/api/mailbox/beta?since=${lastSeq}`, { token: beta })).body
    t.equal(after.count, 2, 'a cursor from before the restart sees the channel copy and the new message (seq did not restart at 1)')
    t.ok(after.messages.every((m: { seq: number }) => m.seq > lastSeq))
    t.match((await second.http('GET', '/api/channels/ops')).body, { name: 'ops', subscribers: ['beta'] })
    t.match((await second.http('POST', '/api/channels/ops/publish', { token: alpha, body: { payload: { n: 2 } } })).body, { status: 'published', seq: 2 })
    t.equal((await second.http('GET', '/api/channels/ops/history')).body.count, 2)
    const historyAfter = (await second.http('GET', '/api/messages?limit=200', { token: alpha })).body
    t.same(historyAfter.messages.slice(0, historyBefore.count), historyBefore.messages, 'message history kept')
    t.equal(historyAfter.count, historyBefore.count + 1)
    t.same((await second.http('GET', '/api/config/mailbox-retention', { token: alpha })).body, { mailbox_ttl_ms: 3_600_000 })
  })
}
