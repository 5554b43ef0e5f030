export { ChannelsActor, CHANNELS_TABLE, CHANNEL_HISTORY_TABLE, type ChannelsArgs } from './actor'
export { normalizeChannelName } from './channel-name'
export { CHANNEL_HISTORY_CAP, CHANNEL_HISTORY_DEFAULT_LIMIT, channelInfo, channelSummary, lastEntries, type ChannelInfo, type ChannelRecord } from './channel-record'
export type * from './messages'
