// Plugs the direct executors into the task relay's TaskRunner contract (task-runner.ts):
// progress goes out through ctx.progress, a failed execution becomes `{kind:'failed'}` (sent as
// task_failed), an aborted one `{kind:'abandoned'}`. Verified work in a repository is committed,
// pushed and opened as a PR (task-submission.ts) before the completion is reported, so its
// `result.pr_url` reaches the hub.
import { silentLog, type EventLog } from '../event-log'
import type { TaskOutcome, TaskRunContext, TaskRunner } from '../task-runner'
import { recordSubmission, type SubmitWork } from '../task-submission'
import type { ExecutionClock } from './execution-clock'
import type { ExecutionTask } from './execution-types'
import type { ExecutorSet } from './dispatcher'
import { executeDirectTask, type DirectExecutionOutcome } from './direct-execution'

export interface DirectRunnerOptions {
  clock?: ExecutionClock
  env?: NodeJS.ProcessEnv
  ollamaUrl?: string | null
  executors?: ExecutorSet
  /** hands verified work in a worktree back (commit, push, PR); none: the work stays local */
  submit?: SubmitWork
  log?: EventLog
}

export function toTaskOutcome(outcome: DirectExecutionOutcome): TaskOutcome {
  if (outcome.outcome === 'aborted') return { kind: 'abandoned' }
  if (outcome.outcome === 'failed') return { kind: 'failed', reason: outcome.reason }
  return {
    kind: 'complete',
    result: { ...outcome.result },
    verification_report: outcome.verification_report ? { ...outcome.verification_report } : null,
    verification_history: outcome.verification_history.map((r) => ({ ...r })),
    tokens_used: outcome.tokens_used,
  }
}

export class DirectExecutionRunner implements TaskRunner {
  constructor(private readonly options: DirectRunnerOptions = {}) {}

  async run(ctx: TaskRunContext): Promise<TaskOutcome> {
    const executed = await executeDirectTask(ctx.task as ExecutionTask, {
      workspaceDir: ctx.workspaceDir,
      sendProgress: ({ event_type, text, tokens_so_far, model }) => ctx.progress({ event_type, text, tokens_so_far, model }),
      clock: this.options.clock,
      signal: ctx.signal,
      env: this.options.env,
      ollamaUrl: this.options.ollamaUrl,
      executors: this.options.executors,
    })
    if (executed.outcome !== 'aborted') this.logVerification(ctx.task.task_id, executed)
    const outcome = toTaskOutcome(executed)
    if (outcome.kind === 'complete' && executed.outcome === 'completed' && executed.result.verification_status === 'verified') {
      await this.submitWork(ctx, outcome, executed)
    }
    return outcome
  }

  private async submitWork(ctx: TaskRunContext, outcome: Extract<TaskOutcome, { kind: 'complete' }>, executed: CompletedExecution): Promise<void> {
    const { submit } = this.options
    if (!submit || !ctx.workspaceDir || ctx.signal.aborted) return
    const { estimated_cost_usd, tokens_in, tokens_out, model_used } = executed.result
    const submission = await submit({
      task: ctx.task,
      workspaceDir: ctx.workspaceDir,
      verificationReport: outcome.verification_report,
      cost: { estimated_cost_usd, tokens_in, tokens_out, model_used },
    })
    recordSubmission(outcome.result, submission)
  }

  /** The original sent verification results only inside the report frame; operators read logs. */
  private logVerification(taskId: string, executed: Exclude<DirectExecutionOutcome, { outcome: 'aborted' }>): void {
    const report = executed.verification_report
    ;(this.options.log ?? silentLog).log(executed.outcome === 'completed' && executed.result.verification_status === 'verified' ? 'info' : 'warning', 'verification_result', {
      task_id: taskId,
      verification_status: executed.result.verification_status,
      verification_attempts: executed.result.verification_attempts,
      executions: executed.result.executions,
      report_status: report?.status ?? null,
      failed_checks: (report?.checks ?? []).filter((c) => c.status !== 'pass').map((c) => c.type),
    })
  }
}

type CompletedExecution = Extract<DirectExecutionOutcome, { outcome: 'completed' }>
