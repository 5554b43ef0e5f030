// One way to run a child process for executors and verification checks: argv only (never a
// shell unless the caller explicitly runs `sh -c` on an operator-provided command), never
// blocking the event loop, with a clock-driven timeout that sends SIGTERM and then SIGKILL to
// the whole process group (so a shell's children die with it), bounded output capture, and an
// abort signal for a task taken away mid-run. It resolves, never rejects.
import { spawn, type ChildProcess } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { CappedOutput, DEFAULT_OUTPUT_CAP_BYTES } from './capped-output'
import { systemExecutionClock, type ExecutionClock } from './execution-clock'

export const DEFAULT_KILL_GRACE_MS = 5_000
/** after the child exits, how long to wait for its pipes to close (a backgrounded grandchild may hold them) */
export const STDIO_DRAIN_MS = 1_000

export interface RunProcessOptions {
  file: string
  args: readonly string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** null = no timeout */
  timeoutMs: number | null
  killGraceMs?: number
  clock?: ExecutionClock
  signal?: AbortSignal
  maxOutputBytes?: number
  /** written to stdin, which is then closed; without it stdin is /dev/null */
  stdin?: string
  onStdout?: (text: string) => void
  onStderr?: (text: string) => void
  /** called once when the timeout fires, before SIGTERM */
  onTimeout?: () => void
}

export interface ProcessOutcome {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  stdoutTruncated: boolean
  timedOut: boolean
  aborted: boolean
  /** set when the program could not be started at all (ENOENT, EACCES…) */
  spawnError: NodeJS.ErrnoException | null
}

export function runProcess(opts: RunProcessOptions): Promise<ProcessOutcome> {
  const clock = opts.clock ?? systemExecutionClock
  const killGraceMs = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS
  const stdout = new CappedOutput(opts.maxOutputBytes ?? DEFAULT_OUTPUT_CAP_BYTES)
  const stderr = new CappedOutput(opts.maxOutputBytes ?? DEFAULT_OUTPUT_CAP_BYTES)

  return new Promise((resolve) => {
    if (opts.signal?.aborted) {
      return resolve(outcomeOf({ exitCode: null, signal: null, timedOut: false, aborted: true, spawnError: null }))
    }
    let child: ChildProcess
    try {
      child = spawn(opts.file, [...opts.args], {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        shell: false,
        // its own process group, so a timeout can signal everything the command started
        detached: process.platform !== 'win32',
        stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      })
    } catch (err) {
      return resolve(outcomeOf({ exitCode: null, signal: null, timedOut: false, aborted: false, spawnError: err as NodeJS.ErrnoException }))
    }

    let timedOut = false
    let aborted = false
    let settled = false
    let exitCode: number | null = null
    let exitSignal: NodeJS.Signals | null = null
    let timeoutTimer: unknown = null
    let killTimer: unknown = null
    let drainTimer: unknown = null

    const outDecoder = new StringDecoder('utf8')
    const errDecoder = new StringDecoder('utf8')
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.append(chunk)
      const text = outDecoder.write(chunk)
      if (text && opts.onStdout) opts.onStdout(text)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.append(chunk)
      const text = errDecoder.write(chunk)
      if (text && opts.onStderr) opts.onStderr(text)
    })
    if (opts.stdin !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined) // the child may exit without reading its input
      child.stdin.end(opts.stdin)
    }

    const signalGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return
      try {
        if (process.platform !== 'win32') process.kill(-child.pid, sig)
        else child.kill(sig)
      } catch {
        try {
          child.kill(sig)
        } catch {
          // already gone
        }
      }
    }
    const terminate = (): void => {
      signalGroup('SIGTERM')
      killTimer = clock.setTimeout(() => signalGroup('SIGKILL'), killGraceMs)
    }
    const onAbort = (): void => {
      if (settled) return
      aborted = true
      terminate()
    }

    const finish = (spawnError: NodeJS.ErrnoException | null): void => {
      if (settled) return
      settled = true
      clock.clearTimeout(timeoutTimer)
      clock.clearTimeout(killTimer)
      clock.clearTimeout(drainTimer)
      opts.signal?.removeEventListener('abort', onAbort)
      const tailOut = outDecoder.end()
      if (tailOut && opts.onStdout) opts.onStdout(tailOut)
      const tailErr = errDecoder.end()
      if (tailErr && opts.onStderr) opts.onStderr(tailErr)
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolve(outcomeOf({ exitCode, signal: exitSignal, timedOut, aborted, spawnError }))
    }

    child.on('error', (err: NodeJS.ErrnoException) => {
      // spawn failures arrive here (no 'exit' follows); errors after a successful spawn are rare
      if (child.pid === undefined) finish(err)
    })
    child.on('exit', (code, sig) => {
      exitCode = code
      exitSignal = sig
      // the group leader is gone; a grandchild it left running must not keep our pipes open forever
      if (!timedOut && !aborted) signalGroup('SIGKILL')
      drainTimer = clock.setTimeout(() => finish(null), STDIO_DRAIN_MS)
    })
    child.on('close', () => finish(null))

    if (opts.timeoutMs !== null && opts.timeoutMs > 0) {
      timeoutTimer = clock.setTimeout(() => {
        if (settled) return
        timedOut = true
        opts.onTimeout?.()
        terminate()
      }, opts.timeoutMs)
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
  })

  function outcomeOf(parts: Omit<ProcessOutcome, 'stdout' | 'stderr' | 'stdoutTruncated'>): ProcessOutcome {
    return { ...parts, stdout: stdout.toString(), stderr: stderr.toString(), stdoutTruncated: stdout.truncated }
  }
}

/** The argv that runs an operator-provided command line through the platform shell. */
export function shellCommandArgv(command: string): { file: string; args: string[] } {
  return process.platform === 'win32'
    ? { file: process.env.ComSpec ?? 'cmd.exe', args: ['/d', '/s', '/c', command] }
    : { file: '/bin/sh', args: ['-c', command] }
}
