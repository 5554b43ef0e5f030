// HTTP messaging, mailbox, history and threads (protocol.md §4.4). Auth: B = Bearer only,
// T = Bearer or ?token=. Mailbox routes also require the token to be `:agent_id`'s own (an
// admin token may read and ack any mailbox).
import type { RouteModule } from '../http/route-module'
import { authorize, type Principal } from '../http/auth-guard'
import { checkHttpRate } from '../http/request-guards'
import { json } from '../transport/http-reply'
import type { HttpReply } from '../transport/types'
import { ACTOR } from '../../../actors/names'
import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  routeMessage,
  type HistoryPage,
  type HistoryQuery,
  type MessageHistoryCall,
} from '../../../actors/message-history'
import type { MailboxCall, MailboxPoll } from '../../../actors/mailbox'
import type { ThreadsCall, ThreadView } from '../../../actors/threads'
import type { StoredMessage } from '../../protocol'
import { parseIntegerQuery, parseOptionalIntegerQuery, UNAUTHORIZED, validateHttpBody } from '../../protocol'
import type { HubContext } from '../hub-context'

export const messagingRoutes: RouteModule = (router, hub) => {
  const mailbox = hub.system.byName<MailboxCall>(ACTOR.mailbox)
  const history = hub.system.byName<MessageHistoryCall>(ACTOR.messageHistory)
  const threads = hub.system.byName<ThreadsCall>(ACTOR.threads)

  router.post('/api/message', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
    if (!auth.ok) return auth.reply
    await checkHttpRate(hub, 'post_message', req, { agentId: auth.principal.agent_id, role: auth.principal.role })
    const body = validateHttpBody('post_message', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    const { to, type, payload, reply_to } = body.body
    // the sender is always the token's agent; a `from` in the body is ignored
    const routed = await routeMessage(hub.system, { from: auth.principal.agent_id, to, type, payload, reply_to })
    return json(200, { status: 'sent', id: routed.message.id })
  })

  router.post('/api/mailbox/evict', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
    if (!auth.ok) return auth.reply
    await mailbox.call({ type: 'evict_expired' })
    return json(200, { status: 'eviction_triggered' })
  })

  router.get('/api/mailbox/:agent_id', async (req) => {
    const owner = await mailboxOwner(hub, req, req.params.agent_id)
    if (!owner.ok) return owner.reply
    await checkHttpRate(hub, 'get_mailbox', req, { agentId: owner.principal.agent_id, role: owner.principal.role })
    const since = parseIntegerQuery(req.query.get('since'), 'since', { default: 0 })
    if (!since.ok) return json(since.status, since.response)
    const agentId = req.params.agent_id
    const polled = await mailbox.call<MailboxPoll>({ type: 'poll', agent_id: agentId, since: since.value })
    return json(200, { agent_id: agentId, messages: polled.messages, last_seq: polled.last_seq, count: polled.messages.length })
  })

  router.post('/api/mailbox/:agent_id/ack', async (req) => {
    const owner = await mailboxOwner(hub, req, req.params.agent_id)
    if (!owner.ok) return owner.reply
    await checkHttpRate(hub, 'post_mailbox_ack', req, { agentId: owner.principal.agent_id, role: owner.principal.role })
    const body = validateHttpBody('post_mailbox_ack', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    await mailbox.call({ type: 'ack', agent_id: req.params.agent_id, seq: body.body.seq })
    return json(200, { status: 'acked', up_to: body.body.seq })
  })

  router.get('/api/messages', async (req) => {
    const auth = await authorize(hub, req, { style: 'token', role: 'agent' })
    if (!auth.ok) return auth.reply
    await checkHttpRate(hub, 'get_messages', req, { agentId: auth.principal.agent_id, role: auth.principal.role })
    const query = historyQuery(req.query)
    if (!query.ok) return query.reply
    const page = await history.call<HistoryPage>({ type: 'query', query: query.query })
    return json(200, { messages: page.messages, cursor: page.cursor, count: page.count })
  })

  router.get('/api/threads/:message_id', async (req) => {
    const auth = await authorize(hub, req, { style: 'token', role: 'agent' })
    if (!auth.ok) return auth.reply
    const thread = await threads.call<ThreadView>({ type: 'thread', message_id: req.params.message_id })
    return json(200, { root: thread.root, messages: thread.messages, count: thread.count })
  })

  router.get('/api/threads/:message_id/replies', async (req) => {
    const auth = await authorize(hub, req, { style: 'token', role: 'agent' })
    if (!auth.ok) return auth.reply
    const replies = await threads.call<StoredMessage[]>({ type: 'replies', message_id: req.params.message_id })
    return json(200, { parent: req.params.message_id, replies, count: replies.length })
  })

  router.get('/api/threads/:message_id/root', async (req) => {
    const auth = await authorize(hub, req, { style: 'token', role: 'agent' })
    if (!auth.ok) return auth.reply
    const root = await threads.call<string>({ type: 'root', message_id: req.params.message_id })
    return json(200, { message_id: req.params.message_id, root })
  })
}

type Outcome = { ok: true; principal: Principal } | { ok: false; reply: HttpReply }

/** Auth T, and the token must be the mailbox owner's (or an admin's); otherwise 401 as the original. */
async function mailboxOwner(hub: HubContext, req: Parameters<typeof authorize>[1], agentId: string): Promise<Outcome> {
  const auth = await authorize(hub, req, { style: 'token', role: 'agent' })
  if (!auth.ok) return auth
  if (auth.principal.agent_id !== agentId && auth.principal.role !== 'admin') return { ok: false, reply: json(401, UNAUTHORIZED) }
  return auth
}

type QueryOutcome = { ok: true; query: HistoryQuery } | { ok: false; reply: HttpReply }

/** §3.5 filters; integers parsed strictly (422, never 500); limit default 50, capped at 200. */
export function historyQuery(params: URLSearchParams): QueryOutcome {
  const query: HistoryQuery = {}
  for (const key of ['from', 'to', 'channel'] as const) {
    const value = params.get(key)
    if (value !== null && value !== '') query[key] = value
  }
  for (const key of ['start_time', 'end_time', 'cursor'] as const) {
    const parsed = parseOptionalIntegerQuery(params.get(key), key)
    if (!parsed.ok) return { ok: false, reply: json(parsed.status, parsed.response) }
    if (parsed.value !== undefined) query[key] = parsed.value
  }
  const limit = parseIntegerQuery(params.get('limit'), 'limit', { default: HISTORY_DEFAULT_LIMIT, min: 0, max: HISTORY_MAX_LIMIT, clampToMax: true })
  if (!limit.ok) return { ok: false, reply: json(limit.status, limit.response) }
  query.limit = limit.value
  return { ok: true, query }
}
