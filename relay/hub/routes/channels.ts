// HTTP channels (protocol.md §4.5). `channel` in replies is the name as sent, as the original;
// the channels actor normalises it. Subscribing over HTTP attaches live delivery to the agent's
// open socket at once (the channels actor tells the session), which the original did not.
import type { RouteModule } from '../http/route-module'
import { authorize, type Principal } from '../http/auth-guard'
import { checkHttpRate } from '../http/request-guards'
import { json } from '../transport/http-reply'
import { ACTOR } from '../../../actors/names'
import { publishToChannel } from '../../../actors/message-history'
import {
  CHANNEL_HISTORY_CAP,
  CHANNEL_HISTORY_DEFAULT_LIMIT,
  type ChannelsCall,
  type CreateReply,
  type HistoryReply,
  type InfoReply,
  type ListReply,
  type SubscribeReply,
  type UnsubscribeReply,
} from '../../../actors/channels'
import { parseIntegerQuery, validateHttpBody, validationFailedBody } from '../../protocol'

const CHANNEL_NOT_FOUND = Object.freeze({ error: 'channel_not_found' })

export const channelRoutes: RouteModule = (router, hub) => {
  const channels = hub.system.byName<ChannelsCall>(ACTOR.channels)

  router.get('/api/channels', async (req) => {
    await checkHttpRate(hub, 'get_channels', req, { agentId: null })
    const list = await channels.call<ListReply>({ type: 'list' })
    return json(200, { channels: list })
  })

  router.post('/api/channels', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
    if (!auth.ok) return auth.reply
    await checkHttpRate(hub, 'post_channel', req, caller(auth.principal))
    const body = validateHttpBody('post_channel', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    const { name, description } = body.body
    const created = await channels.call<CreateReply>({ type: 'create', name, description: description ?? '', created_by: auth.principal.agent_id })
    if (created.ok) return json(201, { status: 'created', channel: name })
    if (created.error === 'channel_exists') return json(409, { error: 'channel_exists' })
    return json(
      422,
      validationFailedBody([{ field: 'name', error: 'invalid_value', detail: 'channel name has no characters left after normalisation (a-z, 0-9, - and _)', value: name }]),
    )
  })

  router.get('/api/channels/:channel', async (req) => {
    await checkHttpRate(hub, 'get_channel_info', req, { agentId: null })
    const info = await channels.call<InfoReply>({ type: 'info', channel: req.params.channel })
    return info ? json(200, info) : json(404, CHANNEL_NOT_FOUND)
  })

  router.post('/api/channels/:channel/subscribe', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
    if (!auth.ok) return auth.reply
    await checkHttpRate(hub, 'post_channel_subscribe', req, caller(auth.principal))
    const result = await channels.call<SubscribeReply>({ type: 'subscribe', channel: req.params.channel, agent_id: auth.principal.agent_id })
    if (!result.ok) return json(404, CHANNEL_NOT_FOUND)
    return result.already ? json(200, { status: 'already_subscribed' }) : json(200, { status: 'subscribed', channel: req.params.channel })
  })

  router.post('/api/channels/:channel/unsubscribe', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
    if (!auth.ok) return auth.reply
    await checkHttpRate(hub, 'post_channel_unsubscribe', req, caller(auth.principal))
    const result = await channels.call<UnsubscribeReply>({ type: 'unsubscribe', channel: req.params.channel, agent_id: auth.principal.agent_id })
    return result.ok ? json(200, { status: 'unsubscribed', channel: req.params.channel }) : json(404, CHANNEL_NOT_FOUND)
  })

  router.post('/api/channels/:channel/publish', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
    if (!auth.ok) return auth.reply
    await checkHttpRate(hub, 'post_channel_publish', req, caller(auth.principal))
    const body = validateHttpBody('post_channel_publish', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    const { payload, type, reply_to } = body.body
    const published = await publishToChannel(hub.system, req.params.channel, { from: auth.principal.agent_id, type, payload, reply_to })
    return published.ok ? json(200, { status: 'published', seq: published.seq }) : json(404, CHANNEL_NOT_FOUND)
  })

  router.get('/api/channels/:channel/history', async (req) => {
    const limit = parseIntegerQuery(req.query.get('limit'), 'limit', { default: CHANNEL_HISTORY_DEFAULT_LIMIT, min: 0, max: CHANNEL_HISTORY_CAP, clampToMax: true })
    if (!limit.ok) return json(limit.status, limit.response)
    const since = parseIntegerQuery(req.query.get('since'), 'since', { default: 0 })
    if (!since.ok) return json(since.status, since.response)
    const messages = await channels.call<HistoryReply>({ type: 'history', channel: req.params.channel, limit: limit.value, since: since.value })
    return json(200, { channel: req.params.channel, messages, count: messages.length })
  })
}

/** Authenticated routes key the rate bucket by agent (checked after auth). */
function caller(principal: Principal) {
  return { agentId: principal.agent_id, role: principal.role }
}
