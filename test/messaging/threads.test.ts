import t from 'tap'
import { ACTOR } from '../../actors/names'
import { collectThread, directReplies, findRoot, type ThreadsCall, type ThreadView } from '../../actors/threads'
import { buildMessage } from '../../actors/message-history'
import type { StoredMessage } from '../../relay/protocol'
import { messagingWorld, type MessagingWorld } from './harness'

function msg(id: string, replyTo: string | null, timestamp: number): StoredMessage {
  return buildMessage({ from: 'a', to: 'b', payload: { id }, reply_to: replyTo }, timestamp, id)
}

function lookups(messages: StoredMessage[]) {
  const byId = new Map(messages.map((m) => [m.id, m]))
  const children = new Map<string, string[]>()
  for (const m of messages) if (m.reply_to) children.set(m.reply_to, [...(children.get(m.reply_to) ?? []), m.id])
  return { lookup: (id: string) => byId.get(id), children: (id: string) => children.get(id) ?? [] }
}

t.test('findRoot / collectThread on a tree', async (t) => {
  const { lookup, children } = lookups([msg('r', null, 1), msg('a', 'r', 2), msg('b', 'r', 3), msg('c', 'a', 4)])
  t.equal(findRoot('c', lookup), 'r')
  t.equal(findRoot('r', lookup), 'r')
  t.equal(findRoot('unknown', lookup), 'unknown', 'an unknown id is its own root')
  t.same(collectThread('r', lookup, children).map((m) => m.id), ['r', 'a', 'b', 'c'])
  t.same(directReplies('r', lookup, children).map((m) => m.id), ['a', 'b'])
  const orphan = lookups([msg('x', 'missing', 5), msg('y', 'x', 6)])
  t.equal(findRoot('y', orphan.lookup), 'missing', 'a reply_to naming an unindexed message: that id is the root (as the original)')
  t.same(collectThread('missing', orphan.lookup, orphan.children).map((m) => m.id), ['x', 'y'])
})

t.test('circular reply_to chains terminate (the original looped forever)', async (t) => {
  const cycle = lookups([msg('p', 'q', 20), msg('q', 'r', 10), msg('r', 'p', 30), msg('s', 'q', 40)])
  t.equal(findRoot('p', cycle.lookup), 'q', 'the oldest member of the cycle')
  t.equal(findRoot('r', cycle.lookup), 'q', 'the same root from every member')
  t.equal(findRoot('s', cycle.lookup), 'q')
  t.same(collectThread('q', cycle.lookup, cycle.children).map((m) => m.id), ['q', 'p', 'r', 's'])
  const self = lookups([msg('me', 'me', 1)])
  t.equal(findRoot('me', self.lookup), 'me')
  t.same(collectThread('me', self.lookup, self.children).map((m) => m.id), ['me'])
})

t.test('the threads actor indexes messages and answers thread / replies / root, also across a restart', async (t) => {
  const first = await messagingWorld(t)
  const threads = (world: MessagingWorld) => world.system.byName<ThreadsCall>(ACTOR.threads)
  // indexed concurrently: the replies list of `root` must keep every child (no lost update)
  await Promise.all([msg('root', null, 1), msg('c1', 'root', 2), msg('c2', 'root', 3), msg('c3', 'root', 4), msg('g1', 'c2', 5)].map((message) => threads(first).call({ type: 'index', message })))
  t.same(first.storage.table<string, string[]>('thread_replies').get('root'), ['c1', 'c2', 'c3'], 'on disk when acknowledged')
  const view = await threads(first).call<ThreadView>({ type: 'thread', message_id: 'g1' })
  t.equal(view.root, 'root')
  t.same(view.messages.map((m) => m.id), ['root', 'c1', 'c2', 'c3', 'g1'])
  t.equal(view.count, 5)
  await first.stop()

  const second = await messagingWorld(t, { dataDir: first.dataDir })
  t.same((await threads(second).call<StoredMessage[]>({ type: 'replies', message_id: 'root' })).map((m) => m.id), ['c1', 'c2', 'c3'])
  t.equal(await threads(second).call({ type: 'root', message_id: 'g1' }), 'root')
  t.same(await threads(second).call({ type: 'thread', message_id: 'nothing' }), { root: 'nothing', messages: [], count: 0 })
  await threads(second).call({ type: 'index', message: msg('loop-a', 'loop-b', 1) })
  await threads(second).call({ type: 'index', message: msg('loop-b', 'loop-a', 2) })
  const loop = await threads(second).call<ThreadView>({ type: 'thread', message_id: 'loop-b' })
  t.same([loop.root, loop.messages.map((m) => m.id)], ['loop-a', ['loop-a', 'loop-b']], 'a cycle in the index answers, once each')
})
