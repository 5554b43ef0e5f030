// The four check types (sidecar.md §10.2), run asynchronously with a per-check deadline so a
// hanging check never blocks the sidecar (the original used execSync with no timeout). Every
// relative target is resolved against the task WORKSPACE (the original resolved file_exists and
// git_clean against the sidecar's own cwd). Commands (`test_passes`, `command_succeeds`) are the
// submitter's command lines and run through `/bin/sh -c` in the workspace.
import { stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { runProcess, shellCommandArgv, type ProcessOutcome } from '../executors/child-process'
import type { ExecutionClock } from '../executors/execution-clock'
import { detectTestCommand, noTestRunnerMessage } from './test-runner-detection'
import type { CheckResult, CheckStatus } from './verification-report'

/** report outputs are bounded: they travel to the hub inside task_complete */
export const CHECK_OUTPUT_MAX_CHARS = 10_000

export interface VerificationStep {
  type: string
  target: string
  description: string | null
  /** optional per-check limit; the run's global deadline applies regardless */
  timeout_ms: number | null
}

export interface CheckContext {
  workspaceDir: string
  clock: ExecutionClock
  env?: NodeJS.ProcessEnv
  timeoutMs: number
  /** aborted when the run's global deadline passes or the task is taken away */
  signal: AbortSignal
}

/** Validates one raw `verification_steps` item; a bad item becomes an `error` check, never a crash. */
export function parseStep(raw: unknown): VerificationStep | { error: string; type: string; target: string } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { error: 'Invalid verification step: expected an object with "type" and "target"', type: '', target: '' }
  }
  const { type, target, description, timeout_ms } = raw as Record<string, unknown>
  const typeText = typeof type === 'string' ? type : ''
  const targetText = typeof target === 'string' ? target : ''
  if (typeText.trim() === '' || targetText.trim() === '') {
    return { error: 'Invalid verification step: "type" and "target" must be non-empty strings', type: typeText, target: targetText }
  }
  return {
    type: typeText,
    target: targetText,
    description: typeof description === 'string' ? description : null,
    timeout_ms: typeof timeout_ms === 'number' && Number.isInteger(timeout_ms) && timeout_ms > 0 ? timeout_ms : null,
  }
}

export function resolveInWorkspace(workspaceDir: string, target: string): string {
  return isAbsolute(target) ? target : resolve(workspaceDir, target)
}

/** Keeps the start and the (usually more telling) end of long output. */
export function boundOutput(text: string, max = CHECK_OUTPUT_MAX_CHARS): string {
  if (text.length <= max) return text
  const head = Math.floor(max * 0.2)
  const tail = max - head
  return `${text.slice(0, head)}\n...(${text.length - max} characters omitted)...\n${text.slice(-tail)}`
}

type Verdict = { status: CheckStatus; output: string }

export async function runCheck(step: VerificationStep, ctx: CheckContext): Promise<CheckResult> {
  const startedAt = ctx.clock.now()
  let verdict: Verdict
  try {
    verdict = await judge(step, ctx)
  } catch (err) {
    verdict = { status: 'error', output: `Check execution error: ${err instanceof Error ? err.message : String(err)}` }
  }
  return {
    type: step.type,
    target: step.target,
    description: step.description,
    status: verdict.status,
    output: boundOutput(verdict.output),
    duration_ms: Math.max(0, ctx.clock.now() - startedAt),
  }
}

function judge(step: VerificationStep, ctx: CheckContext): Promise<Verdict> {
  switch (step.type) {
    case 'file_exists':
      return fileExists(step.target, ctx)
    case 'test_passes':
      return testPasses(step.target, ctx)
    case 'command_succeeds':
      return commandSucceeds(step.target, ctx)
    case 'git_clean':
      return gitClean(step.target, ctx)
    default:
      return Promise.resolve({ status: 'error', output: `Unknown check type: ${step.type}` })
  }
}

async function fileExists(target: string, ctx: CheckContext): Promise<Verdict> {
  try {
    await stat(resolveInWorkspace(ctx.workspaceDir, target))
    return { status: 'pass', output: '' }
  } catch {
    return { status: 'fail', output: `File not found: ${target}` }
  }
}

async function testPasses(target: string, ctx: CheckContext): Promise<Verdict> {
  if (target.trim() !== 'auto') return commandSucceeds(target, ctx)
  const argv = await detectTestCommand(ctx.workspaceDir)
  if (!argv) return { status: 'error', output: noTestRunnerMessage(ctx.workspaceDir) }
  return verdictOf(await run(argv[0], argv.slice(1), ctx.workspaceDir, ctx), ctx)
}

async function commandSucceeds(command: string, ctx: CheckContext): Promise<Verdict> {
  const { file, args } = shellCommandArgv(command)
  return verdictOf(await run(file, args, ctx.workspaceDir, ctx), ctx)
}

async function gitClean(target: string, ctx: CheckContext): Promise<Verdict> {
  const dir = resolveInWorkspace(ctx.workspaceDir, target)
  try {
    if (!(await stat(dir)).isDirectory()) return { status: 'error', output: `Not a directory: ${target}` }
  } catch {
    return { status: 'error', output: `Directory not found: ${target}` }
  }
  const outcome = await run('git', ['status', '--porcelain'], dir, ctx)
  if (outcome.timedOut || outcome.aborted || outcome.spawnError) return verdictOf(outcome, ctx)
  if (outcome.exitCode !== 0) return { status: 'error', output: (outcome.stderr || outcome.stdout).trim() || `git status exited with code ${outcome.exitCode}` }
  const porcelain = outcome.stdout.trimEnd()
  return porcelain.trim() === '' ? { status: 'pass', output: '' } : { status: 'fail', output: porcelain }
}

function run(file: string, args: readonly string[], cwd: string, ctx: CheckContext): Promise<ProcessOutcome> {
  return runProcess({ file, args, cwd, env: ctx.env, timeoutMs: ctx.timeoutMs, clock: ctx.clock, signal: ctx.signal })
}

function verdictOf(outcome: ProcessOutcome, ctx: CheckContext): Verdict {
  const combined = outcome.stdout + outcome.stderr
  if (outcome.spawnError) return { status: 'error', output: `Check execution error: ${outcome.spawnError.message}` }
  if (outcome.aborted) return { status: 'timeout', output: `Check stopped: verification deadline passed\n${combined}`.trim() }
  if (outcome.timedOut) return { status: 'timeout', output: `Check timed out after ${ctx.timeoutMs}ms\n${combined}`.trim() }
  if (outcome.exitCode === 0) return { status: 'pass', output: outcome.stdout }
  return { status: 'fail', output: combined }
}
