// Build → verify → fix (sidecar.md §9.5). LLM tasks get up to `max_verification_retries`
// corrective runs (clamped to 0…5; the original threw on a negative value and the hub's HTTP
// default let 5 through unasked); shell tasks run and are verified once, never retried. Tokens,
// cost AND execution time are summed over every run (the original summed only tokens and cost).
import { dispatch, targetTypeOf, type ExecutorSet } from '../executors/dispatcher'
import type { ExecutionContext, ExecutionResult, ExecutionTask } from '../executors/execution-types'
import { buildCorrectiveTask } from './corrective-prompt'
import { isPassingReport, failedChecks, type VerificationReport } from './verification-report'
import { runVerification } from './verification-runner'

export const MAX_VERIFICATION_RETRIES = 5

export type VerificationStatus = 'verified' | 'partial_pass' | 'execution_failed'

export interface RunTotals {
  tokens_in: number
  tokens_out: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  estimated_cost_usd: number
  equivalent_claude_cost_usd: number | null
  execution_ms: number
}

export interface LoopResult {
  verification_status: VerificationStatus
  /** the last executor run (its output, model and error are what gets reported) */
  last: ExecutionResult
  /** sums over every executor run of the loop */
  totals: RunTotals
  /** executor runs made (1 + corrective retries) */
  executions: number
  verification_report: VerificationReport | null
  verification_history: VerificationReport[]
  verification_attempts: number
}

export interface LoopOptions {
  executors?: ExecutorSet
  /** replaces the verification runner (tests); receives the ORIGINAL task and the run number */
  verify?: (task: ExecutionTask, runNumber: number) => Promise<VerificationReport>
}

export function verificationRetryBudget(task: Pick<ExecutionTask, 'max_verification_retries'>): number {
  const v = task.max_verification_retries
  if (typeof v !== 'number' || !Number.isFinite(v)) return 0
  return Math.min(MAX_VERIFICATION_RETRIES, Math.max(0, Math.floor(v)))
}

function addRun(totals: RunTotals, run: ExecutionResult): void {
  totals.tokens_in += run.tokens_in
  totals.tokens_out += run.tokens_out
  totals.cache_creation_input_tokens += run.cache_creation_input_tokens
  totals.cache_read_input_tokens += run.cache_read_input_tokens
  totals.estimated_cost_usd = Math.round((totals.estimated_cost_usd + run.estimated_cost_usd) * 1e9) / 1e9
  if (run.equivalent_claude_cost_usd !== null) {
    totals.equivalent_claude_cost_usd = Math.round(((totals.equivalent_claude_cost_usd ?? 0) + run.equivalent_claude_cost_usd) * 1e9) / 1e9
  }
  totals.execution_ms += run.execution_ms
}

export async function executeWithVerification(task: ExecutionTask, ctx: ExecutionContext, opts: LoopOptions = {}): Promise<LoopResult> {
  const verify =
    opts.verify ??
    ((t: ExecutionTask, runNumber: number) =>
      runVerification(t, { workspaceDir: ctx.workspaceDir, clock: ctx.clock, runNumber, env: ctx.env, signal: ctx.signal }))
  const totals: RunTotals = {
    tokens_in: 0,
    tokens_out: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    estimated_cost_usd: 0,
    equivalent_claude_cost_usd: null,
    execution_ms: 0,
  }
  const reports: VerificationReport[] = []
  let executions = 0
  const finish = (status: VerificationStatus, last: ExecutionResult): LoopResult => ({
    verification_status: status,
    last,
    totals,
    executions,
    verification_report: reports.length > 0 ? reports[reports.length - 1] : null,
    verification_history: reports,
    verification_attempts: reports.length,
  })

  const isShell = targetTypeOf(task) === 'sidecar'
  const maxRetries = isShell ? 0 : verificationRetryBudget(task)
  let current: ExecutionTask = task
  let last: ExecutionResult | null = null
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (attempt > 0 && last) {
      const lastReport = reports[reports.length - 1] ?? null
      current = buildCorrectiveTask(task, last.output, lastReport, attempt, maxRetries)
      ctx.onEvent({
        type: 'status',
        text: `Verification retry ${attempt}/${maxRetries}: fixing ${failedChecks(lastReport).length} failed checks...`,
      })
    }
    last = await dispatch(current, ctx, opts.executors)
    executions++
    addRun(totals, last)
    if (last.status !== 'success' || ctx.signal?.aborted) return finish('execution_failed', last)
    const report = await verify(task, attempt + 1)
    reports.push(report)
    if (isPassingReport(report)) return finish('verified', last)
  }
  return finish('partial_pass', last as ExecutionResult)
}
