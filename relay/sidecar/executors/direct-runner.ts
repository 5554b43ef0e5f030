// Plugs the direct executors into the task relay's TaskRunner contract (task-runner.ts):
// progress goes out through ctx.progress, a failed execution becomes `{kind:'failed'}` (sent as
// task_failed), an aborted one `{kind:'abandoned'}`.
import type { TaskOutcome, TaskRunContext, TaskRunner } from '../task-runner'
import type { ExecutionClock } from './execution-clock'
import type { ExecutionTask } from './execution-types'
import type { ExecutorSet } from './dispatcher'
import { executeDirectTask, type DirectExecutionOutcome } from './direct-execution'

export interface DirectRunnerOptions {
  clock?: ExecutionClock
  env?: NodeJS.ProcessEnv
  ollamaUrl?: string | null
  executors?: ExecutorSet
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
    const outcome = await executeDirectTask(ctx.task as ExecutionTask, {
      workspaceDir: ctx.workspaceDir,
      sendProgress: ({ event_type, text, tokens_so_far, model }) => ctx.progress({ event_type, text, tokens_so_far, model }),
      clock: this.options.clock,
      signal: ctx.signal,
      env: this.options.env,
      ollamaUrl: this.options.ollamaUrl,
      executors: this.options.executors,
    })
    return toTaskOutcome(outcome)
  }
}
