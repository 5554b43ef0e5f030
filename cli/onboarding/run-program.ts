// Runs an external program (git, pm2, systemctl) for the onboarding CLIs: no shell, a timeout,
// and a result instead of an exception so a step can decide whether a failure matters.
import { execFile } from 'node:child_process'

export interface ProgramResult {
  ok: boolean
  code: number | null
  stdout: string
  stderr: string
  /** one line: why it failed (empty when ok) */
  reason: string
}

export function runProgram(argv: string[], opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<ProgramResult> {
  const [file, ...args] = argv
  return new Promise((resolve) => {
    execFile(file, args, { timeout: opts.timeoutMs, cwd: opts.cwd, env: opts.env, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, code: 0, stdout, stderr, reason: '' })
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string }
      const code = typeof e.code === 'number' ? e.code : null
      let reason: string
      if (e.code === 'ENOENT') reason = `${file} is not installed (not found on PATH)`
      else if (e.killed) reason = `${argv.join(' ')} took longer than ${opts.timeoutMs / 1000} s`
      else reason = `${argv.join(' ')} exited ${code ?? e.code}: ${(stderr || stdout).trim().split('\n').slice(-3).join(' / ').slice(0, 400)}`
      resolve({ ok: false, code, stdout, stderr, reason })
    })
  })
}
