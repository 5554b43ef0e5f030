// The task record: one TypeBox definition serves as the stored LMDB value and (minus three
// internal fields) as the HTTP "TaskView" (task-pipeline.md §2.1, smart-pipeline.md §2).
// createTask applies every submit-time default so no reader ever has to guess one.

import { randomBytes } from 'node:crypto'
import { Type, type Static, type TSchema } from '@sinclair/typebox'

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

export const TASK_STATUSES = ['queued', 'assigned', 'completed', 'dead_letter'] as const
export const TaskStatusSchema = Type.Union(TASK_STATUSES.map((s) => Type.Literal(s)))
export type TaskStatus = Static<typeof TaskStatusSchema>

export const HISTORY_CAP = 50

export const HistoryEntrySchema = Type.Object({
  event: Type.String(),
  timestamp: Type.Integer(),
  details: Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())]),
})
export type HistoryEntry = Static<typeof HistoryEntrySchema>

export const COMPLEXITY_TIERS = ['trivial', 'standard', 'complex', 'unknown'] as const
export const ComplexityTierSchema = Type.Union(COMPLEXITY_TIERS.map((s) => Type.Literal(s)))
export type ComplexityTier = Static<typeof ComplexityTierSchema>

export const ComplexitySignalsSchema = Type.Object({
  word_count: Type.Integer(),
  file_count: Type.Integer(),
  verification_count: Type.Integer(),
  keywords: Type.Object({ complex: Type.Boolean(), trivial: Type.Boolean() }),
})

/** smart-pipeline.md §3.1. `signals` is stored but stripped from every view (§3.4). */
export const ComplexitySchema = Type.Object({
  effective_tier: ComplexityTierSchema,
  explicit_tier: Type.Union([ComplexityTierSchema, Type.Null()]),
  source: Type.Union([Type.Literal('explicit'), Type.Literal('inferred')]),
  inferred: Type.Object({
    tier: ComplexityTierSchema,
    confidence: Type.Number(),
    signals: Type.Optional(ComplexitySignalsSchema),
  }),
})
export type Complexity = Static<typeof ComplexitySchema>

/** smart-pipeline.md §6.3, all 11 fields. */
export const RoutingDecisionSchema = Type.Object({
  effective_tier: Type.String(),
  target_type: Type.Union([Type.Literal('sidecar'), Type.Literal('ollama'), Type.Literal('claude')]),
  selected_endpoint: Type.Union([Type.String(), Type.Null()]),
  selected_model: Type.Union([Type.String(), Type.Null()]),
  fallback_used: Type.Boolean(),
  fallback_from_tier: Type.Union([Type.String(), Type.Null()]),
  fallback_reason: Type.Union([Type.String(), Type.Null()]),
  candidate_count: Type.Integer(),
  classification_reason: Type.String(),
  estimated_cost_tier: Type.Union([Type.Literal('free'), Type.Literal('local'), Type.Literal('api')]),
  decided_at: Type.Integer(),
})
export type RoutingDecision = Static<typeof RoutingDecisionSchema>

export const FileHintSchema = Type.Object({ path: Type.String(), reason: Type.Optional(Type.String()) })
export type FileHint = Static<typeof FileHintSchema>

export const VerificationStepSchema = Type.Object({
  type: Type.String(),
  target: Type.String(),
  description: Type.Optional(Type.String()),
})
export type VerificationStep = Static<typeof VerificationStepSchema>

const JsonObject = Type.Record(Type.String(), Type.Unknown())
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])

export const TaskSchema = Type.Object({
  id: Type.String(),
  description: Type.String(),
  metadata: JsonObject,
  priority: Type.Integer({ minimum: 0, maximum: 3 }),
  status: TaskStatusSchema,
  assigned_to: Nullable(Type.String()),
  assigned_at: Nullable(Type.Integer()),
  generation: Type.Integer({ minimum: 0 }),
  retry_count: Type.Integer({ minimum: 0 }),
  max_retries: Type.Integer(),
  complete_by: Nullable(Type.Number()),
  needed_capabilities: Type.Array(Type.String()),
  result: Type.Unknown(),
  tokens_used: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  submitted_by: Type.String(),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  history: Type.Array(HistoryEntrySchema, { maxItems: HISTORY_CAP }),
  // v1.2 (smart-pipeline.md §2)
  repo: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  file_hints: Type.Array(FileHintSchema),
  success_criteria: Type.Array(Type.String()),
  verification_steps: Type.Array(VerificationStepSchema),
  complexity: Nullable(ComplexitySchema),
  routing_decision: Nullable(RoutingDecisionSchema),
  verification_report: Nullable(JsonObject),
  verification_history: Type.Array(JsonObject),
  max_verification_retries: Type.Integer({ minimum: 0, maximum: 5 }),
  skip_verification: Nullable(Type.Boolean()),
  verification_timeout_ms: Nullable(Type.Integer()),
  // Ours: when the TTL clock (smart-pipeline.md §7.5) started. Equals created_at at submit, is
  // restarted by a dead-letter retry (so an operator's retry of an old task is not expired again
  // within a minute) and by the TTL sweep while the task's repo is paused (so paused work is
  // held, not killed). Requeues after failure/reclaim keep it, like the original's created_at.
  ttl_started_at: Type.Integer(),
})
export type Task = Static<typeof TaskSchema>

/** Fields the original TaskView does not expose (smart-pipeline.md §2.3) plus our internal one. */
export const TASK_VIEW_HIDDEN = ['skip_verification', 'verification_timeout_ms', 'ttl_started_at'] as const
export const TaskViewSchema = Type.Omit(TaskSchema, TASK_VIEW_HIDDEN)
export type TaskView = Static<typeof TaskViewSchema>

// ---------------------------------------------------------------------------------------------
// Defaults and normalisation
// ---------------------------------------------------------------------------------------------

export const PRIORITY_BY_NAME = { urgent: 0, high: 1, normal: 2, low: 3 } as const
export type PriorityName = keyof typeof PRIORITY_BY_NAME
export const PRIORITY_NAMES: readonly PriorityName[] = ['urgent', 'high', 'normal', 'low']
export const DEFAULT_PRIORITY = PRIORITY_BY_NAME.normal
export const DEFAULT_MAX_RETRIES = 3
export const MAX_VERIFICATION_RETRIES_CAP = 5

/**
 * "urgent"→0 … "low"→3; anything else (absent, unknown name, wrong type) → normal, silently, as
 * the original does. An integer 0..3 is accepted as already resolved (internal callers).
 */
export function priorityFromInput(value: unknown): number {
  if (typeof value === 'string' && Object.hasOwn(PRIORITY_BY_NAME, value)) {
    return PRIORITY_BY_NAME[value as PriorityName]
  }
  if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 3) return value as number
  return DEFAULT_PRIORITY
}

export function priorityName(priority: number): PriorityName {
  return PRIORITY_NAMES[priority] ?? 'normal'
}

/** Trim, drop one trailing "/", then one trailing ".git" (smart-pipeline.md §2.1/§8.1). */
export function normalizeRepoUrl(url: string): string {
  let out = url.trim()
  if (out.endsWith('/')) out = out.slice(0, -1)
  if (out.endsWith('.git')) out = out.slice(0, -4)
  return out
}

/** `task-` + 16 lowercase hex characters. */
export function generateTaskId(): string {
  return `task-${randomBytes(8).toString('hex')}`
}

/**
 * Everything a submitter may send. Types are deliberately loose (`unknown` where the wire is
 * untrusted): the HTTP schema has already rejected malformed bodies, and createTask falls back
 * to the default for any value of the wrong type instead of throwing.
 */
export interface TaskSubmission {
  description?: unknown
  metadata?: unknown
  priority?: unknown
  max_retries?: unknown
  complete_by?: unknown
  needed_capabilities?: unknown
  submitted_by?: unknown
  repo?: unknown
  branch?: unknown
  file_hints?: unknown
  success_criteria?: unknown
  verification_steps?: unknown
  /** computed by the complexity classifier before submit (smart-pipeline.md §3) */
  complexity?: Complexity | null
  max_verification_retries?: unknown
  skip_verification?: unknown
  verification_timeout_ms?: unknown
}

export interface CreateTaskOptions {
  now: number
  /** defaults to generateTaskId() */
  id?: string
  /** URL of the top active repo in the registry; inherited by tasks without a repo (§8.4). */
  inheritedRepo?: string | null
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const integerOrNull = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null)
const stringArray = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []

function fileHintsFrom(v: unknown): FileHint[] {
  if (!Array.isArray(v)) return []
  return v.filter(
    (h): h is FileHint =>
      isPlainObject(h) && typeof h.path === 'string' && h.path !== '' &&
      (h.reason === undefined || typeof h.reason === 'string'),
  )
}

function verificationStepsFrom(v: unknown): VerificationStep[] {
  if (!Array.isArray(v)) return []
  return v.filter(
    (s): s is VerificationStep =>
      isPlainObject(s) && typeof s.type === 'string' && s.type !== '' &&
      typeof s.target === 'string' && s.target !== '' &&
      (s.description === undefined || typeof s.description === 'string'),
  )
}

/**
 * Deviation from the original: absent → 0 (the original's `min(nil, 5)` gave 5) and the value
 * is clamped to 0..5 (the original did not clamp negatives).
 */
export function maxVerificationRetriesFrom(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 0
  return Math.min(MAX_VERIFICATION_RETRIES_CAP, Math.max(0, Math.trunc(v)))
}

function repoFrom(v: unknown, inherited: string | null | undefined): string | null {
  if (typeof v === 'string') {
    const normalized = normalizeRepoUrl(v)
    if (normalized !== '') return normalized
  }
  return inherited ? normalizeRepoUrl(inherited) : null
}

/** Adds an entry to a history list: newest first, never more than HISTORY_CAP entries. */
export function withHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const out = [entry, ...history]
  if (out.length > HISTORY_CAP) out.length = HISTORY_CAP
  return out
}

/** A new `queued` task with every default of task-pipeline.md §2.1 and smart-pipeline.md §2.1. */
export function createTask(input: TaskSubmission, options: CreateTaskOptions): Task {
  const { now } = options
  return {
    id: options.id ?? generateTaskId(),
    description: typeof input.description === 'string' ? input.description : '',
    metadata: isPlainObject(input.metadata) ? input.metadata : {},
    priority: priorityFromInput(input.priority),
    status: 'queued',
    assigned_to: null,
    assigned_at: null,
    generation: 0,
    retry_count: 0,
    // no range check, as in the original: 0 or negative dead-letters on the first failure
    max_retries: Number.isInteger(input.max_retries) ? (input.max_retries as number) : DEFAULT_MAX_RETRIES,
    complete_by: typeof input.complete_by === 'number' && Number.isFinite(input.complete_by) ? input.complete_by : null,
    needed_capabilities: stringArray(input.needed_capabilities),
    result: null,
    tokens_used: null,
    last_error: null,
    submitted_by: typeof input.submitted_by === 'string' ? input.submitted_by : 'unknown',
    created_at: now,
    updated_at: now,
    history: [{ event: 'queued', timestamp: now, details: 'submitted' }],
    repo: repoFrom(input.repo, options.inheritedRepo),
    branch: stringOrNull(input.branch),
    file_hints: fileHintsFrom(input.file_hints),
    success_criteria: stringArray(input.success_criteria),
    verification_steps: verificationStepsFrom(input.verification_steps),
    complexity: input.complexity ?? null,
    routing_decision: null,
    verification_report: null,
    verification_history: [],
    max_verification_retries: maxVerificationRetriesFrom(input.max_verification_retries),
    skip_verification: typeof input.skip_verification === 'boolean' ? input.skip_verification : null,
    verification_timeout_ms: integerOrNull(input.verification_timeout_ms),
    ttl_started_at: now,
  }
}

function complexityView(c: Complexity | null): Complexity | null {
  if (!c) return null
  return {
    effective_tier: c.effective_tier,
    explicit_tier: c.explicit_tier,
    source: c.source,
    inferred: { tier: c.inferred.tier, confidence: c.inferred.confidence },
  }
}

/** The HTTP/dashboard shape: hides internal fields and the complexity signals. */
export function toTaskView(task: Task): TaskView {
  const { skip_verification: _s, verification_timeout_ms: _v, ttl_started_at: _t, ...visible } = task
  return { ...visible, complexity: complexityView(task.complexity) }
}

/** Trivial tasks are exempt from the TTL; missing complexity counts as standard (§6.1). */
export function isTrivialTask(task: Pick<Task, 'complexity'>): boolean {
  return task.complexity?.effective_tier === 'trivial'
}
