// The `channels` actor's contract (actors/names.ts ACTOR.channels; relay/hub/CONTRACTS.md
// "Messaging ↔ sessions"). `channel` in a call may be given as sent (`#Dev`): the actor
// normalises it. Replies to changes are sent after the change committed.
import type { ChannelSummary, HistoryEntry, StoredMessage } from '../../relay/protocol'
import type { ChannelInfo } from './channel-record'

export type ChannelsCall =
  | { type: 'create'; name: string; description?: string | null; created_by: string }
  | { type: 'info'; channel: string }
  | { type: 'list' }
  | { type: 'subscribe'; channel: string; agent_id: string }
  | { type: 'unsubscribe'; channel: string; agent_id: string }
  | { type: 'publish'; channel: string; message: StoredMessage }
  | { type: 'history'; channel: string; limit?: number; since?: number }
  | { type: 'memberships'; agent_id: string }

export type CreateReply = { ok: true; channel: string } | { ok: false; error: 'channel_exists' | 'invalid_channel_name' }
export type InfoReply = ChannelInfo | null
export type ListReply = ChannelSummary[]
export type SubscribeReply = { ok: true; channel: string; already: boolean } | { ok: false; error: 'channel_not_found' }
export type UnsubscribeReply = { ok: true; channel: string; was_member: boolean } | { ok: false; error: 'channel_not_found' }
/** `recipients`: members other than the sender (the router mailboxes a copy to each). */
export type PublishReply = { ok: true; channel: string; seq: number; recipients: string[] } | { ok: false; error: 'channel_not_found' }
export type HistoryReply = HistoryEntry[]
export type MembershipsReply = string[]

/** Events on topic `channel:<normalised name>`. */
export type ChannelEvent =
  | { type: 'channel_message'; channel: string; message: StoredMessage }
  | { type: 'channel_agent_joined'; channel: string; agent_id: string }

/** Casts to the session `agent:<id>`, so live delivery follows membership at once. */
export type SessionChannelCast = { type: 'join_channel'; channel: string } | { type: 'leave_channel'; channel: string }
