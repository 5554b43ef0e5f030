// Messaging frames of an identified agent (protocol.md §1.5): message, channel_subscribe,
// channel_unsubscribe, channel_publish, channel_history, list_channels. Replies exactly as §1.5;
// `channel` in replies is the name as sent. Live channel delivery is attached by the channels
// actor (cast `join_channel` to this agent's session) on every successful subscribe, including
// `already_subscribed` (the original attached it on neither HTTP subscribe nor a repeated WS one).
import { ACTOR } from '../../../../actors/names'
import { publishToChannel, routeMessage } from '../../../../actors/message-history'
import {
  CHANNEL_HISTORY_DEFAULT_LIMIT,
  type ChannelsCall,
  type HistoryReply,
  type ListReply,
  type SubscribeReply,
  type UnsubscribeReply,
} from '../../../../actors/channels'
import {
  channelHistoryFrame,
  channelPublishedFrame,
  channelsFrame,
  channelSubscribedFrame,
  channelUnsubscribedFrame,
  errorFrame,
  messageSentFrame,
} from '../../../protocol'
import type { FrameContext, FrameHandlers } from '../frame-context'

const channelsOf = (ctx: FrameContext) => ctx.hub.system.byName<ChannelsCall>(ACTOR.channels)

export const messagingHandlers: FrameHandlers = {
  message: async (ctx, message) => {
    const routed = await routeMessage(ctx.hub.system, {
      from: ctx.agentId,
      to: message.to,
      type: message.message_type,
      payload: message.payload,
      reply_to: message.reply_to,
    })
    return messageSentFrame(routed.message.id)
  },

  channel_subscribe: async (ctx, message) => {
    const result = await channelsOf(ctx).call<SubscribeReply>({ type: 'subscribe', channel: message.channel, agent_id: ctx.agentId })
    return result.ok ? channelSubscribedFrame(message.channel, result.already) : errorFrame('channel_not_found')
  },

  channel_unsubscribe: async (ctx, message) => {
    const result = await channelsOf(ctx).call<UnsubscribeReply>({ type: 'unsubscribe', channel: message.channel, agent_id: ctx.agentId })
    return result.ok ? channelUnsubscribedFrame(message.channel) : errorFrame('channel_not_found')
  },

  channel_publish: async (ctx, message) => {
    const published = await publishToChannel(ctx.hub.system, message.channel, {
      from: ctx.agentId,
      type: message.message_type,
      payload: message.payload,
      reply_to: message.reply_to,
    })
    return published.ok ? channelPublishedFrame(message.channel, published.seq, published.message.id) : errorFrame('channel_not_found')
  },

  /** Unknown channel → empty list, no error (as the original). */
  channel_history: async (ctx, message) => {
    const entries = await channelsOf(ctx).call<HistoryReply>({
      type: 'history',
      channel: message.channel,
      limit: message.limit ?? CHANNEL_HISTORY_DEFAULT_LIMIT,
      since: message.since ?? 0,
    })
    return channelHistoryFrame(message.channel, entries)
  },

  list_channels: async (ctx) => channelsFrame(await channelsOf(ctx).call<ListReply>({ type: 'list' })),
}
