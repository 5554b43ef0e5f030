// The trivial-tier executor (sidecar.md §9.4), target_type "sidecar". It runs ONLY the
// operator-provided `metadata.shell_command` — never the task description. (The original fell
// back to executing the description, and every description-only task is classified trivial, so
// any token holder could run prose as shell commands on every agent host.)
//
// `shell_command` may be an argv array (spawned directly, no shell) or a string, which is an
// explicit command line and runs through `/bin/sh -c` (`cmd /d /s /c` on Windows), as the
// operator wrote it. cwd = the task workspace, else the sidecar's directory.
import { runProcess, shellCommandArgv } from './child-process'
import {
  failedResult,
  metadataValue,
  taskTimeoutMs,
  type ExecutionContext,
  type ExecutionTask,
  type Executor,
  type ExecutorResult,
} from './execution-types'

export const SHELL_DEFAULTS = {
  attempts: 2,
  timeoutMs: 60_000,
  killGraceMs: 5_000,
  maxOutputBytes: 1024 * 1024,
}

export const NO_SHELL_COMMAND_ERROR =
  'No shell command: the task has no metadata.shell_command (the sidecar never runs a task description as a command)'

export type ShellCommand = { file: string; args: string[]; display: string }

/** The command to run, or an error text when `metadata.shell_command` is missing or malformed. */
export function shellCommandOf(task: ExecutionTask): ShellCommand | { error: string } {
  const raw = metadataValue(task, 'shell_command')
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return { error: NO_SHELL_COMMAND_ERROR }
  if (typeof raw === 'string') return { ...shellCommandArgv(raw), display: raw }
  if (Array.isArray(raw) && raw.length > 0 && raw.every((a) => typeof a === 'string') && (raw[0] as string) !== '') {
    const argv = raw as string[]
    return { file: argv[0], args: argv.slice(1), display: JSON.stringify(argv) }
  }
  return { error: 'Invalid metadata.shell_command: expected a non-empty string or an array of strings (argv)' }
}

export class ShellExecutor implements Executor {
  readonly targetType = 'sidecar' as const

  constructor(private readonly options: Partial<typeof SHELL_DEFAULTS> = {}) {}

  async execute(task: ExecutionTask, ctx: ExecutionContext): Promise<ExecutorResult> {
    const settings = { ...SHELL_DEFAULTS, ...this.options }
    const command = shellCommandOf(task)
    if ('error' in command) {
      ctx.onEvent({ type: 'error', text: command.error })
      return failedResult('none', command.error, 0)
    }
    const timeoutMs = taskTimeoutMs(task, settings.timeoutMs)
    let last: ExecutorResult = failedResult('none', 'not run', 0)
    for (let attempt = 1; attempt <= settings.attempts; attempt++) {
      if (attempt > 1) ctx.onEvent({ type: 'status', text: `Shell retry ${attempt - 1}/${settings.attempts - 1}...` })
      last = await this.runOnce(command, timeoutMs, settings, ctx, attempt)
      if (last.status === 'success' || ctx.signal?.aborted) break
    }
    if (last.status === 'failed') ctx.onEvent({ type: 'error', text: last.error ?? 'Shell command failed' })
    return last
  }

  private async runOnce(
    command: ShellCommand,
    timeoutMs: number,
    settings: typeof SHELL_DEFAULTS,
    ctx: ExecutionContext,
    attempt: number,
  ): Promise<ExecutorResult> {
    const outcome = await runProcess({
      file: command.file,
      args: command.args,
      cwd: ctx.workspaceDir ?? undefined,
      env: ctx.env,
      timeoutMs,
      killGraceMs: settings.killGraceMs,
      clock: ctx.clock,
      signal: ctx.signal,
      maxOutputBytes: settings.maxOutputBytes,
      onStdout: (text) => ctx.onEvent({ type: 'stdout', text }),
      onStderr: (text) => ctx.onEvent({ type: 'stderr', text }),
      onTimeout: () => ctx.onEvent({ type: 'status', text: `Command timed out after ${timeoutMs}ms, sending SIGTERM` }),
    })
    const fail = (error: string): ExecutorResult => failedResult('none', error, attempt, outcome.stdout)
    if (outcome.spawnError) return fail(`Command could not be started: ${outcome.spawnError.message}`)
    if (outcome.aborted) return fail('Command aborted: the task was taken away or the sidecar is stopping')
    if (outcome.timedOut) return fail(`Command timed out after ${timeoutMs}ms`)
    if (outcome.exitCode !== 0) {
      const how = outcome.exitCode === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.exitCode}`
      return fail(`Command ${how}: ${outcome.stderr.slice(0, 500)}`)
    }
    return { ...failedResult('none', '', attempt, outcome.stdout), status: 'success', error: null }
  }
}
