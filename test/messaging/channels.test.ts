import t from 'tap'
import { ACTOR, channelTopic } from '../../actors/names'
import {
  normalizeChannelName,
  type ChannelsCall,
  type CreateReply,
  type HistoryReply,
  type InfoReply,
  type ListReply,
  type PublishReply,
  type SubscribeReply,
  type UnsubscribeReply,
} from '../../actors/channels'
import { buildMessage } from '../../actors/message-history'
import { messagingWorld, settle, type MessagingWorld } from './harness'

function channelsOf(world: MessagingWorld) {
  return world.system.byName<ChannelsCall>(ACTOR.channels)
}

const publish = (world: MessagingWorld, channel: string, from: string, text: string) =>
  channelsOf(world).call<PublishReply>({ type: 'publish', channel, message: buildMessage({ from, to: null, payload: { text } }, world.clock.now()) })

t.test('normalizeChannelName: strip leading #, lower-case, keep [a-z0-9-_]', async (t) => {
  t.equal(normalizeChannelName('#Dev-Ops_2'), 'dev-ops_2')
  t.equal(normalizeChannelName('##Research Team!'), 'researchteam')
  t.equal(normalizeChannelName('a#b'), 'ab')
  t.equal(normalizeChannelName('Ünïcode'), 'ncode')
  t.equal(normalizeChannelName('###'), '')
})

t.test('create / exists / invalid name; info and list', async (t) => {
  const world = await messagingWorld(t)
  const channels = channelsOf(world)
  t.same(await channels.call<CreateReply>({ type: 'create', name: '#Dev', description: 'builds', created_by: 'alpha' }), { ok: true, channel: 'dev' })
  t.same(await channels.call<CreateReply>({ type: 'create', name: 'DEV', created_by: 'beta' }), { ok: false, error: 'channel_exists' })
  t.same(await channels.call<CreateReply>({ type: 'create', name: '!!!', created_by: 'beta' }), { ok: false, error: 'invalid_channel_name' })
  await channels.call({ type: 'create', name: 'alerts', created_by: 'beta' })
  const info = await channels.call<InfoReply>({ type: 'info', channel: '#dev' })
  t.same(info, { name: 'dev', description: 'builds', subscribers: [], subscriber_count: 0, created_at: world.clock.now(), created_by: 'alpha' })
  t.equal(await channels.call<InfoReply>({ type: 'info', channel: 'nope' }), null)
  const list = await channels.call<ListReply>({ type: 'list' })
  t.same(list.map((c) => [c.name, c.description, c.subscriber_count]), [['alerts', '', 0], ['dev', 'builds', 0]])
})

t.test('subscribe: membership persists, session told join_channel (also when already subscribed), others told channel_agent_joined', async (t) => {
  const world = await messagingWorld(t)
  const channels = channelsOf(world)
  await channels.call({ type: 'create', name: 'dev', created_by: 'alpha' })
  const alpha = await world.online('alpha')
  const events: unknown[] = []
  world.system.bus.subscribe(channelTopic('dev'), (event) => events.push(event))

  t.same(await channels.call<SubscribeReply>({ type: 'subscribe', channel: '#DEV', agent_id: 'alpha' }), { ok: true, channel: 'dev', already: false })
  t.same(await channels.call<SubscribeReply>({ type: 'subscribe', channel: 'dev', agent_id: 'alpha' }), { ok: true, channel: 'dev', already: true })
  await settle(world)
  t.same(alpha.log, [{ type: 'join_channel', channel: 'dev' }, { type: 'join_channel', channel: 'dev' }], 'live delivery attached both times')
  t.same(events, [{ type: 'channel_agent_joined', channel: 'dev', agent_id: 'alpha' }], 'joined announced once')
  t.same(await channels.call<SubscribeReply>({ type: 'subscribe', channel: 'ghost', agent_id: 'alpha' }), { ok: false, error: 'channel_not_found' })

  await channels.call({ type: 'subscribe', channel: 'dev', agent_id: 'beta' }) // offline: no session, no crash
  t.same(await channels.call({ type: 'memberships', agent_id: 'alpha' }), ['dev'])
  t.same(await channels.call<UnsubscribeReply>({ type: 'unsubscribe', channel: 'dev', agent_id: 'alpha' }), { ok: true, channel: 'dev', was_member: true })
  t.same(await channels.call<UnsubscribeReply>({ type: 'unsubscribe', channel: 'dev', agent_id: 'alpha' }), { ok: true, channel: 'dev', was_member: false }, 'non-member: still success')
  t.same(await channels.call<UnsubscribeReply>({ type: 'unsubscribe', channel: 'ghost', agent_id: 'alpha' }), { ok: false, error: 'channel_not_found' })
  await settle(world)
  t.same(alpha.log.at(-1), { type: 'leave_channel', channel: 'dev' })
  t.same((await channels.call<InfoReply>({ type: 'info', channel: 'dev' }))!.subscribers, ['beta'])
})

t.test('publish: per-channel seq, recipients are the other members, live event after commit; unknown → not found', async (t) => {
  const world = await messagingWorld(t)
  const channels = channelsOf(world)
  await channels.call({ type: 'create', name: 'dev', created_by: 'alpha' })
  await channels.call({ type: 'create', name: 'ops', created_by: 'alpha' })
  for (const agent of ['alpha', 'beta', 'gamma']) await channels.call({ type: 'subscribe', channel: 'dev', agent_id: agent })
  const events: Array<{ type: string; message?: { payload: unknown } }> = []
  world.system.bus.subscribe(channelTopic('dev'), (event) => events.push(event as (typeof events)[number]))
  const first = await publish(world, '#Dev', 'alpha', 'one')
  t.same(first, { ok: true, channel: 'dev', seq: 1, recipients: ['beta', 'gamma'] })
  t.match(await publish(world, 'dev', 'outsider', 'two'), { ok: true, seq: 2, recipients: ['alpha', 'beta', 'gamma'] })
  t.match(await publish(world, 'ops', 'alpha', 'other channel'), { ok: true, seq: 1 }, 'seqs are per channel')
  t.same(await publish(world, 'ghost', 'alpha', 'x'), { ok: false, error: 'channel_not_found' })
  t.same(events.filter((e) => e.type === 'channel_message').map((e) => e.message!.payload), [{ text: 'one' }, { text: 'two' }])
  const history = await channels.call<HistoryReply>({ type: 'history', channel: 'DEV' })
  t.same(history.map((e) => [e.seq, e.message.payload]), [[1, { text: 'one' }], [2, { text: 'two' }]])
  t.match(history[0], { seq: 1, message: { from: 'alpha', to: null, type: 'chat', reply_to: null }, stored_at: Number })
})

t.test('history: last `limit` entries with seq > since, ascending; cap 200; unknown channel → []', async (t) => {
  const world = await messagingWorld(t)
  const channels = channelsOf(world)
  await channels.call({ type: 'create', name: 'dev', created_by: 'alpha' })
  await Promise.all(Array.from({ length: 230 }, (_, i) => publish(world, 'dev', 'alpha', `n${i + 1}`)))
  const all = await channels.call<HistoryReply>({ type: 'history', channel: 'dev', limit: 1000 })
  t.equal(all.length, 200, 'capped at 200')
  t.equal(all[0]!.seq, 31)
  t.equal(all[199]!.seq, 230)
  t.same((await channels.call<HistoryReply>({ type: 'history', channel: 'dev' })).map((e) => e.seq), range(181, 230), 'default 50: the LAST 50')
  t.same((await channels.call<HistoryReply>({ type: 'history', channel: 'dev', limit: 3, since: 100 })).map((e) => e.seq), [228, 229, 230])
  t.same((await channels.call<HistoryReply>({ type: 'history', channel: 'dev', limit: 5, since: 226 })).map((e) => e.seq), [227, 228, 229, 230])
  t.same(await channels.call({ type: 'history', channel: 'ghost' }), [])
  t.same(await channels.call({ type: 'history', channel: 'dev', limit: 0 }), [])
  const onDisk = [...world.storage.table('channel_history').keys({ start: ['dev'], end: ['dev', Infinity] })]
  t.equal(onDisk.length, 200)
})

t.test('channels, members and seqs survive a restart; seqs are never reused', async (t) => {
  const first = await messagingWorld(t)
  await channelsOf(first).call({ type: 'create', name: 'dev', description: 'd', created_by: 'alpha' })
  await channelsOf(first).call({ type: 'subscribe', channel: 'dev', agent_id: 'beta' })
  for (let i = 0; i < 3; i++) await publish(first, 'dev', 'alpha', `m${i}`)
  await first.stop()
  const second = await messagingWorld(t, { dataDir: first.dataDir })
  t.same(await channelsOf(second).call({ type: 'memberships', agent_id: 'beta' }), ['dev'])
  t.match(await publish(second, 'dev', 'alpha', 'after restart'), { ok: true, seq: 4 })
  t.equal((await channelsOf(second).call<HistoryReply>({ type: 'history', channel: 'dev' })).length, 4)
})

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}
