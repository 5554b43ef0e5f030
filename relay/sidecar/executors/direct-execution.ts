// The v1.2 direct path's work (sidecar.md §8.1 steps 2–6): progress emitter → self-verifying
// execution → the fields of the outcome frame. The outcome says plainly whether the work
// FAILED: the original sent `task_complete` even when the executor failed, so the hub never
// retried or reassigned it. Here `failed` is meant to be sent as `task_failed` (with `reason`).
import { systemExecutionClock, type ExecutionClock } from './execution-clock'
import type { ExecutionTask } from './execution-types'
import type { ExecutorSet } from './dispatcher'
import { ProgressEmitter, type ExecutionEventSend } from './progress-emitter'
import { executeWithVerification, type LoopResult, type VerificationStatus } from '../verification/self-verification-loop'
import type { VerificationReport } from '../verification/verification-report'

/** `task_complete.result` (§8.3) plus the fields the original left out. */
export interface TaskResultPayload {
  status: 'success' | 'failed'
  output: string
  model_used: string
  target_type: string
  tokens_in: number
  tokens_out: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  /** tokens_in + tokens_out over every run; the hub falls back to result.tokens_used */
  tokens_used: number
  estimated_cost_usd: number
  equivalent_claude_cost_usd: number | null
  execution_ms: number
  verification_status: VerificationStatus
  verification_attempts: number
  /** executor runs, corrective retries included */
  executions: number
  error: string | null
}

interface OutcomeBody {
  result: TaskResultPayload
  verification_report: VerificationReport | null
  verification_history: VerificationReport[]
  tokens_used: number
}

export type DirectExecutionOutcome =
  /** send `task_complete` with these fields (verified or partial_pass) */
  | ({ outcome: 'completed' } & OutcomeBody)
  /** send `task_failed` with `reason`; the rest is for logs */
  | ({ outcome: 'failed'; reason: string } & OutcomeBody)
  /** the task was taken away or the sidecar is stopping: send nothing */
  | { outcome: 'aborted'; reason: string }

export interface DirectExecutionOptions {
  workspaceDir: string | null
  /** receives each `execution_event` for a `task_progress` frame (already batched) */
  sendProgress: ExecutionEventSend
  clock?: ExecutionClock
  signal?: AbortSignal
  env?: NodeJS.ProcessEnv
  ollamaUrl?: string | null
  executors?: ExecutorSet
}

export function resultPayload(loop: LoopResult): TaskResultPayload {
  const { last, totals } = loop
  return {
    status: last.status,
    output: last.output,
    model_used: last.model_used,
    target_type: last.target_type,
    tokens_in: totals.tokens_in,
    tokens_out: totals.tokens_out,
    cache_creation_input_tokens: totals.cache_creation_input_tokens,
    cache_read_input_tokens: totals.cache_read_input_tokens,
    tokens_used: totals.tokens_in + totals.tokens_out,
    estimated_cost_usd: totals.estimated_cost_usd,
    equivalent_claude_cost_usd: totals.equivalent_claude_cost_usd,
    execution_ms: totals.execution_ms,
    verification_status: loop.verification_status,
    verification_attempts: loop.verification_attempts,
    executions: loop.executions,
    error: last.error,
  }
}

export function outcomeOf(loop: LoopResult, signal?: AbortSignal): DirectExecutionOutcome {
  if (signal?.aborted) return { outcome: 'aborted', reason: 'execution aborted' }
  const result = resultPayload(loop)
  const body: OutcomeBody = {
    result,
    verification_report: loop.verification_report,
    verification_history: loop.verification_history,
    tokens_used: result.tokens_used,
  }
  if (loop.verification_status === 'execution_failed') {
    return { outcome: 'failed', reason: `execution_failed: ${result.error ?? 'the executor failed'}`, ...body }
  }
  return { outcome: 'completed', ...body }
}

export async function executeDirectTask(task: ExecutionTask, opts: DirectExecutionOptions): Promise<DirectExecutionOutcome> {
  const clock = opts.clock ?? systemExecutionClock
  const emitter = new ProgressEmitter(clock, opts.sendProgress)
  try {
    const loop = await executeWithVerification(
      task,
      { workspaceDir: opts.workspaceDir, onEvent: emitter.emit, clock, signal: opts.signal, env: opts.env, ollamaUrl: opts.ollamaUrl },
      { executors: opts.executors },
    )
    return outcomeOf(loop, opts.signal)
  } finally {
    emitter.destroy()
  }
}
