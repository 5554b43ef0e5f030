import t from 'tap'
import { ACTOR } from '../../actors/names'
import { MAILBOX_SEQ_KEY, MailboxIndex, type DeliverReply, type MailboxCall, type MailboxPoll, type MailboxRecord } from '../../actors/mailbox'
import { buildMessage } from '../../actors/message-history'
import type { ConfigCall } from '../../actors/config'
import type { StoredMessage } from '../../relay/protocol'
import { messagingWorld, type MessagingWorld } from './harness'

const HOUR = 3_600_000
const DAY = 24 * HOUR

function mailboxOf(world: MessagingWorld) {
  return world.system.byName<MailboxCall>(ACTOR.mailbox)
}

let counter = 0
function message(from: string, to: string | null, text = `m${++counter}`): StoredMessage {
  return buildMessage({ from, to, payload: { text } }, 1_700_000_000_000 + counter)
}

async function deliver(world: MessagingWorld, agentIds: string[], msg = message('sender', agentIds[0] ?? null)) {
  return mailboxOf(world).call<DeliverReply>({ type: 'deliver', agent_ids: agentIds, message: msg })
}

async function poll(world: MessagingWorld, agentId: string, since = 0) {
  return mailboxOf(world).call<MailboxPoll>({ type: 'poll', agent_id: agentId, since })
}

t.test('deliver numbers entries with one global seq; poll returns seq > since ascending and does not delete', async (t) => {
  const world = await messagingWorld(t)
  const a = await deliver(world, ['alpha'])
  const b = await deliver(world, ['beta'])
  const c = await deliver(world, ['alpha', 'beta', 'alpha'])
  t.same(a.seqs, { alpha: 1 })
  t.same(b.seqs, { beta: 2 })
  t.same(c.seqs, { alpha: 3, beta: 4 }, 'one copy per distinct agent')
  const polled = await poll(world, 'alpha')
  t.same(polled.messages.map((m) => m.seq), [1, 3])
  t.equal(polled.last_seq, 3)
  t.match(polled.messages[0], { from: 'sender', to: 'alpha', type: 'chat', payload: { text: String }, seq: 1 })
  t.same((await poll(world, 'alpha', 1)).messages.map((m) => m.seq), [3])
  t.same(await poll(world, 'alpha', 3), { messages: [], last_seq: 3 }, 'nothing new: last_seq is since')
  t.same((await poll(world, 'alpha')).messages.length, 2, 'poll does not delete')
  t.same(await poll(world, 'nobody', 7), { messages: [], last_seq: 7 })
})

t.test('the reply to deliver follows the commit', async (t) => {
  const world = await messagingWorld(t)
  const table = world.storage.table<[string, number], MailboxRecord>('agent_mailbox')
  const replies = await Promise.all([deliver(world, ['a']), deliver(world, ['b']), deliver(world, ['a'])])
  for (const reply of replies) {
    for (const [agent, seq] of Object.entries(reply.seqs)) t.ok(table.get([agent, seq]), `[${agent}, ${seq}] is on disk when acknowledged`)
  }
})

t.test('ack deletes every entry with seq ≤ seq, for that agent only', async (t) => {
  const world = await messagingWorld(t)
  for (let i = 0; i < 5; i++) await deliver(world, ['alpha', 'beta'])
  // alpha: 1,3,5,7,9  beta: 2,4,6,8,10
  t.same(await mailboxOf(world).call({ type: 'ack', agent_id: 'alpha', seq: 6 }), { acked: 3 })
  t.same((await poll(world, 'alpha')).messages.map((m) => m.seq), [7, 9])
  t.same((await poll(world, 'beta')).messages.map((m) => m.seq), [2, 4, 6, 8, 10], 'other agents untouched')
  t.same(await mailboxOf(world).call({ type: 'ack', agent_id: 'alpha', seq: 6 }), { acked: 0 }, 'idempotent')
  const table = world.storage.table<[string, number], MailboxRecord>('agent_mailbox')
  t.notOk(table.get(['alpha', 5]), 'removed from LMDB when acknowledged')
})

t.test('cap: 100 entries per agent, oldest dropped on insert', async (t) => {
  const world = await messagingWorld(t)
  await Promise.all(Array.from({ length: 130 }, () => deliver(world, ['alpha'])))
  await deliver(world, ['beta'])
  const polled = await poll(world, 'alpha')
  t.equal(polled.messages.length, 100)
  t.equal(polled.messages[0]!.seq, 31, 'the 30 oldest were dropped')
  t.equal(polled.messages[99]!.seq, 130)
  t.equal(await mailboxOf(world).call({ type: 'count', agent_id: 'alpha' }), 100)
  const onDisk = [...world.storage.table<[string, number], unknown>('agent_mailbox').keys({ start: ['alpha'], end: ['alpha', Infinity] })]
  t.equal(onDisk.length, 100, 'the cap holds on disk too')
})

t.test('seq never goes backwards across restarts, even when the mailbox was emptied', async (t) => {
  const first = await messagingWorld(t)
  for (let i = 0; i < 4; i++) await deliver(first, ['alpha'])
  await mailboxOf(first).call({ type: 'ack', agent_id: 'alpha', seq: 4 })
  t.same((await poll(first, 'alpha')).messages, [], 'mailbox empty before the restart')
  t.equal(first.storage.table<[0, 'last_seq'], number>('agent_mailbox').get(MAILBOX_SEQ_KEY), 4, 'the counter is persisted')
  await first.stop()

  const second = await messagingWorld(t, { dataDir: first.dataDir })
  t.equal(await mailboxOf(second).call({ type: 'last_seq' }), 4)
  const next = await deliver(second, ['alpha'])
  t.same(next.seqs, { alpha: 5 }, 'continues after the last seq handed out (the original restarted at 1)')
  const polled = await poll(second, 'alpha', 4)
  t.same(polled.messages.map((m) => m.seq), [5], 'a client cursor from before the restart still sees the new entry')
  await second.stop()

  const third = await messagingWorld(t, { dataDir: first.dataDir })
  t.same((await poll(third, 'alpha')).messages.map((m) => m.seq), [5], 'entries survive restarts')
  t.same((await deliver(third, ['beta'])).seqs, { beta: 6 })
})

t.test('TTL eviction: hourly on the clock and on demand, with mailbox_ttl_ms from config', async (t) => {
  const world = await messagingWorld(t)
  const config = world.system.byName<ConfigCall>(ACTOR.config)
  await deliver(world, ['alpha']) // stored at t0
  await world.clock.advance(3 * DAY)
  await deliver(world, ['alpha']) // stored at t0 + 3 d
  await world.clock.advance(4 * DAY + HOUR) // t0 + 7 d + 1 h: the hourly sweep removed the first
  t.same((await poll(world, 'alpha')).messages.map((m) => m.seq), [2], 'the 7-day default TTL evicted the older entry')

  await config.call({ type: 'set', key: 'mailbox_ttl_ms', value: 2 * DAY })
  t.same(await mailboxOf(world).call({ type: 'evict_expired' }), { evicted: 1 }, 'on demand, with the new TTL')
  t.same((await poll(world, 'alpha')).messages, [])

  await deliver(world, ['alpha'])
  await world.clock.advance(HOUR)
  t.same((await poll(world, 'alpha')).messages.map((m) => m.seq), [3], 'fresh entries stay')
})

t.test('MailboxIndex (pure)', async (t) => {
  const index = new MailboxIndex(3)
  t.same(index.add('a', 1, 10), [])
  t.same(index.add('a', 2, 20), [])
  t.same(index.add('b', 3, 30), [])
  t.same(index.add('a', 4, 40), [])
  t.same(index.add('a', 5, 50), [1], 'over the cap: the oldest seq goes')
  t.equal(index.count('a'), 3)
  t.same(index.ackUpTo('a', 4), [2, 4])
  t.same(index.evictStoredBefore(35), [{ agentId: 'b', seq: 3 }])
  t.equal(index.total, 1)
  const restored = new MailboxIndex(2)
  restored.restore('a', 9, 1)
  restored.restore('a', 7, 1)
  restored.restore('a', 8, 1)
  t.same(restored.finishRestore(), [{ agentId: 'a', seq: 7 }], 'restore sorts and applies a smaller cap')
  t.same(restored.ackUpTo('a', 8), [8])
})
