// The frames the sidecar exchanges with the hub (protocol.md §1.5–1.8), seen from the sidecar.
// Inbound frames are validated before use so a malformed push is logged, never a crash. When
// relay/protocol/ lands, these schemas can be replaced by the shared ones; the shapes are the same.
import { Type, type Static } from '@sinclair/typebox'
import Ajv from 'ajv'

export const PROTOCOL_VERSION = 1

const Json = Type.Unknown()
const JsonObject = Type.Record(Type.String(), Json)
const NullableString = Type.Union([Type.String(), Type.Null()])

export const TaskAssignSchema = Type.Object({
  type: Type.Literal('task_assign'),
  task_id: Type.String({ minLength: 1, maxLength: 256 }),
  description: Type.Optional(Type.String()),
  metadata: Type.Optional(Type.Union([JsonObject, Type.Null()])),
  generation: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  assigned_at: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Null()])),
  repo: Type.Optional(NullableString),
  branch: Type.Optional(NullableString),
  file_hints: Type.Optional(Type.Union([Type.Array(Json), Type.Null()])),
  success_criteria: Type.Optional(Type.Union([Type.Array(Json), Type.Null()])),
  verification_steps: Type.Optional(Type.Union([Type.Array(Json), Type.Null()])),
  complexity: Type.Optional(Type.Union([JsonObject, Type.Null()])),
  routing_decision: Type.Optional(Type.Union([JsonObject, Type.Null()])),
  skip_verification: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  verification_timeout_ms: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  max_verification_retries: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
})
export type TaskAssignFrame = Static<typeof TaskAssignSchema>

export const TaskContinueSchema = Type.Object({
  type: Type.Literal('task_continue'),
  task_id: Type.String({ minLength: 1 }),
  generation: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
})
export type TaskContinueFrame = Static<typeof TaskContinueSchema>

export const TaskReassignSchema = Type.Object({
  type: Type.Literal('task_reassign'),
  task_id: Type.String({ minLength: 1 }),
})
export type TaskReassignFrame = Static<typeof TaskReassignSchema>

export const TaskAckSchema = Type.Object({
  type: Type.Literal('task_ack'),
  task_id: Type.String(),
  status: Type.String(),
})
export type TaskAckFrame = Static<typeof TaskAckSchema>

export const HubErrorSchema = Type.Object({ type: Type.Literal('error'), error: Type.String() })
export type HubErrorFrame = Static<typeof HubErrorSchema>

export const RateLimitedSchema = Type.Object({
  type: Type.Literal('rate_limited'),
  retry_after_ms: Type.Optional(Type.Number({ minimum: 0 })),
})
export type RateLimitedFrame = Static<typeof RateLimitedSchema>

export type InboundFrame =
  | { type: 'identified'; agent_id?: string }
  | { type: 'pong'; timestamp?: number }
  | TaskAssignFrame
  | TaskContinueFrame
  | TaskReassignFrame
  | TaskAckFrame
  | HubErrorFrame
  | RateLimitedFrame
  | { type: 'other'; original_type: string; frame: Record<string, unknown> }

const ajv = new Ajv({ allErrors: false, strict: false })
const inboundValidators = {
  task_assign: ajv.compile(TaskAssignSchema),
  task_continue: ajv.compile(TaskContinueSchema),
  task_reassign: ajv.compile(TaskReassignSchema),
  task_ack: ajv.compile(TaskAckSchema),
  error: ajv.compile(HubErrorSchema),
  rate_limited: ajv.compile(RateLimitedSchema),
}

export type FrameParseResult = { ok: true; frame: InboundFrame } | { ok: false; error: string }

/** Parses one text frame from the hub; never throws. */
export function parseInboundFrame(text: string): FrameParseResult {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'frame is not a JSON object' }
  const obj = raw as Record<string, unknown>
  if (typeof obj.type !== 'string') return { ok: false, error: 'frame has no string "type"' }
  if (obj.type === 'identified' || obj.type === 'pong') return { ok: true, frame: obj as InboundFrame }
  const validate = inboundValidators[obj.type as keyof typeof inboundValidators]
  if (!validate) return { ok: true, frame: { type: 'other', original_type: obj.type, frame: obj } }
  if (!validate(obj)) {
    const first = validate.errors?.[0]
    return { ok: false, error: `invalid ${obj.type} frame: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim() }
  }
  return { ok: true, frame: obj as InboundFrame }
}

// Outbound frames (protocol_version is added by the connection on send).

export interface IdentifyFrame {
  type: 'identify'
  agent_id: string
  token: string
  name: string
  status: 'idle'
  capabilities: string[]
  client_type: 'sidecar'
  protocol_version: number
  ollama_url?: string
}

export interface ExecutionEvent {
  event_type: string
  text: string
  tokens_so_far: number | null
  model: string | null
  timestamp: number
}

export interface TaskCompleteFrame {
  type: 'task_complete'
  task_id: string
  generation: number
  result: Record<string, unknown>
  verification_report: Record<string, unknown> | null
  verification_history: Record<string, unknown>[] | null
  tokens_used?: number
}

export interface TaskFailedFrame {
  type: 'task_failed'
  task_id: string
  generation: number
  reason: string
}

/** The frames that must reach the hub even across disconnects and restarts. */
export type OutcomeFrame = TaskCompleteFrame | TaskFailedFrame

export type OutboundFrame =
  | IdentifyFrame
  | { type: 'ping' }
  | { type: 'task_accepted'; task_id: string }
  | { type: 'task_rejected'; task_id: string; reason: 'busy' }
  | { type: 'task_progress'; task_id: string; progress?: number; execution_event?: ExecutionEvent }
  | { type: 'task_recovering'; task_id: string; description: string; metadata: Record<string, unknown>; last_status: string }
  | ResourceReportFrame
  | OutcomeFrame

export interface ResourceReportFrame {
  type: 'resource_report'
  agent_id: string
  cpu_percent: number | null
  ram_used_bytes: number | null
  ram_total_bytes: number | null
  vram_used_bytes: number | null
  vram_total_bytes: number | null
  timestamp: number
}
