// Runs a task's verification steps into one report (sidecar.md §10). Checks run in submission
// order, all of them (no fail-fast). `verification_timeout_ms` (default 120 s) is a real
// deadline for the whole run: the running check is killed, the ones not reached are reported
// as `timeout`, and the report status is `timeout`. Unlike the original (which blocked the event
// loop, so its timer never fired, and then returned `checks: []`), the report keeps the results
// of the checks that did finish.
import { systemExecutionClock, type ExecutionClock } from '../executors/execution-clock'
import type { ExecutionTask } from '../executors/execution-types'
import { parseStep, runCheck } from './verification-checks'
import {
  emptyReport,
  overallStatus,
  summarize,
  type CheckResult,
  type VerificationReport,
} from './verification-report'

export const DEFAULT_VERIFICATION_TIMEOUT_MS = 120_000

export interface VerificationOptions {
  /** where relative targets resolve and commands run; the sidecar's cwd when null */
  workspaceDir: string | null
  clock?: ExecutionClock
  runNumber?: number
  env?: NodeJS.ProcessEnv
  /** aborting stops the run like its deadline does */
  signal?: AbortSignal
}

export function verificationTimeoutMs(task: Pick<ExecutionTask, 'verification_timeout_ms'>): number {
  const v = task.verification_timeout_ms
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULT_VERIFICATION_TIMEOUT_MS
}

export async function runVerification(task: ExecutionTask, opts: VerificationOptions): Promise<VerificationReport> {
  const clock = opts.clock ?? systemExecutionClock
  const timeoutMs = verificationTimeoutMs(task)
  const base = { task_id: task.task_id, run_number: opts.runNumber ?? 1, started_at: clock.now(), timeout_ms: timeoutMs }
  if (task.skip_verification === true) return emptyReport('skip', base)
  const rawSteps = Array.isArray(task.verification_steps) ? task.verification_steps : []
  if (rawSteps.length === 0) return emptyReport('auto_pass', base)

  const deadline = new AbortController()
  const timer = clock.setTimeout(() => deadline.abort(), timeoutMs)
  const onOuterAbort = (): void => deadline.abort()
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true })
  if (opts.signal?.aborted) deadline.abort()
  try {
    const checks: CheckResult[] = []
    for (const raw of rawSteps) checks.push(await runStep(raw, base.started_at + timeoutMs))
    return {
      ...base,
      status: deadline.signal.aborted ? 'timeout' : overallStatus(checks),
      duration_ms: Math.max(0, clock.now() - base.started_at),
      checks,
      summary: summarize(checks),
    }
  } catch {
    // unreachable in practice (checks catch their own errors); kept as the spec's error shape
    return {
      ...base,
      status: 'error',
      duration_ms: Math.max(0, clock.now() - base.started_at),
      checks: [],
      summary: { total: rawSteps.length, passed: 0, failed: 0, errors: rawSteps.length, timed_out: 0 },
    }
  } finally {
    clock.clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onOuterAbort)
  }

  async function runStep(raw: unknown, deadlineAt: number): Promise<CheckResult> {
    const step = parseStep(raw)
    if ('error' in step) {
      return { type: step.type, target: step.target, description: null, status: 'error', output: step.error, duration_ms: 0 }
    }
    if (deadline.signal.aborted) {
      const output = `Not run: verification timed out after ${timeoutMs}ms`
      return { type: step.type, target: step.target, description: step.description, status: 'timeout', output, duration_ms: 0 }
    }
    const remaining = Math.max(1, deadlineAt - clock.now())
    return runCheck(step, {
      workspaceDir: opts.workspaceDir ?? process.cwd(),
      clock,
      env: opts.env,
      timeoutMs: step.timeout_ms ? Math.min(step.timeout_ms, remaining) : remaining,
      signal: deadline.signal,
    })
  }
}
