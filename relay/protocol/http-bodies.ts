// HTTP request bodies (protocol.md §4, hardening.md §2.2, smart-pipeline.md §2). Two error styles:
// "validation_failed" bodies answer 422 {"error":"validation_failed","errors":[ErrorItem…]}; the
// "legacy" ones keep the original's inline error bodies (log level, rate-limit administration).
import { Type, type Static, type TObject } from '@sinclair/typebox'
import { jsonObject, namedString, positiveInteger, stringEnum } from './schema-kit'

const str = namedString

export const COMPLEXITY_TIERS = ['trivial', 'standard', 'complex', 'unknown'] as const
export type ComplexityTier = (typeof COMPLEXITY_TIERS)[number]

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const RATE_TIERS = ['light', 'normal', 'heavy'] as const
export type RateTier = (typeof RATE_TIERS)[number]

/** More verification steps than this are accepted with a `warnings` entry (smart-pipeline.md §2.2). */
export const VERIFICATION_STEPS_SOFT_LIMIT = 10

export const FileHintSchema = Type.Object(
  { path: Type.String({ minLength: 1 }), reason: Type.Optional(Type.String()) },
  { title: 'file hint' },
)
export type FileHint = Static<typeof FileHintSchema>

export const VerificationStepSchema = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    target: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
  },
  { title: 'verification step' },
)
export type VerificationStep = Static<typeof VerificationStepSchema>

export const PostMessageSchema = Type.Object({
  payload: jsonObject(),
  to: Type.Optional(str('to')),
  type: Type.Optional(Type.String()),
  reply_to: Type.Optional(str('reply_to')),
})

export const PutHeartbeatIntervalSchema = Type.Object({ heartbeat_interval_ms: positiveInteger() })
export const PutMailboxRetentionSchema = Type.Object({ mailbox_ttl_ms: positiveInteger() })

export const PostChannelSchema = Type.Object({ name: str('name'), description: Type.Optional(str('description')) })

export const PostChannelPublishSchema = Type.Object({
  payload: jsonObject(),
  type: Type.Optional(Type.String()),
  reply_to: Type.Optional(str('reply_to')),
})

export const PostMailboxAckSchema = Type.Object({ seq: Type.Integer() })
export const PostAdminTokenSchema = Type.Object({ agent_id: str('agent_id', { minLength: 1 }) })

export const PostAdminPushTaskSchema = Type.Object({
  agent_id: str('agent_id'),
  description: str('description'),
  metadata: Type.Optional(jsonObject()),
})

export const PostTaskSchema = Type.Object({
  description: str('description'),
  priority: Type.Optional(Type.String()),
  metadata: Type.Optional(jsonObject()),
  max_retries: Type.Optional(Type.Integer()),
  complete_by: Type.Optional(Type.Integer()),
  needed_capabilities: Type.Optional(Type.Array(Type.String())),
  repo: Type.Optional(str('repo')),
  branch: Type.Optional(Type.String()),
  file_hints: Type.Optional(Type.Array(FileHintSchema)),
  success_criteria: Type.Optional(Type.Array(Type.String())),
  verification_steps: Type.Optional(Type.Array(VerificationStepSchema)),
  complexity_tier: Type.Optional(stringEnum(COMPLEXITY_TIERS)),
  max_verification_retries: Type.Optional(Type.Integer()),
  skip_verification: Type.Optional(Type.Boolean()),
  verification_timeout_ms: Type.Optional(Type.Integer()),
})

/** The original route additionally rejects "" as `required`; that is part of the schema here. */
export const PostOnboardRegisterSchema = Type.Object({ agent_id: str('agent_id', { minLength: 1 }) })
export const PutDefaultRepoSchema = Type.Object({ url: Type.String() })

/** The whole browser PushSubscription object is stored; only `endpoint` is checked. */
export const PostPushSubscribeSchema = Type.Object({ endpoint: Type.String({ format: 'uri' }) })

export const PostLlmRegistrySchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  name: Type.Optional(str('name')),
})

export const PostRepoSchema = Type.Object({ url: Type.String(), name: Type.Optional(str('name')) })

const cooldown = () => Type.Optional(Type.Integer({ minimum: 0 }))

/**
 * `PUT /api/config/alert-thresholds`: a partial update merged over the defaults. The original
 * stored any JSON verbatim and then ignored it (hardening.md §4.3); here every key is checked and
 * an unknown key is an error, so a typo cannot silently do nothing.
 */
export const PutAlertThresholdsSchema = Type.Object(
  {
    queue_growing_checks: Type.Optional(positiveInteger()),
    failure_rate_pct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    stuck_task_ms: Type.Optional(positiveInteger()),
    error_count_hour: Type.Optional(Type.Integer({ minimum: 0 })),
    check_interval_ms: Type.Optional(Type.Integer({ minimum: 1000 })),
    cooldowns: Type.Optional(
      Type.Object(
        {
          queue_growing: cooldown(),
          high_failure_rate: cooldown(),
          stuck_tasks: cooldown(),
          no_agents_online: cooldown(),
          high_error_rate: cooldown(),
          tier_down: cooldown(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

/** Defaults returned by `GET /api/config/alert-thresholds` when nothing is stored (hardening.md §4.2). */
export const ALERT_THRESHOLD_DEFAULTS = Object.freeze({
  queue_growing_checks: 3,
  failure_rate_pct: 50,
  stuck_task_ms: 300_000,
  error_count_hour: 10,
  check_interval_ms: 30_000,
  cooldowns: Object.freeze({
    queue_growing: 300_000,
    high_failure_rate: 600_000,
    stuck_tasks: 0,
    no_agents_online: 0,
    high_error_rate: 300_000,
    tier_down: 300_000,
  }),
})

export const PutLogLevelSchema = Type.Object({ level: stringEnum(LOG_LEVELS) })

export const TierOverrideSchema = Type.Object({
  capacity: Type.Number({ exclusiveMinimum: 0 }),
  refill_rate_per_min: Type.Number({ minimum: 0 }),
})
export type TierOverride = Static<typeof TierOverrideSchema>

export const PutRateLimitOverridesSchema = Type.Object({
  light: Type.Optional(TierOverrideSchema),
  normal: Type.Optional(TierOverrideSchema),
  heavy: Type.Optional(TierOverrideSchema),
})

export const PutRateLimitWhitelistSchema = Type.Object({ agent_ids: Type.Optional(Type.Array(Type.String())) })
export const PostRateLimitWhitelistSchema = Type.Object({ agent_id: Type.String({ minLength: 1 }) })

export type ErrorStyle = 'validation_failed' | 'legacy'

interface HttpSchemaEntry {
  schema: TObject
  description: string
  route: string
  errorStyle: ErrorStyle
}

/** Every HTTP body schema, keyed as in the original (`post_task`, …). */
export const HTTP_BODIES = {
  post_message: { schema: PostMessageSchema, description: 'Send a message via HTTP.', route: 'POST /api/message', errorStyle: 'validation_failed' },
  put_heartbeat_interval: {
    schema: PutHeartbeatIntervalSchema,
    description: 'Set heartbeat interval in milliseconds.',
    route: 'PUT /api/config/heartbeat-interval',
    errorStyle: 'validation_failed',
  },
  put_mailbox_retention: {
    schema: PutMailboxRetentionSchema,
    description: 'Set mailbox retention TTL in milliseconds.',
    route: 'PUT /api/config/mailbox-retention',
    errorStyle: 'validation_failed',
  },
  post_channel: { schema: PostChannelSchema, description: 'Create a new channel.', route: 'POST /api/channels', errorStyle: 'validation_failed' },
  post_channel_publish: {
    schema: PostChannelPublishSchema,
    description: 'Publish a message to a channel via HTTP.',
    route: 'POST /api/channels/:channel/publish',
    errorStyle: 'validation_failed',
  },
  post_mailbox_ack: {
    schema: PostMailboxAckSchema,
    description: 'Acknowledge mailbox messages up to sequence number.',
    route: 'POST /api/mailbox/:agent_id/ack',
    errorStyle: 'validation_failed',
  },
  post_admin_token: {
    schema: PostAdminTokenSchema,
    description: 'Generate an authentication token for an agent.',
    route: 'POST /admin/tokens',
    errorStyle: 'validation_failed',
  },
  post_admin_push_task: {
    schema: PostAdminPushTaskSchema,
    description: 'Push a task directly to a connected agent.',
    route: 'POST /api/admin/push-task',
    errorStyle: 'validation_failed',
  },
  post_task: { schema: PostTaskSchema, description: 'Submit a task to the queue.', route: 'POST /api/tasks', errorStyle: 'validation_failed' },
  post_onboard_register: {
    schema: PostOnboardRegisterSchema,
    description: 'Register a new agent and receive a token.',
    route: 'POST /api/onboard/register',
    errorStyle: 'validation_failed',
  },
  put_default_repo: {
    schema: PutDefaultRepoSchema,
    description: 'Set the default repository URL.',
    route: 'PUT /api/config/default-repo',
    errorStyle: 'validation_failed',
  },
  post_push_subscribe: {
    schema: PostPushSubscribeSchema,
    description: 'Register a push notification subscription.',
    route: 'POST /api/dashboard/push-subscribe',
    errorStyle: 'validation_failed',
  },
  post_llm_registry: {
    schema: PostLlmRegistrySchema,
    description: 'Register an Ollama endpoint. Port defaults to 11434.',
    route: 'POST /api/admin/llm-registry',
    errorStyle: 'validation_failed',
  },
  post_repo: {
    schema: PostRepoSchema,
    description: 'Register a new repository in the repo registry.',
    route: 'POST /api/admin/repo-registry',
    errorStyle: 'validation_failed',
  },
  put_alert_thresholds: {
    schema: PutAlertThresholdsSchema,
    description: 'Update alert thresholds (partial; merged over the defaults, effective next check cycle).',
    route: 'PUT /api/config/alert-thresholds',
    errorStyle: 'validation_failed',
  },
  put_log_level: { schema: PutLogLevelSchema, description: 'Change the log level until restart.', route: 'PUT /api/admin/log-level', errorStyle: 'legacy' },
  put_rate_limit_overrides: {
    schema: PutRateLimitOverridesSchema,
    description: "Override an agent's rate-limit buckets (any subset of light, normal, heavy).",
    route: 'PUT /api/admin/rate-limits/:agent_id',
    errorStyle: 'legacy',
  },
  put_rate_limit_whitelist: {
    schema: PutRateLimitWhitelistSchema,
    description: 'Replace the rate-limit whitelist.',
    route: 'PUT /api/admin/rate-limits/whitelist',
    errorStyle: 'legacy',
  },
  post_rate_limit_whitelist: {
    schema: PostRateLimitWhitelistSchema,
    description: 'Add an agent to the rate-limit whitelist.',
    route: 'POST /api/admin/rate-limits/whitelist',
    errorStyle: 'legacy',
  },
} as const satisfies Record<string, HttpSchemaEntry>

export type HttpBodyKey = keyof typeof HTTP_BODIES
export const HTTP_BODY_KEYS: readonly HttpBodyKey[] = Object.freeze((Object.keys(HTTP_BODIES) as HttpBodyKey[]).sort())

export function isHttpBodyKey(key: string): key is HttpBodyKey {
  return Object.prototype.hasOwnProperty.call(HTTP_BODIES, key)
}

/** The validated body for schema key K. */
export type HttpBodyOf<K extends HttpBodyKey> = Static<(typeof HTTP_BODIES)[K]['schema']>

export type PostMessageBody = HttpBodyOf<'post_message'>
export type PutHeartbeatIntervalBody = HttpBodyOf<'put_heartbeat_interval'>
export type PutMailboxRetentionBody = HttpBodyOf<'put_mailbox_retention'>
export type PostChannelBody = HttpBodyOf<'post_channel'>
export type PostChannelPublishBody = HttpBodyOf<'post_channel_publish'>
export type PostMailboxAckBody = HttpBodyOf<'post_mailbox_ack'>
export type PostAdminTokenBody = HttpBodyOf<'post_admin_token'>
export type PostAdminPushTaskBody = HttpBodyOf<'post_admin_push_task'>
export type PostTaskBody = HttpBodyOf<'post_task'>
export type PostOnboardRegisterBody = HttpBodyOf<'post_onboard_register'>
export type PutDefaultRepoBody = HttpBodyOf<'put_default_repo'>
export type PostPushSubscribeBody = HttpBodyOf<'post_push_subscribe'>
export type PostLlmRegistryBody = HttpBodyOf<'post_llm_registry'>
export type PostRepoBody = HttpBodyOf<'post_repo'>
export type PutAlertThresholdsBody = HttpBodyOf<'put_alert_thresholds'>
export type PutLogLevelBody = HttpBodyOf<'put_log_level'>
export type PutRateLimitOverridesBody = HttpBodyOf<'put_rate_limit_overrides'>
export type PutRateLimitWhitelistBody = HttpBodyOf<'put_rate_limit_whitelist'>
export type PostRateLimitWhitelistBody = HttpBodyOf<'post_rate_limit_whitelist'>
