// The shapes shared by the executors, the dispatcher and the self-verification loop
// (sidecar.md §8–9). Field names that reach the hub keep the original's wire names.
import type { ExecutionClock } from './execution-clock'

export const TARGET_TYPES = ['sidecar', 'ollama', 'claude'] as const
export type TargetType = (typeof TARGET_TYPES)[number]

/**
 * The task as the executors see it: the `task_assign` payload (or the sidecar's persisted task
 * record, which carries the same fields). Everything but the id is optional and loosely typed
 * because it comes from the hub and is checked where it is used.
 */
export interface ExecutionTask {
  task_id: string
  description?: string | null
  metadata?: Record<string, unknown> | null
  repo?: string | null
  branch?: string | null
  file_hints?: readonly unknown[] | null
  success_criteria?: readonly unknown[] | null
  verification_steps?: readonly unknown[] | null
  complexity?: Record<string, unknown> | null
  routing_decision?: Record<string, unknown> | null
  skip_verification?: boolean | null
  verification_timeout_ms?: number | null
  max_verification_retries?: number | null
}

/** Events executors emit while working (§8.2). */
export type ExecutorEventType = 'token' | 'status' | 'error' | 'stdout' | 'stderr'
export interface ExecutorEvent {
  type: ExecutorEventType
  text: string
  /** characters of output so far (the original's meaning), for `token` events */
  tokens_so_far?: number | null
  model?: string | null
}
export type ExecutorEventSink = (event: ExecutorEvent) => void

/** What a single executor run produced, before timing and pricing. Executors never throw. */
export interface ExecutorResult {
  status: 'success' | 'failed'
  output: string
  model_used: string
  /** all prompt tokens processed, cache reads and writes included */
  tokens_in: number
  tokens_out: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  /** the cost the provider itself reported (Claude Code's total_cost_usd), if any */
  reported_cost_usd: number | null
  /** executor attempts made (retries included) */
  attempts: number
  error: string | null
}

/** The dispatcher's result: an executor run with wall time and cost (§9.1). */
export interface ExecutionResult extends ExecutorResult {
  target_type: TargetType
  estimated_cost_usd: number
  equivalent_claude_cost_usd: number | null
  execution_ms: number
}

export interface ExecutionContext {
  /** the task's workspace (its git worktree); commands and Claude run there */
  workspaceDir: string | null
  onEvent: ExecutorEventSink
  clock: ExecutionClock
  /** aborted when the task is taken away or the sidecar stops: children are killed, requests cut */
  signal?: AbortSignal
  /** environment for child processes (PATH decides which `claude` runs) */
  env?: NodeJS.ProcessEnv
  /** the sidecar's configured Ollama URL, used when the routing decision names no endpoint */
  ollamaUrl?: string | null
}

export interface Executor {
  readonly targetType: TargetType
  execute(task: ExecutionTask, ctx: ExecutionContext): Promise<ExecutorResult>
}

export function failedResult(model: string, error: string, attempts: number, output = ''): ExecutorResult {
  return {
    status: 'failed',
    output,
    model_used: model,
    tokens_in: 0,
    tokens_out: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    reported_cost_usd: null,
    attempts,
    error,
  }
}

export function routingString(task: ExecutionTask, key: string): string | null {
  const value = task.routing_decision?.[key]
  return typeof value === 'string' && value.trim() !== '' ? value : null
}

export function metadataValue(task: ExecutionTask, key: string): unknown {
  const metadata = task.metadata
  return metadata && typeof metadata === 'object' ? metadata[key] : undefined
}

/** `metadata.timeout_ms` when it is a positive integer, else the default. */
export function taskTimeoutMs(task: ExecutionTask, fallback: number): number {
  const value = metadataValue(task, 'timeout_ms')
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback
}
