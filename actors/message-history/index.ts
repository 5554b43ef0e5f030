export { MessageHistoryActor, HISTORY_TABLE, HISTORY_SEQ_KEY, type MessageHistoryArgs } from './actor'
export {
  HISTORY_CAP,
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  matchesQuery,
  runQuery,
  effectiveLimit,
  type HistoryQuery,
  type HistoryRecord,
  type HistoryMessage,
  type HistoryPage,
} from './history-query'
export { buildMessage, newMessageId, isBroadcast, type MessageInput } from './message-record'
export { routeMessage, publishToChannel, isOnline, type RouteOutcome, type ChannelPublishOutcome, type BroadcastEvent, type DirectDelivery } from './message-router'
export type { MessageHistoryCall } from './messages'
