// Handing finished work back to the team (spec §13.4 `submit`): commit what the task changed in
// its worktree, push the task branch and open the PR. Both paths use it — the wake path after a
// session's result file, the direct path after a verified execution (the original's direct path
// never did, so Ollama/Claude/shell work was thrown away with the worktree).
import { errorMessage, type EventLog } from './event-log'
import { submit as gitSubmit, type GitResult, type GitWorkflowOptions } from './git-workflow'
import type { TaskRecord } from './local-queue'

export type SubmissionOutcome =
  | { kind: 'opened'; pr_url: string; branch: string }
  /** the task left the repository as it found it: nothing to push, nothing to review */
  | { kind: 'no_changes' }
  | { kind: 'failed'; error: string }

export interface SubmissionInput {
  task: TaskRecord
  workspaceDir: string
  verificationReport: Record<string, unknown> | null
  /** e.g. {estimated_cost_usd, tokens_in, tokens_out}: shown in the PR body */
  cost?: Record<string, unknown>
}

export type SubmitWork = (input: SubmissionInput) => Promise<SubmissionOutcome>

/** The submit step of one agent, with its git options; logs what happened to the work. */
export function workSubmitter(agentId: string, git: GitWorkflowOptions, log: EventLog): SubmitWork {
  return async ({ task, workspaceDir, verificationReport, cost }) => {
    let r: GitResult
    try {
      r = await gitSubmit(workspaceDir, { agent_id: agentId, task_id: task.task_id, task, verification_report: verificationReport, cost }, git)
    } catch (err) {
      r = { status: 'error', error: 'unexpected_error', message: errorMessage(err) }
    }
    if (r.status === 'ok') {
      log.log('info', 'git_submitted', { task_id: task.task_id, pr_url: r.pr_url, branch: r.branch })
      return { kind: 'opened', pr_url: String(r.pr_url), branch: String(r.branch) }
    }
    if (r.error === 'no_commits') {
      log.log('info', 'git_nothing_to_submit', { task_id: task.task_id, branch: r.branch })
      return { kind: 'no_changes' }
    }
    const error = `${r.error}${typeof r.message === 'string' && r.message !== '' ? `: ${r.message}` : ''}`
    log.log('warning', 'git_submit_failed', { task_id: task.task_id, error })
    return { kind: 'failed', error }
  }
}

/** Puts the outcome on the task's result: `pr_url` when a PR was opened, `submit_error` when the push or PR failed. */
export function recordSubmission(result: Record<string, unknown>, outcome: SubmissionOutcome): void {
  if (outcome.kind === 'opened') result.pr_url = outcome.pr_url
  else if (outcome.kind === 'failed') result.submit_error = outcome.error
}
