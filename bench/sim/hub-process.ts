// A hub as a real child process (`agentcom hub`), for the end-to-end scenarios and benchmarks:
// started on 127.0.0.1, its port and admin token read back, stopped by signal. (No tests here.)
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface HubProcessOptions {
  /** the compiled agentcom.js (dist/cli/agentcom.js, or test/cli/cli-build's transpiled one) */
  cliPath: string
  dataDir: string
  /** 0 (default) = any free port */
  port?: number
  transport?: 'uws' | 'ws'
  /** merged over a copy of process.env with test-runner hooks removed */
  env?: NodeJS.ProcessEnv
  /** how long to wait for "listening on" (default 60 s) */
  startTimeoutMs?: number
}

export interface HubProcess {
  child: ChildProcess
  pid: number
  port: number
  dataDir: string
  adminToken: string
  /** real ms from spawn to the "listening" line */
  startMs: number
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
  /** sends `signal` (default SIGTERM) and waits for the exit */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** process.env without the test runner's loader hooks (the child runs plain CommonJS). */
export function plainNodeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.NODE_OPTIONS
  for (const key of Object.keys(env)) if (key.startsWith('TAP') || key.startsWith('_TAPJS')) delete env[key]
  return { NODE_ENV: 'production', ...env, ...extra }
}

export function startHubProcess(opts: HubProcessOptions): Promise<HubProcess> {
  // BENCH_HUB_PROF_DIR: the hub writes a V8 CPU profile there when it exits (SIGTERM)
  const profDir = process.env.BENCH_HUB_PROF_DIR
  const args = [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), opts.cliPath, 'hub', '--port', String(opts.port ?? 0), '--data-dir', opts.dataDir]
  if (opts.transport) args.push('--transport', opts.transport)
  const started = Date.now()
  const child = spawn(process.execPath, args, { env: plainNodeEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const append = (c: Buffer) => {
    // keep the head (banner) and a tail; a long-running hub logs a lot
    output = output.length > 200_000 ? output.slice(0, 20_000) + output.slice(-100_000) : output
    output += c.toString()
  }
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  return new Promise<HubProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`hub did not start within ${opts.startTimeoutMs ?? 60_000} ms:\n${output}`))
    }, opts.startTimeoutMs ?? 60_000)
    const check = () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      const adminToken = readFileSync(join(opts.dataDir, 'admin.token'), 'utf8').trim()
      resolve({ child, pid: child.pid!, port: Number(match[1]), dataDir: opts.dataDir, adminToken, startMs: Date.now() - started, exited, output: () => output, stop })
    }
    child.stdout!.on('data', check)
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`hub exited (${code ?? signal}) before listening:\n${output}`))
    })
  })
}

/** Resident set size and CPU seconds (user + system) of a process, from /proc. */
export function processUsage(pid: number): { rssBytes: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // fields after the ")" of the command name; utime and stime are fields 14 and 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return { rssBytes: rssKb * 1024, cpuSeconds: ticks / 100 }
}
