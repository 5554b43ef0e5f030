// The legacy wake path (spec sidecar.md §7), defects fixed:
// - the wake command is run WITHOUT a shell, task fields substituted into argv elements in one
//   literal pass, so nothing in a task's text can become code;
// - a `.started` file written while the wake command is still running counts (the session runs
//   synchronously) and stops the retry loop instead of starting duplicate sessions;
// - result files that already exist (written while the sidecar was down) are picked up;
// - a session that never writes its result ends after `wake_session_timeout_ms`.
// Keep-alive progress frames come from the TaskRelay. All waits use the injected Clock.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, statSync, unlinkSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import type { Clock, TimerHandle } from './clock'
import { sleep } from './executors/execution-clock'
import { errorMessage, type EventLog } from './event-log'
import type { TaskRecord } from './local-queue'
import type { TaskOutcome, TaskRunContext, TaskRunner } from './task-runner'
import { recordSubmission, type SubmitWork } from './task-submission'

export const WAKE_DEFAULTS = {
  execTimeoutMs: 60_000,
  /** waits before attempts 2, 3 and 4 */
  retryWaitsMs: [5_000, 15_000, 30_000],
  killGraceMs: 5_000,
  pollIntervalMs: 1_000,
  maxCapturedOutput: 64 * 1024,
}

export const WAKE_FAILED_REASON = 'wake_failed_after_3_attempts' // (wire) the original's text

/** Fills the argv template: one literal pass per element; inserted text is never re-scanned. */
export function substituteWakeArgv(template: readonly string[], task: TaskRecord): string[] {
  const values: Record<string, string> = {
    TASK_ID: task.task_id,
    TASK_JSON: JSON.stringify({ ...task, status: 'waking', wake_attempts: 0 }),
    TASK_DESCRIPTION: task.description,
  }
  return template.map((arg) => arg.replace(/\$\{(TASK_ID|TASK_JSON|TASK_DESCRIPTION)\}/g, (_m, name: string) => values[name]))
}

export interface CommandResult {
  ok: boolean
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** set when the program could not be started at all (e.g. ENOENT) */
  spawnError: string | null
  stdout: string
  stderr: string
}

export interface RunCommandOptions {
  clock: Clock
  timeoutMs: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  killGraceMs?: number
  /** once this resolves (the session confirmed it started): no timeout, no kill on abort */
  releaseTimeout?: Promise<unknown>
  signal?: AbortSignal
}

/** Runs argv[0] with argv[1..] directly (no shell), enforcing the timeout with SIGTERM→SIGKILL. */
export function runCommand(argv: readonly string[], opts: RunCommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv
    let stdout = ''
    let stderr = ''
    let timedOut = false
    let settled = false
    let timer: TimerHandle | null = null
    let killTimer: TimerHandle | null = null
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    })
    const capture = (current: string, chunk: Buffer): string =>
      current.length >= WAKE_DEFAULTS.maxCapturedOutput ? current : (current + chunk.toString('utf8')).slice(0, WAKE_DEFAULTS.maxCapturedOutput)
    child.stdout?.on('data', (c: Buffer) => (stdout = capture(stdout, c)))
    child.stderr?.on('data', (c: Buffer) => (stderr = capture(stderr, c)))
    const finish = (result: Omit<CommandResult, 'stdout' | 'stderr'>): void => {
      if (settled) return
      settled = true
      opts.clock.clearTimeout(timer)
      opts.clock.clearTimeout(killTimer)
      resolve({ ...result, stdout, stderr })
    }
    child.on('error', (err) => finish({ ok: false, exitCode: null, signal: null, timedOut: false, spawnError: err.message }))
    child.on('close', (code, signal) =>
      finish({ ok: code === 0 && !timedOut, exitCode: code, signal, timedOut, spawnError: null }),
    )
    const terminate = (): void => {
      child.kill('SIGTERM')
      killTimer = opts.clock.setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? WAKE_DEFAULTS.killGraceMs)
    }
    timer = opts.clock.setTimeout(() => {
      timedOut = true
      terminate()
    }, opts.timeoutMs)
    const onAbort = (): void => {
      if (!settled) terminate()
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    void opts.releaseTimeout?.then(() => {
      // the command is now the agent session: it owns its lifetime (spec §1.2: a sidecar
      // shutdown does not kill running sessions; after a restart the result is still picked up)
      opts.clock.clearTimeout(timer)
      timer = null
      opts.signal?.removeEventListener('abort', onAbort)
    })
  })
}

export interface WakeRunnerOptions {
  /** argv template from the config, or null: no wake, the task goes straight to `working` */
  argvTemplate: string[] | null
  resultsDir: string
  clock: Clock
  log: EventLog
  confirmationTimeoutMs: number
  sessionTimeoutMs: number
  execTimeoutMs?: number
  retryWaitsMs?: number[]
  pollIntervalMs?: number
  env?: NodeJS.ProcessEnv
  /** runs verification of a successful result (report object), when configured */
  verify?: (task: TaskRecord, workspaceDir: string | null) => Promise<Record<string, unknown> | null>
  /** commits, pushes and opens the PR after a success that verification did not fail */
  submit?: SubmitWork
}

type SessionPhase = 'waking_confirmation' | 'working'
type ResultFile = { kind: 'none' } | { kind: 'partial'; size: number } | { kind: 'ok'; body: unknown } | { kind: 'bad'; error: string }

export class WakeRunner implements TaskRunner {
  private readonly o: WakeRunnerOptions & { execTimeoutMs: number; retryWaitsMs: number[]; pollIntervalMs: number }

  constructor(opts: WakeRunnerOptions) {
    this.o = {
      execTimeoutMs: WAKE_DEFAULTS.execTimeoutMs,
      retryWaitsMs: WAKE_DEFAULTS.retryWaitsMs,
      pollIntervalMs: WAKE_DEFAULTS.pollIntervalMs,
      ...opts,
    }
    mkdirSync(this.o.resultsDir, { recursive: true })
  }

  startedFile(taskId: string): string {
    return join(this.o.resultsDir, `${taskId}.started`)
  }

  resultFile(taskId: string): string {
    return join(this.o.resultsDir, `${taskId}.json`)
  }

  async run(ctx: TaskRunContext): Promise<TaskOutcome> {
    const task = ctx.task
    assertSafeFileStem(task.task_id)
    // a fresh assignment must not pick up files of an earlier run of the same task id
    if (!ctx.resumed) this.removeResultFiles(task.task_id)
    // a result written while the sidecar was down (or by an earlier session) is used as is
    const early = this.readResult(task.task_id)
    if (early.kind === 'ok' || early.kind === 'bad') return this.processResult(ctx, early)

    let phase: SessionPhase
    if (ctx.resumed && (task.status === 'working' || exists(this.startedFile(task.task_id)))) {
      // the session is (or was) running; never wake a second one
      if (task.status !== 'working') ctx.update({ status: 'working' })
      phase = 'working'
    } else if (ctx.resumed && task.status === 'waking_confirmation') {
      phase = 'waking_confirmation'
    } else if (this.o.argvTemplate) {
      const woke = await this.wake(ctx)
      if (woke.kind !== 'woke') return woke.outcome
      phase = woke.phase
    } else {
      ctx.update({ status: 'working' })
      phase = 'working'
    }
    return this.awaitSession(ctx, phase)
  }

  afterOutcomePersisted(task: Pick<TaskRecord, 'task_id'>): void {
    this.removeResultFiles(task.task_id)
  }

  removeResultFiles(taskId: string): void {
    assertSafeFileStem(taskId)
    for (const file of [this.resultFile(taskId), this.startedFile(taskId)]) {
      try {
        unlinkSync(file)
      } catch {
        // already gone
      }
    }
  }

  private async wake(ctx: TaskRunContext): Promise<{ kind: 'woke'; phase: SessionPhase } | { kind: 'stop'; outcome: TaskOutcome }> {
    const argv = substituteWakeArgv(this.o.argvTemplate ?? [], ctx.task)
    const attempts = this.o.retryWaitsMs.length + 1
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const waited = await sleep(this.o.clock, this.o.retryWaitsMs[attempt - 2], ctx.signal)
        if (!waited) return { kind: 'stop', outcome: { kind: 'abandoned' } }
      }
      ctx.update({ status: 'waking', wake_attempts: attempt })
      this.o.log.log('info', 'wake_attempt', { task_id: ctx.task.task_id, attempt, program: argv[0] })
      const started = this.watchForStarted(ctx.task.task_id, ctx.signal)
      const running = runCommand(argv, {
        clock: this.o.clock,
        timeoutMs: this.o.execTimeoutMs,
        cwd: ctx.workspaceDir ?? undefined,
        env: { ...(this.o.env ?? process.env), ...wakeEnvironment(ctx, this.o.resultsDir) },
        releaseTimeout: started.promise,
        signal: ctx.signal,
      })
      // a command that runs the whole session itself never exits before the work is done:
      // `.started` is what tells us the session is up
      const first = await Promise.race([running.then((r) => ({ kind: 'exited' as const, result: r })), started.promise.then(() => ({ kind: 'started' as const }))])
      started.cancel()
      if (ctx.signal.aborted) return { kind: 'stop', outcome: { kind: 'abandoned' } }
      if (first.kind === 'started' || started.seen()) {
        if (first.kind === 'started') {
          void running.then((r) =>
            this.o.log.log('info', 'wake_session_exited', { task_id: ctx.task.task_id, exit_code: r.exitCode, signal: r.signal }),
          )
        }
        ctx.update({ status: 'working' })
        return { kind: 'woke', phase: 'working' }
      }
      const result = first.result
      if (result.ok) {
        this.o.log.log('info', 'wake_succeeded', { task_id: ctx.task.task_id, attempt, stdout: result.stdout.slice(0, 2000) })
        ctx.update({ status: 'waking_confirmation' })
        return { kind: 'woke', phase: 'waking_confirmation' }
      }
      this.o.log.log('warning', 'wake_failed', {
        task_id: ctx.task.task_id,
        attempt,
        exit_code: result.exitCode,
        signal: result.signal,
        timed_out: result.timedOut,
        error: result.spawnError,
        stderr: result.stderr.slice(0, 2000),
      })
    }
    ctx.update({ status: 'failed' })
    return { kind: 'stop', outcome: { kind: 'failed', reason: WAKE_FAILED_REASON } }
  }

  /** Polls for `.started` while the wake command runs; resolves its promise when it appears. */
  private watchForStarted(taskId: string, signal: AbortSignal): { promise: Promise<void>; seen: () => boolean; cancel: () => void } {
    let seen = false
    let timer: TimerHandle | null = null
    let resolvePromise: () => void = () => undefined
    const promise = new Promise<void>((r) => (resolvePromise = r))
    const check = (): void => {
      if (signal.aborted) return
      if (exists(this.startedFile(taskId))) {
        seen = true
        resolvePromise()
        return
      }
      timer = this.o.clock.setTimeout(check, this.o.pollIntervalMs)
    }
    check()
    return {
      promise,
      seen: () => seen || exists(this.startedFile(taskId)),
      cancel: () => this.o.clock.clearTimeout(timer),
    }
  }

  /** Waits for `.started` (when confirming) and for the result file. */
  private awaitSession(ctx: TaskRunContext, phase: SessionPhase): Promise<TaskOutcome> {
    const taskId = ctx.task.task_id
    return new Promise<TaskOutcome>((resolve) => {
      let status: SessionPhase = phase
      let pollTimer: TimerHandle | null = null
      let confirmTimer: TimerHandle | null = null
      let sessionTimer: TimerHandle | null = null
      let watcher: FSWatcher | null = null
      let lastPartialSize: number | null = null
      let done = false

      const finish = (outcome: TaskOutcome | Promise<TaskOutcome>): void => {
        if (done) return
        done = true
        for (const t of [pollTimer, confirmTimer, sessionTimer]) this.o.clock.clearTimeout(t)
        watcher?.close()
        ctx.signal.removeEventListener('abort', onAbort)
        resolve(outcome)
      }
      const onAbort = (): void => finish({ kind: 'abandoned' })
      const startSessionDeadline = (): void => {
        sessionTimer = this.o.clock.setTimeout(() => {
          ctx.update({ status: 'failed' })
          finish({ kind: 'failed', reason: 'wake_session_timeout' })
        }, this.o.sessionTimeoutMs)
      }
      const check = (): void => {
        if (done) return
        if (status === 'waking_confirmation' && exists(this.startedFile(taskId))) {
          this.o.clock.clearTimeout(confirmTimer)
          status = 'working'
          ctx.update({ status: 'working' })
          this.o.log.log('info', 'wake_confirmed', { task_id: taskId })
          startSessionDeadline()
        }
        const result = this.readResult(taskId)
        if (result.kind === 'ok' || result.kind === 'bad') {
          finish(this.processResult(ctx, result))
          return
        }
        if (result.kind === 'partial') {
          // an unparseable file that stopped growing is final: the agent wrote bad JSON
          if (lastPartialSize === result.size) {
            finish(this.processResult(ctx, { kind: 'bad', error: this.parseError(taskId) }))
            return
          }
          lastPartialSize = result.size
        }
      }
      const poll = (): void => {
        check()
        if (!done) pollTimer = this.o.clock.setTimeout(poll, this.o.pollIntervalMs)
      }

      if (ctx.signal.aborted) return finish({ kind: 'abandoned' })
      ctx.signal.addEventListener('abort', onAbort)
      if (status === 'waking_confirmation') {
        confirmTimer = this.o.clock.setTimeout(() => {
          if (status !== 'waking_confirmation') return
          ctx.update({ status: 'failed' })
          this.o.log.log('warning', 'confirmation_timeout', { task_id: taskId })
          finish({ kind: 'failed', reason: 'confirmation_timeout' })
        }, this.o.confirmationTimeoutMs)
      } else {
        startSessionDeadline()
      }
      try {
        watcher = watch(this.o.resultsDir, () => check())
        watcher.on('error', () => undefined)
      } catch {
        // polling alone is enough
      }
      poll()
    })
  }

  private async processResult(ctx: TaskRunContext, file: ResultFile): Promise<TaskOutcome> {
    const taskId = ctx.task.task_id
    if (file.kind === 'bad') return { kind: 'failed', reason: `result_parse_error: ${file.error}` }
    if (file.kind !== 'ok') return { kind: 'failed', reason: 'result_parse_error: no result' }
    const body = file.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { kind: 'failed', reason: 'result_parse_error: result is not a JSON object' }
    }
    const result = { ...(body as Record<string, unknown>) }
    if (result.status !== 'success') {
      const reason = stringOr(result.reason) ?? stringOr(result.error) ?? 'unknown'
      return { kind: 'failed', reason }
    }
    let report: Record<string, unknown> | null = null
    try {
      report = this.o.verify ? await this.o.verify(ctx.task, ctx.workspaceDir) : null
    } catch (err) {
      this.o.log.log('warning', 'verification_error', { task_id: taskId, error: errorMessage(err) })
    }
    const verdict = typeof report?.status === 'string' ? report.status : null
    if (this.o.submit && ctx.workspaceDir && verdict !== 'fail' && verdict !== 'error') {
      recordSubmission(result, await this.o.submit({ task: ctx.task, workspaceDir: ctx.workspaceDir, verificationReport: report }))
    }
    return { kind: 'complete', result, verification_report: report, verification_history: null }
  }

  private readResult(taskId: string): ResultFile {
    const path = this.resultFile(taskId)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      return { kind: 'none' }
    }
    try {
      return { kind: 'ok', body: JSON.parse(text) }
    } catch {
      return { kind: 'partial', size: fileSize(path) }
    }
  }

  private parseError(taskId: string): string {
    try {
      JSON.parse(readFileSync(this.resultFile(taskId), 'utf8'))
      return 'unknown'
    } catch (err) {
      return errorMessage(err)
    }
  }
}

/** Task ids become file names in results_dir: refuse anything that could leave the directory. */
export function assertSafeFileStem(taskId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(taskId) || taskId.includes('..')) {
    throw new Error(`task id ${JSON.stringify(taskId)} cannot be used as a result file name`)
  }
}

function wakeEnvironment(ctx: TaskRunContext, resultsDir: string): Record<string, string> {
  return {
    AGENTCOM_TASK_ID: ctx.task.task_id,
    AGENTCOM_RESULTS_DIR: resultsDir,
    ...(ctx.workspaceDir ? { AGENTCOM_WORKSPACE: ctx.workspaceDir } : {}),
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return -1
  }
}
