// Message routing (protocol.md §3), shared by the WS handlers and the HTTP routes. Every routed
// message feeds history (direct and broadcast), threads and analytics — the original left the
// last two unfed. Resolves once every durable part committed, so the caller's ack
// (`message_sent`, 200) follows the writes.
import type { ActorSystem } from '../runtime'
import { messagePush, type StoredMessage } from '../../relay/protocol'
import { ACTOR, sessionName, TOPIC } from '../names'
import type { AnalyticsCast } from '../analytics/messages'
import type { ChannelsCall, PublishReply } from '../channels/messages'
import type { DeliverReply, MailboxCall } from '../mailbox/messages'
import type { ThreadsCall } from '../threads/messages'
import type { MessageHistoryCall } from './messages'
import { buildMessage, isBroadcast, type MessageInput } from './message-record'

/** What a broadcast looks like on topic `messages` (sessions push it as a `message` frame). */
export interface BroadcastEvent {
  type: 'message'
  message: StoredMessage
}

export type DirectDelivery = 'pushed' | 'mailboxed'

export interface RouteOutcome {
  message: StoredMessage
  /** direct: how the recipient gets it; broadcast: undefined */
  delivery?: DirectDelivery
  /** agents that got a mailbox copy */
  mailboxed: string[]
}

export type ChannelPublishOutcome =
  | { ok: true; channel: string; seq: number; message: StoredMessage; mailboxed: string[] }
  | { ok: false; error: 'channel_not_found' }

/** Routes a direct or broadcast message (§3.1, §3.2). */
export async function routeMessage(system: ActorSystem, input: MessageInput): Promise<RouteOutcome> {
  const message = buildMessage(input, system.clock.now())
  const outcome = isBroadcast(message.to) ? await routeBroadcast(system, message) : await routeDirect(system, message, message.to!)
  system.byName<never, AnalyticsCast>(ACTOR.analytics).cast({ type: 'record_message', from: message.from, to: message.to })
  return outcome
}

async function routeDirect(system: ActorSystem, message: StoredMessage, to: string): Promise<RouteOutcome> {
  const online = isOnline(system, to)
  await Promise.all([appendHistory(system, message), indexThread(system, message), online ? null : mailbox(system, [to], message)])
  if (online && push(system, to, message)) return { message, delivery: 'pushed', mailboxed: [] }
  if (online) await mailbox(system, [to], message) // the session ended meanwhile
  return { message, delivery: 'mailboxed', mailboxed: [to] }
}

async function routeBroadcast(system: ActorSystem, message: StoredMessage): Promise<RouteOutcome> {
  const holders = await tokenHolders(system)
  const offline = holders.filter((agentId) => agentId !== message.from && !isOnline(system, agentId))
  await Promise.all([appendHistory(system, message), indexThread(system, message), offline.length > 0 ? mailbox(system, offline, message) : null])
  const event: BroadcastEvent = { type: 'message', message }
  system.bus.publish(TOPIC.messages, event)
  return { message, mailboxed: offline }
}

/** Channel publish (§3.3): channel history, a mailbox copy for every other member, live push. */
export async function publishToChannel(
  system: ActorSystem,
  channel: string,
  input: Omit<MessageInput, 'to'>,
): Promise<ChannelPublishOutcome> {
  const message = buildMessage({ ...input, to: null }, system.clock.now())
  const published = await system.byName<ChannelsCall>(ACTOR.channels).call<PublishReply>({ type: 'publish', channel, message })
  if (!published.ok) return published
  const copy: StoredMessage = { ...message, payload: { ...message.payload, channel: published.channel } }
  await Promise.all([published.recipients.length > 0 ? mailbox(system, published.recipients, copy) : null, indexThread(system, message)])
  system.byName<never, AnalyticsCast>(ACTOR.analytics).cast({ type: 'record_message', from: message.from, to: null })
  return { ok: true, channel: published.channel, seq: published.seq, message, mailboxed: published.recipients }
}

/** Online = the agent has a live session (`agent:<id>`), i.e. a delivery socket. */
export function isOnline(system: ActorSystem, agentId: string): boolean {
  return system.whereis(sessionName(agentId))?.isAlive() ?? false
}

function push(system: ActorSystem, agentId: string, message: StoredMessage): boolean {
  const session = system.whereis(sessionName(agentId))
  if (!session?.isAlive()) return false
  session.cast({ type: 'push', frame: messagePush(message) })
  return true
}

/** Distinct agent ids holding at least one token (one mailbox copy per agent, not per token). */
async function tokenHolders(system: ActorSystem): Promise<string[]> {
  const auth = system.byName<{ type: 'list' }>(ACTOR.auth)
  if (!auth.isAlive()) return []
  const rows = await auth.call<Array<{ agent_id: string }>>({ type: 'list' })
  return [...new Set(rows.map((row) => row.agent_id))]
}

function appendHistory(system: ActorSystem, message: StoredMessage): Promise<{ seq: number }> {
  return system.byName<MessageHistoryCall>(ACTOR.messageHistory).call<{ seq: number }>({ type: 'append', message })
}

function indexThread(system: ActorSystem, message: StoredMessage): Promise<unknown> {
  return system.byName<ThreadsCall>(ACTOR.threads).call({ type: 'index', message })
}

function mailbox(system: ActorSystem, agentIds: string[], message: StoredMessage): Promise<DeliverReply> {
  return system.byName<MailboxCall>(ACTOR.mailbox).call<DeliverReply>({ type: 'deliver', agent_ids: agentIds, message })
}
