// Frames the hub sends on /ws (protocol.md §1.3, §1.5, §1.7; smart-pipeline.md §6.3, §11.1), as
// schemas so the hub, the sidecar and the tests share one definition, plus builders that fill in
// the documented defaults.
import { Type, type Static, type TObject } from '@sinclair/typebox'
import { ErrorItemSchema } from './error-items'
import { COMPLEXITY_TIERS, FileHintSchema, RATE_TIERS, VerificationStepSchema, type FileHint, type VerificationStep } from './http-bodies'
import { jsonObject, nullable, stringEnum } from './schema-kit'

// ---- shared shapes ----

export const AgentInfoSchema = Type.Object({
  agent_id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  capabilities: Type.Array(Type.Unknown()),
  connected_at: Type.Integer(),
})
export type AgentInfo = Static<typeof AgentInfoSchema>

export const ChannelSummarySchema = Type.Object({
  name: Type.String(),
  description: nullable(Type.String()),
  subscriber_count: Type.Integer({ minimum: 0 }),
  created_at: Type.Integer(),
})
export type ChannelSummary = Static<typeof ChannelSummarySchema>

export const StoredMessageSchema = Type.Object({
  id: Type.String(),
  from: Type.String(),
  to: nullable(Type.String()),
  type: Type.String(),
  payload: jsonObject(),
  reply_to: nullable(Type.String()),
  timestamp: Type.Integer(),
})
export type StoredMessage = Static<typeof StoredMessageSchema>

export const HistoryEntrySchema = Type.Object({ seq: Type.Integer(), message: StoredMessageSchema, stored_at: Type.Integer() })
export type HistoryEntry = Static<typeof HistoryEntrySchema>

export const ComplexitySourceValues = ['explicit', 'inferred'] as const
export const TargetTypeValues = ['sidecar', 'ollama', 'claude', 'wake'] as const
export const CostTierValues = ['free', 'local', 'api'] as const

const tier = () => stringEnum(COMPLEXITY_TIERS)

/** `complexity` as carried by task_assign: the record of smart-pipeline.md §3.1 without signals. */
export const AssignComplexitySchema = Type.Object({
  effective_tier: tier(),
  source: stringEnum(ComplexitySourceValues),
  explicit_tier: nullable(tier()),
  inferred: Type.Object({ tier: tier(), confidence: Type.Number({ minimum: 0, maximum: 1 }) }),
})
export type AssignComplexity = Static<typeof AssignComplexitySchema>

/** The full routing decision record (11 fields, smart-pipeline.md §6.3): TaskView and dashboard. */
export const RoutingDecisionSchema = Type.Object({
  effective_tier: tier(),
  target_type: stringEnum(TargetTypeValues),
  selected_endpoint: nullable(Type.String()),
  selected_model: nullable(Type.String()),
  fallback_used: Type.Boolean(),
  fallback_from_tier: nullable(tier()),
  fallback_reason: nullable(Type.String()),
  candidate_count: Type.Integer({ minimum: 0 }),
  classification_reason: Type.String(),
  estimated_cost_tier: stringEnum(CostTierValues),
  decided_at: Type.Integer(),
})
export type RoutingDecision = Static<typeof RoutingDecisionSchema>

/** The 8 routing fields task_assign carries. */
export const AssignRoutingDecisionSchema = Type.Object({
  effective_tier: tier(),
  target_type: stringEnum(TargetTypeValues),
  selected_endpoint: nullable(Type.String()),
  selected_model: nullable(Type.String()),
  fallback_used: Type.Boolean(),
  fallback_reason: nullable(Type.String()),
  classification_reason: Type.String(),
  estimated_cost_tier: stringEnum(CostTierValues),
})
export type AssignRoutingDecision = Static<typeof AssignRoutingDecisionSchema>

export function toAssignRoutingDecision(decision: RoutingDecision): AssignRoutingDecision {
  return {
    effective_tier: decision.effective_tier,
    target_type: decision.target_type,
    selected_endpoint: decision.selected_endpoint,
    selected_model: decision.selected_model,
    fallback_used: decision.fallback_used,
    fallback_reason: decision.fallback_reason,
    classification_reason: decision.classification_reason,
    estimated_cost_tier: decision.estimated_cost_tier,
  }
}

// ---- replies and pushes ----

export const TASK_ACK_STATUSES = ['accepted', 'complete', 'retried', 'dead_letter', 'rejected'] as const
export type TaskAckStatus = (typeof TASK_ACK_STATUSES)[number]

export const IdentifiedFrameSchema = Type.Object({ type: Type.Literal('identified'), agent_id: Type.String() })
export const ErrorFrameSchema = Type.Object({ type: Type.Literal('error'), error: Type.String() })
export const ValidationFailedFrameSchema = Type.Object({
  type: Type.Literal('error'),
  error: Type.Literal('validation_failed'),
  message_type: Type.String(),
  errors: Type.Array(ErrorItemSchema),
})
export const RateLimitedFrameSchema = Type.Object({
  type: Type.Literal('rate_limited'),
  retry_after_ms: Type.Integer({ minimum: 0 }),
  tier: stringEnum(RATE_TIERS),
})
export const RateLimitWarningFrameSchema = Type.Object({
  type: Type.Literal('rate_limit_warning'),
  tier: stringEnum(RATE_TIERS),
  remaining: Type.Integer({ minimum: 0 }),
  capacity: Type.Integer({ minimum: 0 }),
})
export const PongFrameSchema = Type.Object({ type: Type.Literal('pong'), timestamp: Type.Integer() })
export const MessageSentFrameSchema = Type.Object({ type: Type.Literal('message_sent'), id: Type.String() })
export const StatusUpdatedFrameSchema = Type.Object({ type: Type.Literal('status_updated') })
export const AgentsFrameSchema = Type.Object({ type: Type.Literal('agents'), agents: Type.Array(AgentInfoSchema) })
export const ChannelSubscribedFrameSchema = Type.Object({
  type: Type.Literal('channel_subscribed'),
  channel: Type.String(),
  note: Type.Optional(Type.Literal('already_subscribed')),
})
export const ChannelUnsubscribedFrameSchema = Type.Object({ type: Type.Literal('channel_unsubscribed'), channel: Type.String() })
export const ChannelPublishedFrameSchema = Type.Object({
  type: Type.Literal('channel_published'),
  channel: Type.String(),
  seq: Type.Integer(),
  id: Type.String(),
})
export const ChannelHistoryFrameSchema = Type.Object({
  type: Type.Literal('channel_history'),
  channel: Type.String(),
  messages: Type.Array(HistoryEntrySchema),
})
export const ChannelsFrameSchema = Type.Object({ type: Type.Literal('channels'), channels: Type.Array(ChannelSummarySchema) })
export const TaskAckFrameSchema = Type.Object({ type: Type.Literal('task_ack'), task_id: Type.String(), status: stringEnum(TASK_ACK_STATUSES) })
export const TaskContinueFrameSchema = Type.Object({ type: Type.Literal('task_continue'), task_id: Type.String(), generation: Type.Integer({ minimum: 0 }) })
export const TaskReassignFrameSchema = Type.Object({ type: Type.Literal('task_reassign'), task_id: Type.String() })
export const OllamaReportAckFrameSchema = Type.Object({ type: Type.Literal('ollama_report_ack'), status: Type.Literal('registered') })

export const MessagePushSchema = Type.Object({
  type: Type.Literal('message'),
  id: Type.String(),
  from: Type.String(),
  message_type: Type.String(),
  payload: jsonObject(),
  reply_to: nullable(Type.String()),
  timestamp: Type.Integer(),
})
export const AgentJoinedPushSchema = Type.Object({ type: Type.Literal('agent_joined'), agent: AgentInfoSchema })
export const AgentLeftPushSchema = Type.Object({ type: Type.Literal('agent_left'), agent_id: Type.String() })
export const StatusChangedPushSchema = Type.Object({ type: Type.Literal('status_changed'), agent: AgentInfoSchema })
export const ChannelMessagePushSchema = Type.Object({
  type: Type.Literal('channel_message'),
  channel: Type.String(),
  id: Type.String(),
  from: Type.String(),
  message_type: Type.String(),
  payload: jsonObject(),
  reply_to: nullable(Type.String()),
  timestamp: Type.Integer(),
})
export const ChannelAgentJoinedPushSchema = Type.Object({ type: Type.Literal('channel_agent_joined'), channel: Type.String(), agent_id: Type.String() })

/** task_assign: every v1.2 field is always present, with null/empty defaults (protocol.md §1.7). */
export const TaskAssignFrameSchema = Type.Object({
  type: Type.Literal('task_assign'),
  task_id: Type.String(),
  description: Type.String(),
  metadata: jsonObject(),
  generation: Type.Integer({ minimum: 0 }),
  assigned_at: Type.Integer(),
  repo: nullable(Type.String()),
  branch: nullable(Type.String()),
  file_hints: Type.Array(FileHintSchema),
  success_criteria: Type.Array(Type.String()),
  verification_steps: Type.Array(VerificationStepSchema),
  complexity: nullable(AssignComplexitySchema),
  routing_decision: nullable(AssignRoutingDecisionSchema),
  skip_verification: Type.Boolean(),
  verification_timeout_ms: nullable(Type.Integer()),
  max_verification_retries: Type.Integer({ minimum: 0 }),
})

export type IdentifiedFrame = Static<typeof IdentifiedFrameSchema>
export type ErrorFrame = Static<typeof ErrorFrameSchema>
export type ValidationFailedFrame = Static<typeof ValidationFailedFrameSchema>
export type RateLimitedFrame = Static<typeof RateLimitedFrameSchema>
export type RateLimitWarningFrame = Static<typeof RateLimitWarningFrameSchema>
export type PongFrame = Static<typeof PongFrameSchema>
export type MessageSentFrame = Static<typeof MessageSentFrameSchema>
export type StatusUpdatedFrame = Static<typeof StatusUpdatedFrameSchema>
export type AgentsFrame = Static<typeof AgentsFrameSchema>
export type ChannelSubscribedFrame = Static<typeof ChannelSubscribedFrameSchema>
export type ChannelUnsubscribedFrame = Static<typeof ChannelUnsubscribedFrameSchema>
export type ChannelPublishedFrame = Static<typeof ChannelPublishedFrameSchema>
export type ChannelHistoryFrame = Static<typeof ChannelHistoryFrameSchema>
export type ChannelsFrame = Static<typeof ChannelsFrameSchema>
export type TaskAckFrame = Static<typeof TaskAckFrameSchema>
export type TaskContinueFrame = Static<typeof TaskContinueFrameSchema>
export type TaskReassignFrame = Static<typeof TaskReassignFrameSchema>
export type OllamaReportAckFrame = Static<typeof OllamaReportAckFrameSchema>
export type MessagePush = Static<typeof MessagePushSchema>
export type AgentJoinedPush = Static<typeof AgentJoinedPushSchema>
export type AgentLeftPush = Static<typeof AgentLeftPushSchema>
export type StatusChangedPush = Static<typeof StatusChangedPushSchema>
export type ChannelMessagePush = Static<typeof ChannelMessagePushSchema>
export type ChannelAgentJoinedPush = Static<typeof ChannelAgentJoinedPushSchema>
export type TaskAssignFrame = Static<typeof TaskAssignFrameSchema>

/**
 * Every frame type the hub sends, with its schema. `error` frames are validated against the
 * plain shape; a validation_failed error frame additionally matches ValidationFailedFrameSchema.
 */
export const HUB_FRAMES = {
  identified: IdentifiedFrameSchema,
  error: ErrorFrameSchema,
  rate_limited: RateLimitedFrameSchema,
  rate_limit_warning: RateLimitWarningFrameSchema,
  pong: PongFrameSchema,
  message_sent: MessageSentFrameSchema,
  status_updated: StatusUpdatedFrameSchema,
  agents: AgentsFrameSchema,
  channel_subscribed: ChannelSubscribedFrameSchema,
  channel_unsubscribed: ChannelUnsubscribedFrameSchema,
  channel_published: ChannelPublishedFrameSchema,
  channel_history: ChannelHistoryFrameSchema,
  channels: ChannelsFrameSchema,
  task_ack: TaskAckFrameSchema,
  task_continue: TaskContinueFrameSchema,
  task_reassign: TaskReassignFrameSchema,
  ollama_report_ack: OllamaReportAckFrameSchema,
  message: MessagePushSchema,
  agent_joined: AgentJoinedPushSchema,
  agent_left: AgentLeftPushSchema,
  status_changed: StatusChangedPushSchema,
  channel_message: ChannelMessagePushSchema,
  channel_agent_joined: ChannelAgentJoinedPushSchema,
  task_assign: TaskAssignFrameSchema,
} as const satisfies Record<string, TObject>

export type HubFrameType = keyof typeof HUB_FRAMES
export type HubFrameOf<T extends HubFrameType> = Static<(typeof HUB_FRAMES)[T]>
export type HubFrame = { [T in HubFrameType]: HubFrameOf<T> }[HubFrameType] | ValidationFailedFrame

export function isHubFrameType(type: string): type is HubFrameType {
  return Object.prototype.hasOwnProperty.call(HUB_FRAMES, type)
}

// ---- builders ----

export const identifiedFrame = (agentId: string): IdentifiedFrame => ({ type: 'identified', agent_id: agentId })
export const pongFrame = (now: number): PongFrame => ({ type: 'pong', timestamp: now })
export const messageSentFrame = (id: string): MessageSentFrame => ({ type: 'message_sent', id })
export const statusUpdatedFrame = (): StatusUpdatedFrame => ({ type: 'status_updated' })
export const agentsFrame = (agents: AgentInfo[]): AgentsFrame => ({ type: 'agents', agents })

/** `already` adds the original's `note` (and the hub then does not attach live delivery twice). */
export function channelSubscribedFrame(channel: string, already = false): ChannelSubscribedFrame {
  return already ? { type: 'channel_subscribed', channel, note: 'already_subscribed' } : { type: 'channel_subscribed', channel }
}
export const channelUnsubscribedFrame = (channel: string): ChannelUnsubscribedFrame => ({ type: 'channel_unsubscribed', channel })
export const channelPublishedFrame = (channel: string, seq: number, id: string): ChannelPublishedFrame => ({ type: 'channel_published', channel, seq, id })
export const channelHistoryFrame = (channel: string, messages: HistoryEntry[]): ChannelHistoryFrame => ({ type: 'channel_history', channel, messages })
export const channelsFrame = (channels: ChannelSummary[]): ChannelsFrame => ({ type: 'channels', channels })
export const taskAckFrame = (taskId: string, status: TaskAckStatus): TaskAckFrame => ({ type: 'task_ack', task_id: taskId, status })
export const taskContinueFrame = (taskId: string, generation: number): TaskContinueFrame => ({ type: 'task_continue', task_id: taskId, generation })
export const taskReassignFrame = (taskId: string): TaskReassignFrame => ({ type: 'task_reassign', task_id: taskId })
export const ollamaReportAckFrame = (): OllamaReportAckFrame => ({ type: 'ollama_report_ack', status: 'registered' })

/** A direct or broadcast message as pushed to a recipient (no `to`). */
export function messagePush(message: StoredMessage): MessagePush {
  return {
    type: 'message',
    id: message.id,
    from: message.from,
    message_type: message.type,
    payload: message.payload,
    reply_to: message.reply_to,
    timestamp: message.timestamp,
  }
}

export function channelMessagePush(channel: string, message: StoredMessage): ChannelMessagePush {
  return {
    type: 'channel_message',
    channel,
    id: message.id,
    from: message.from,
    message_type: message.type,
    payload: message.payload,
    reply_to: message.reply_to,
    timestamp: message.timestamp,
  }
}

export const agentJoinedPush = (agent: AgentInfo): AgentJoinedPush => ({ type: 'agent_joined', agent })
export const agentLeftPush = (agentId: string): AgentLeftPush => ({ type: 'agent_left', agent_id: agentId })
export const statusChangedPush = (agent: AgentInfo): StatusChangedPush => ({ type: 'status_changed', agent })
export const channelAgentJoinedPush = (channel: string, agentId: string): ChannelAgentJoinedPush => ({ type: 'channel_agent_joined', channel, agent_id: agentId })

/** What the hub knows about a task when it assigns it; absent fields get the documented defaults. */
export interface TaskAssignInput {
  task_id: string
  description?: string | null
  metadata?: Record<string, unknown> | null
  generation?: number | null
  repo?: string | null
  branch?: string | null
  file_hints?: FileHint[] | null
  success_criteria?: string[] | null
  verification_steps?: VerificationStep[] | null
  /** the stored complexity record (extra keys such as `inferred.signals` are dropped) */
  complexity?: (AssignComplexity & { inferred: AssignComplexity['inferred'] & Record<string, unknown> }) | null
  /** the stored 11-field decision, or the 8-field form */
  routing_decision?: AssignRoutingDecision | RoutingDecision | null
  skip_verification?: boolean | null
  verification_timeout_ms?: number | null
  max_verification_retries?: number | null
}

export function taskAssignFrame(task: TaskAssignInput, assignedAt: number): TaskAssignFrame {
  const complexity = task.complexity
    ? {
        effective_tier: task.complexity.effective_tier,
        source: task.complexity.source,
        explicit_tier: task.complexity.explicit_tier,
        inferred: { tier: task.complexity.inferred.tier, confidence: task.complexity.inferred.confidence },
      }
    : null
  const routing = task.routing_decision ? toAssignRoutingDecision(task.routing_decision as RoutingDecision) : null
  return {
    type: 'task_assign',
    task_id: task.task_id,
    description: task.description ?? '',
    metadata: task.metadata ?? {},
    generation: task.generation ?? 0,
    assigned_at: assignedAt,
    repo: task.repo ?? null,
    branch: task.branch ?? null,
    file_hints: task.file_hints ?? [],
    success_criteria: task.success_criteria ?? [],
    verification_steps: task.verification_steps ?? [],
    complexity,
    routing_decision: routing,
    skip_verification: task.skip_verification ?? false,
    verification_timeout_ms: task.verification_timeout_ms ?? null,
    max_verification_retries: task.max_verification_retries ?? 0,
  }
}
