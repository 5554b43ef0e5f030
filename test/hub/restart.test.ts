// A hub restart seen from the sockets: live agents get 1001 at shutdown; after the restart the
// same tokens identify again, channel memberships re-attach live delivery at identify, the
// mailbox seq continues, and the admin token (not printed again) still works. The HTTP side of
// durability (mailbox seq, channels, history, threads, config) is in test/messaging/hub-restart.
import t from 'tap'
import { connectAgent, createToken, http, startTestHub, tempDataDir } from './harness'

t.test('restart over ws keeps tokens, memberships and the mailbox seq', async (t) => {
  const dataDir = tempDataDir(t)
  const first = await startTestHub(t, 'ws', { dataDir })
  const speaker = await createToken(first, 'speaker')
  const listener = await createToken(first, 'listener')
  t.equal((await http(first.port, 'POST', '/api/channels', { token: speaker, body: { name: 'standup' } })).status, 201)
  const live = await connectAgent(t, first, 'listener', listener)
  live.send({ type: 'channel_subscribe', channel: 'standup' })
  t.same(await live.nextOfType('channel_subscribed'), { type: 'channel_subscribed', channel: 'standup' })
  await http(first.port, 'POST', '/api/message', { token: speaker, body: { to: 'offline-one', payload: { n: 1 } } })
  const offline = await createToken(first, 'offline-one')
  const seqBefore = (await http(first.port, 'GET', '/api/mailbox/offline-one', { token: offline })).body.last_seq as number
  t.ok(seqBefore >= 1)
  await first.running.close()
  t.equal((await live.waitClosed()).code, 1001, 'hub shutdown closes live sockets with 1001')

  const second = await startTestHub(t, 'ws', { dataDir, adminToken: first.adminToken })
  t.equal(second.running.newAdminToken, null, 'no new admin token on a restart')
  t.equal((await http(second.port, 'GET', '/admin/tokens', { token: first.adminToken })).status, 200, 'the admin token survived')
  const back = await connectAgent(t, second, 'listener', listener)
  const speakerSocket = await connectAgent(t, second, 'speaker', speaker)
  speakerSocket.send({ type: 'channel_publish', channel: 'standup', payload: { after: 'restart' } })
  const published = await speakerSocket.nextOfType('channel_published')
  const delivered = await back.nextOfType('channel_message')
  t.same([delivered.channel, delivered.id, delivered.payload], ['standup', published.id, { after: 'restart' }], 'membership re-attached live delivery at identify')
  await http(second.port, 'POST', '/api/message', { token: speaker, body: { to: 'offline-one', payload: { n: 2 } } })
  const after = (await http(second.port, 'GET', `/api/mailbox/offline-one?since=${seqBefore}`, { token: offline })).body
  t.equal(after.count, 1)
  t.ok(after.messages[0].seq > seqBefore, 'the mailbox seq continues across the restart')
  back.close()
  speakerSocket.close()
})
