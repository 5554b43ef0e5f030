// Frames an agent sends to the hub on /ws (protocol.md §1.5, hardening.md §2.2, smart-pipeline.md
// §11.1). Every schema requires `type`; unknown extra fields are accepted (the real sidecar adds
// `protocol_version` and `client_type`). Optional fields sent as null are removed before
// validation, so the TS types below never see a null optional field.
import { Type, type Static, type TObject } from '@sinclair/typebox'
import { jsonObject, namedString } from './schema-kit'

const str = namedString

export const IdentifySchema = Type.Object({
  type: Type.Literal('identify'),
  agent_id: str('agent_id'),
  token: str('token'),
  name: Type.Optional(str('name')),
  status: Type.Optional(str('status')),
  capabilities: Type.Optional(Type.Array(Type.String())),
  ollama_url: Type.Optional(str('ollama_url')),
})

export const ChatMessageSchema = Type.Object({
  type: Type.Literal('message'),
  payload: jsonObject(),
  to: Type.Optional(str('to')),
  message_type: Type.Optional(Type.String()),
  reply_to: Type.Optional(str('reply_to')),
})

export const StatusSchema = Type.Object({ type: Type.Literal('status'), status: str('status') })
export const ListAgentsSchema = Type.Object({ type: Type.Literal('list_agents') })
export const PingSchema = Type.Object({ type: Type.Literal('ping') })
export const ChannelSubscribeSchema = Type.Object({ type: Type.Literal('channel_subscribe'), channel: str('channel') })
export const ChannelUnsubscribeSchema = Type.Object({ type: Type.Literal('channel_unsubscribe'), channel: str('channel') })

export const ChannelPublishSchema = Type.Object({
  type: Type.Literal('channel_publish'),
  channel: str('channel'),
  payload: jsonObject(),
  message_type: Type.Optional(Type.String()),
  reply_to: Type.Optional(str('reply_to')),
})

export const ChannelHistorySchema = Type.Object({
  type: Type.Literal('channel_history'),
  channel: str('channel'),
  limit: Type.Optional(Type.Integer()),
  since: Type.Optional(Type.Integer()),
})

export const ListChannelsSchema = Type.Object({ type: Type.Literal('list_channels') })
export const TaskAcceptedSchema = Type.Object({ type: Type.Literal('task_accepted'), task_id: Type.String() })

export const TaskProgressSchema = Type.Object({
  type: Type.Literal('task_progress'),
  task_id: Type.String(),
  progress: Type.Optional(Type.Integer()),
  /** [v1.2] not validated inside; streamed to dashboards */
  execution_event: Type.Optional(jsonObject()),
})

export const TaskCompleteSchema = Type.Object({
  type: Type.Literal('task_complete'),
  task_id: Type.String(),
  generation: Type.Integer(),
  result: Type.Optional(jsonObject()),
  tokens_used: Type.Optional(Type.Integer()),
  verification_report: Type.Optional(jsonObject()),
  verification_history: Type.Optional(Type.Array(jsonObject())),
})

export const TaskFailedSchema = Type.Object({
  type: Type.Literal('task_failed'),
  task_id: Type.String(),
  generation: Type.Integer(),
  error: Type.Optional(str('error')),
  reason: Type.Optional(str('reason')),
})

export const TaskRecoveringSchema = Type.Object({ type: Type.Literal('task_recovering'), task_id: Type.String() })

/** Sent by the real v1.2 sidecar when busy; the original hub had no schema for it (a defect). */
export const TaskRejectedSchema = Type.Object({
  type: Type.Literal('task_rejected'),
  task_id: Type.String(),
  reason: Type.Optional(str('reason')),
})

export const OllamaReportSchema = Type.Object({ type: Type.Literal('ollama_report'), ollama_url: str('ollama_url') })

export const ResourceReportSchema = Type.Object({
  type: Type.Literal('resource_report'),
  cpu_percent: Type.Optional(Type.Number()),
  ram_used_bytes: Type.Optional(Type.Number()),
  ram_total_bytes: Type.Optional(Type.Number()),
  vram_used_bytes: Type.Optional(Type.Number()),
  vram_total_bytes: Type.Optional(Type.Number()),
  timestamp: Type.Optional(Type.Number()),
})

interface WsSchemaEntry {
  schema: TObject
  description: string
}

/** Every inbound /ws type with its schema and its `GET /api/schemas` description. */
export const WS_INBOUND = {
  identify: { schema: IdentifySchema, description: 'First message on WebSocket connection. Authenticates the agent.' },
  message: { schema: ChatMessageSchema, description: 'Send a direct or broadcast message.' },
  status: { schema: StatusSchema, description: 'Update agent status.' },
  list_agents: { schema: ListAgentsSchema, description: 'Request list of connected agents.' },
  ping: { schema: PingSchema, description: 'Heartbeat ping. Server responds with pong.' },
  channel_subscribe: { schema: ChannelSubscribeSchema, description: 'Subscribe to a channel.' },
  channel_unsubscribe: { schema: ChannelUnsubscribeSchema, description: 'Unsubscribe from a channel.' },
  channel_publish: { schema: ChannelPublishSchema, description: 'Publish a message to a channel.' },
  channel_history: { schema: ChannelHistorySchema, description: 'Request channel message history.' },
  list_channels: { schema: ListChannelsSchema, description: 'Request list of all channels.' },
  task_accepted: { schema: TaskAcceptedSchema, description: 'Sidecar acknowledges task assignment.' },
  task_progress: {
    schema: TaskProgressSchema,
    description: 'Sidecar reports task progress (prevents overdue sweep). Optional execution_event for dashboard streaming.',
  },
  task_complete: { schema: TaskCompleteSchema, description: 'Sidecar reports task completion with result.' },
  task_failed: { schema: TaskFailedSchema, description: 'Sidecar reports task failure.' },
  task_recovering: { schema: TaskRecoveringSchema, description: 'Sidecar requests task recovery status after restart.' },
  task_rejected: { schema: TaskRejectedSchema, description: 'Sidecar declines a task assignment (e.g. busy); the hub requeues it.' },
  ollama_report: { schema: OllamaReportSchema, description: 'Sidecar reports local Ollama endpoint URL for auto-registration.' },
  resource_report: { schema: ResourceReportSchema, description: 'Sidecar reports host resource utilization (CPU, RAM, VRAM).' },
} as const satisfies Record<string, WsSchemaEntry>

export type WsType = keyof typeof WS_INBOUND

/** All accepted inbound types, sorted (the `known_types` list of an unknown_message_type error). */
export const WS_TYPES: readonly WsType[] = Object.freeze((Object.keys(WS_INBOUND) as WsType[]).sort())

export function isWsType(type: string): type is WsType {
  return Object.prototype.hasOwnProperty.call(WS_INBOUND, type)
}

export type IdentifyMessage = Static<typeof IdentifySchema>
export type ChatMessage = Static<typeof ChatMessageSchema>
export type StatusMessage = Static<typeof StatusSchema>
export type ListAgentsMessage = Static<typeof ListAgentsSchema>
export type PingMessage = Static<typeof PingSchema>
export type ChannelSubscribeMessage = Static<typeof ChannelSubscribeSchema>
export type ChannelUnsubscribeMessage = Static<typeof ChannelUnsubscribeSchema>
export type ChannelPublishMessage = Static<typeof ChannelPublishSchema>
export type ChannelHistoryMessage = Static<typeof ChannelHistorySchema>
export type ListChannelsMessage = Static<typeof ListChannelsSchema>
export type TaskAcceptedMessage = Static<typeof TaskAcceptedSchema>
export type TaskProgressMessage = Static<typeof TaskProgressSchema>
export type TaskCompleteMessage = Static<typeof TaskCompleteSchema>
export type TaskFailedMessage = Static<typeof TaskFailedSchema>
export type TaskRecoveringMessage = Static<typeof TaskRecoveringSchema>
export type TaskRejectedMessage = Static<typeof TaskRejectedSchema>
export type OllamaReportMessage = Static<typeof OllamaReportSchema>
export type ResourceReportMessage = Static<typeof ResourceReportSchema>

/** The validated message of type T. */
export type WsMessageOf<T extends WsType> = Static<(typeof WS_INBOUND)[T]['schema']>

/** Any validated inbound /ws message, discriminated on `type`. */
export type InboundWsMessage = { [T in WsType]: WsMessageOf<T> }[WsType]
