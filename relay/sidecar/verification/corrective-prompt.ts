// The corrective task for a verification retry (sidecar.md §9.5): the original task with its
// description replaced by a prompt listing the failed checks (anything not `pass`), the passed
// ones, the original description and the previous output.
import { truncateText } from '../executors/capped-output'
import type { ExecutionTask } from '../executors/execution-types'
import type { VerificationReport } from './verification-report'

export const CHECK_OUTPUT_PROMPT_CHARS = 500
export const PREVIOUS_OUTPUT_PROMPT_CHARS = 1000

export type CorrectiveTask<T extends ExecutionTask> = T & { _original_description: string; _verification_attempt: number }

export function correctivePrompt(args: {
  attempt: number
  maxRetries: number
  originalDescription: string
  previousOutput: string
  lastReport: Pick<VerificationReport, 'checks'> | null
}): string {
  const checks = args.lastReport?.checks ?? []
  const failed = checks
    .filter((c) => c.status !== 'pass')
    .map((c) => `- ${c.type} (${c.target}): ${c.status.toUpperCase()}\n  Output: ${truncateText(c.output ?? '', CHECK_OUTPUT_PROMPT_CHARS)}`)
  const passed = checks.filter((c) => c.status === 'pass').map((c) => `- ${c.type} (${c.target}): PASS`)
  return [
    `VERIFICATION RETRY ${args.attempt}/${args.maxRetries}: Your previous work failed verification checks.`,
    '',
    'FAILED CHECKS:',
    failed.length > 0 ? failed.join('\n') : '(none)',
    '',
    'PASSED CHECKS (keep these passing):',
    passed.length > 0 ? passed.join('\n') : '(none)',
    '',
    'ORIGINAL TASK:',
    args.originalDescription,
    '',
    'YOUR PREVIOUS OUTPUT:',
    truncateText(args.previousOutput, PREVIOUS_OUTPUT_PROMPT_CHARS),
    '',
    'Fix the failing verification checks. Focus on the specific failures above.',
    'Do not redo the parts that already work -- only fix what is broken.',
  ].join('\n')
}

export function buildCorrectiveTask<T extends ExecutionTask>(
  original: T,
  previousOutput: string,
  lastReport: Pick<VerificationReport, 'checks'> | null,
  attempt: number,
  maxRetries: number,
): CorrectiveTask<T> {
  const preserved = (original as { _original_description?: unknown })._original_description
  const originalDescription = typeof preserved === 'string' ? preserved : (original.description ?? '')
  return {
    ...original,
    description: correctivePrompt({ attempt, maxRetries, originalDescription, previousOutput, lastReport }),
    _original_description: originalDescription,
    _verification_attempt: attempt,
  }
}
