import t from 'tap'
import { ACTOR } from '../../actors/names'
import { buildMessage, HISTORY_CAP, runQuery, type HistoryPage, type HistoryQuery, type HistoryRecord, type MessageHistoryCall } from '../../actors/message-history'
import type { StoredMessage } from '../../relay/protocol'
import { messagingWorld, type MessagingWorld } from './harness'

function historyOf(world: MessagingWorld) {
  return world.system.byName<MessageHistoryCall>(ACTOR.messageHistory)
}

function message(from: string, to: string | null, timestamp: number, payload: Record<string, unknown> = {}): StoredMessage {
  return buildMessage({ from, to, payload }, timestamp)
}

async function append(world: MessagingWorld, msg: StoredMessage): Promise<number> {
  return (await historyOf(world).call<{ seq: number }>({ type: 'append', message: msg })).seq
}

async function query(world: MessagingWorld, q: HistoryQuery): Promise<HistoryPage> {
  return historyOf(world).call<HistoryPage>({ type: 'query', query: q })
}

t.test('filters: from, to, channel (payload.channel), start_time/end_time inclusive', async (t) => {
  const world = await messagingWorld(t)
  await append(world, message('alpha', 'beta', 1000))
  await append(world, message('beta', 'alpha', 2000))
  await append(world, message('alpha', null, 3000, { channel: 'dev' }))
  await append(world, message('gamma', 'broadcast', 4000))
  await append(world, message('alpha', 'gamma', 5000))
  const seqs = async (q: HistoryQuery) => (await query(world, q)).messages.map((m) => m.seq)
  t.same(await seqs({}), [1, 2, 3, 4, 5])
  t.same(await seqs({ from: 'alpha' }), [1, 3, 5])
  t.same(await seqs({ to: 'alpha' }), [2])
  t.same(await seqs({ to: 'broadcast' }), [4])
  t.same(await seqs({ channel: 'dev' }), [3])
  t.same(await seqs({ start_time: 2000, end_time: 4000 }), [2, 3, 4], 'both bounds inclusive')
  t.same(await seqs({ from: 'alpha', start_time: 3000 }), [3, 5])
  const page = await query(world, { from: 'alpha', limit: 1 })
  t.match(page.messages[0], { id: String, from: 'alpha', to: 'beta', type: 'chat', payload: {}, reply_to: null, timestamp: 1000, seq: 1 })
})

t.test('cursor: exclusive; reply cursor = last returned seq, or the input cursor when nothing matched', async (t) => {
  const world = await messagingWorld(t)
  for (let i = 1; i <= 7; i++) await append(world, message(i % 2 ? 'odd' : 'even', 'x', i))
  const first = await query(world, { from: 'odd', limit: 2 })
  t.same(first.messages.map((m) => m.seq), [1, 3])
  t.equal(first.cursor, 3)
  t.equal(first.count, 2)
  const second = await query(world, { from: 'odd', limit: 2, cursor: first.cursor })
  t.same(second.messages.map((m) => m.seq), [5, 7])
  const third = await query(world, { from: 'odd', limit: 2, cursor: second.cursor })
  t.same(third, { messages: [], cursor: 7, count: 0 })
  t.same(await query(world, { from: 'nobody' }), { messages: [], cursor: 0, count: 0 }, 'no cursor given: 0')
})

t.test('limit: default 50, at most 200', async (t) => {
  const world = await messagingWorld(t)
  await Promise.all(Array.from({ length: 250 }, (_, i) => append(world, message('a', 'b', i))))
  t.equal((await query(world, {})).count, 50)
  t.equal((await query(world, { limit: 1000 })).count, 200)
  t.equal((await query(world, { limit: 0 })).count, 0)
})

t.test('cap 10,000: oldest trimmed; seq keeps counting across a restart', async (t) => {
  t.equal(HISTORY_CAP, 10_000)
  const first = await messagingWorld(t)
  const total = HISTORY_CAP + 25
  const seqs = await Promise.all(Array.from({ length: total }, (_, i) => append(first, message('a', 'b', i))))
  t.equal(seqs[total - 1], total)
  const table = first.storage.table<number | string, HistoryRecord | number>('message_history')
  t.equal([...table.keys({ start: 0, end: Infinity })].length, HISTORY_CAP, 'exactly 10,000 on disk')
  t.notOk(table.get(25), 'the oldest 25 were trimmed')
  t.ok(table.get(26))
  t.same(await historyOf(first).call({ type: 'stats' }), { count: HISTORY_CAP, first_seq: 26, last_seq: total })
  const page = await query(first, { limit: 1 })
  t.equal(page.messages[0]!.seq, 26)
  await first.stop()

  const second = await messagingWorld(t, { dataDir: first.dataDir })
  t.equal(await append(second, message('a', 'b', 0)), total + 1)
  t.same(await historyOf(second).call({ type: 'stats' }), { count: HISTORY_CAP, first_seq: 27, last_seq: total + 1 })
})

t.test('runQuery (pure) stops at the limit and skips seqs at or below the cursor', async (t) => {
  const records: HistoryRecord[] = [1, 2, 3, 4].map((seq) => ({ seq, message: message('a', 'b', seq), stored_at: seq }))
  t.same(runQuery(records, { cursor: 2 }).messages.map((m) => m.seq), [3, 4])
  t.same(runQuery(records, { limit: 1, cursor: 1 }).cursor, 2)
})
