import t from 'tap'
import { ACTOR } from '../../actors/names'
import { whichChildren } from '../../supervisors'
import type { DeliverReply, MailboxCall, MailboxPoll } from '../../actors/mailbox'
import type { ChannelsCall } from '../../actors/channels'
import { buildMessage } from '../../actors/message-history'
import { messagingWorld } from './harness'

t.test('the messaging tree starts config, mailbox, channels, history, threads, analytics in that order', async (t) => {
  const world = await messagingWorld(t)
  const children = await whichChildren(world.tree)
  t.same(
    children.map((c) => [c.id, c.status]),
    [ACTOR.config, ACTOR.mailbox, ACTOR.channels, ACTOR.messageHistory, ACTOR.threads, ACTOR.analytics].map((id) => [id, 'running']),
  )
})

t.test('a killed actor is restarted alone and rebuilds its state from LMDB', async (t) => {
  const world = await messagingWorld(t)
  const mailbox = world.system.byName<MailboxCall>(ACTOR.mailbox)
  const channels = world.system.byName<ChannelsCall>(ACTOR.channels)
  await channels.call({ type: 'create', name: 'dev', created_by: 'a' })
  const message = buildMessage({ from: 'a', to: 'b', payload: {} }, world.clock.now())
  await mailbox.call({ type: 'deliver', agent_ids: ['b'], message })
  await mailbox.call({ type: 'deliver', agent_ids: ['b'], message })
  const oldMailbox = mailbox.current()!
  const oldChannels = channels.current()!
  world.system.exit(oldMailbox, 'kill')
  for (let i = 0; i < 100 && (mailbox.current() === undefined || mailbox.current()!.id === oldMailbox.id); i++) await world.clock.advance(0)
  t.not(mailbox.current()!.id, oldMailbox.id, 'a new mailbox actor')
  t.equal(channels.current()!.id, oldChannels.id, 'one_for_one: the others keep running')
  t.same((await mailbox.call<MailboxPoll>({ type: 'poll', agent_id: 'b', since: 0 })).messages.map((m) => m.seq), [1, 2])
  t.same((await mailbox.call<DeliverReply>({ type: 'deliver', agent_ids: ['b'], message })).seqs, { b: 3 })
  const restarted = (await whichChildren(world.tree)).find((c) => c.id === ACTOR.mailbox)!
  t.equal(restarted.restarts, 1)
})
