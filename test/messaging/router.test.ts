// Routing (protocol.md §3) over the real messaging tree, the real auth actor and recording
// sessions: who gets a push, who gets a mailbox copy, and that history, threads and analytics
// are fed by every routed message.
import t, { type Test } from 'tap'
import { ACTOR, TOPIC, channelTopic } from '../../actors/names'
import { AuthActor } from '../../actors/auth'
import { publishToChannel, routeMessage, type HistoryPage, type MessageHistoryCall } from '../../actors/message-history'
import type { MailboxCall, MailboxPoll } from '../../actors/mailbox'
import type { ThreadsCall, ThreadView } from '../../actors/threads'
import type { AgentStats, AnalyticsCall } from '../../actors/analytics'
import type { ChannelsCall } from '../../actors/channels'
import { messagingWorld, settle, type MessagingWorld } from './harness'

async function world(t: Test): Promise<MessagingWorld> {
  const w = await messagingWorld(t)
  await w.system.spawn(AuthActor, { storage: w.storage }, { name: ACTOR.auth })
  return w
}

async function token(w: MessagingWorld, agentId: string): Promise<void> {
  await w.system.byName(ACTOR.auth).call({ type: 'create', agent_id: agentId })
}

const poll = (w: MessagingWorld, agentId: string) => w.system.byName<MailboxCall>(ACTOR.mailbox).call<MailboxPoll>({ type: 'poll', agent_id: agentId, since: 0 })
const history = (w: MessagingWorld) => w.system.byName<MessageHistoryCall>(ACTOR.messageHistory).call<HistoryPage>({ type: 'query', query: {} })

t.test('direct to an online agent: pushed as a `message` frame, in history, not mailboxed', async (t) => {
  const w = await world(t)
  const beta = await w.online('beta')
  const routed = await routeMessage(w.system, { from: 'alpha', to: 'beta', type: 'request', payload: { q: 1 }, reply_to: null })
  t.equal(routed.delivery, 'pushed')
  t.match(routed.message.id, /^[0-9a-f]{16}$/)
  await settle(w)
  t.same(beta.log, [
    { type: 'push', frame: { type: 'message', id: routed.message.id, from: 'alpha', message_type: 'request', payload: { q: 1 }, reply_to: null, timestamp: w.clock.now() } },
  ])
  t.same((await poll(w, 'beta')).messages, [])
  t.same((await history(w)).messages.map((m) => [m.id, m.to]), [[routed.message.id, 'beta']])
})

t.test('direct to an offline agent: mailboxed; type defaults to chat', async (t) => {
  const w = await world(t)
  const routed = await routeMessage(w.system, { from: 'alpha', to: 'beta', payload: { hi: true } })
  t.same([routed.delivery, routed.mailboxed], ['mailboxed', ['beta']])
  const polled = await poll(w, 'beta')
  t.match(polled.messages, [{ id: routed.message.id, from: 'alpha', to: 'beta', type: 'chat', payload: { hi: true }, seq: 1 }])
})

t.test('broadcast: published on `messages`, mailboxed once per offline token holder (not per token), never to the sender', async (t) => {
  const w = await world(t)
  for (const agent of ['alpha', 'beta', 'beta', 'beta', 'gamma', 'delta']) await token(w, agent) // beta holds three tokens
  await w.online('gamma')
  const events: unknown[] = []
  w.system.bus.subscribe(TOPIC.messages, (event) => events.push(event))
  const routed = await routeMessage(w.system, { from: 'alpha', to: 'broadcast', payload: { all: 1 } })
  t.same([...routed.mailboxed].sort(), ['beta', 'delta'], 'offline holders only: not the sender (alpha), not the online gamma')
  t.equal((await poll(w, 'beta')).messages.length, 1, 'one copy for an agent with three tokens')
  t.equal((await poll(w, 'alpha')).messages.length, 0)
  t.same(events, [{ type: 'message', message: routed.message }])
  t.equal(routed.message.to, 'broadcast')
  const implicit = await routeMessage(w.system, { from: 'alpha', payload: {} })
  t.equal(implicit.message.to, null, 'absent `to` is a broadcast too')
  t.equal(events.length, 2)
})

t.test('channel publish: mailbox copy with payload.channel to every other member (online or not), live event, not in global history', async (t) => {
  const w = await world(t)
  const channels = w.system.byName<ChannelsCall>(ACTOR.channels)
  await channels.call({ type: 'create', name: 'dev', created_by: 'alpha' })
  for (const agent of ['alpha', 'beta', 'gamma']) await channels.call({ type: 'subscribe', channel: 'dev', agent_id: agent })
  await w.online('gamma')
  const live: unknown[] = []
  w.system.bus.subscribe(channelTopic('dev'), (event) => live.push(event))
  const published = await publishToChannel(w.system, '#Dev', { from: 'alpha', payload: { text: 'hi' } })
  t.match(published, { ok: true, channel: 'dev', seq: 1 })
  if (!published.ok) return
  for (const member of ['beta', 'gamma']) {
    t.match((await poll(w, member)).messages, [{ id: published.message.id, from: 'alpha', to: null, payload: { text: 'hi', channel: 'dev' } }], `${member} mailboxed`)
  }
  t.same((await poll(w, 'alpha')).messages, [], 'not the sender')
  t.same(live, [{ type: 'channel_message', channel: 'dev', message: published.message }])
  t.same(published.message.payload, { text: 'hi' }, 'the live/history copy has no channel key')
  t.same((await history(w)).messages, [], 'channel messages stay out of global history')
  t.same(await publishToChannel(w.system, 'ghost', { from: 'alpha', payload: {} }), { ok: false, error: 'channel_not_found' })
})

t.test('threads and analytics are fed by routed traffic (direct, broadcast, channel)', async (t) => {
  const w = await world(t)
  await w.system.byName<ChannelsCall>(ACTOR.channels).call({ type: 'create', name: 'dev', created_by: 'alpha' })
  const question = await routeMessage(w.system, { from: 'alpha', to: 'beta', payload: { q: 'why?' } })
  const answer = await routeMessage(w.system, { from: 'beta', to: 'alpha', payload: { a: 'because' }, reply_to: question.message.id })
  const followUp = await routeMessage(w.system, { from: 'gamma', payload: { note: 'fyi' }, reply_to: answer.message.id })
  const onChannel = await publishToChannel(w.system, 'dev', { from: 'alpha', payload: {}, reply_to: question.message.id })
  t.ok(onChannel.ok)
  const thread = await w.system.byName<ThreadsCall>(ACTOR.threads).call<ThreadView>({ type: 'thread', message_id: followUp.message.id })
  t.equal(thread.root, question.message.id)
  t.equal(thread.count, 4)
  await settle(w)
  const stats = await w.system.byName<AnalyticsCall>(ACTOR.analytics).call<AgentStats[]>({ type: 'agents' })
  const of = (id: string) => stats.find((s) => s.agent_id === id)!
  t.match(of('alpha'), { messages_sent_24h: 2, messages_received_24h: 1 })
  t.match(of('beta'), { messages_sent_24h: 1, messages_received_24h: 1 })
  t.match(of('gamma'), { messages_sent_24h: 1, messages_received_24h: 0 })
})

t.test('a message to a session that just ended is mailboxed instead of lost', async (t) => {
  const w = await world(t)
  const beta = await w.online('beta')
  await w.system.stop(beta.ref)
  const routed = await routeMessage(w.system, { from: 'alpha', to: 'beta', payload: {} })
  t.equal(routed.delivery, 'mailboxed')
  t.equal((await poll(w, 'beta')).messages.length, 1)
})
