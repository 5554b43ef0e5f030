// Stand-ins for programs that cannot run here (gh, nvidia-smi) and scriptable wake commands:
// small Node scripts written to a temp dir at test time, made executable, that record their argv
// (and the PR body) as JSON lines. (Helper, no tests of its own.)
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

function writeScript(dir: string, name: string, body: string): string {
  const path = join(dir, name)
  writeFileSync(path, `#!${process.execPath}\n'use strict'\nconst fs = require('node:fs')\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

/**
 * A `gh` that records every call (argv, cwd, the --body-file content) to `<dir>/gh-calls.jsonl`.
 * `label create` exits 0; `pr create` prints a PR URL, or fails when FAKE_GH_FAIL=1.
 */
export function writeGhShim(dir: string): { path: string; calls: () => Array<{ argv: string[]; cwd: string; body: string | null }> } {
  const log = join(dir, 'gh-calls.jsonl')
  const path = writeScript(
    dir,
    'gh',
    `const argv = process.argv.slice(2)
const i = argv.indexOf('--body-file')
const body = i >= 0 ? fs.readFileSync(argv[i + 1], 'utf8') : null
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, cwd: process.cwd(), body }) + '\\n')
if (argv[0] === 'label') process.exit(0)
if (argv[0] === 'pr' && argv[1] === 'create') {
  if (process.env.FAKE_GH_FAIL === '1') { process.stderr.write('GraphQL: could not create pull request\\n'); process.exit(1) }
  process.stdout.write('Creating pull request...\\nhttps://github.com/example/project/pull/17\\n')
  process.exit(0)
}
process.exit(2)`,
  )
  return {
    path,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; cwd: string; body: string | null })
        : [],
  }
}

/** An `nvidia-smi` printing fixed memory figures (MiB) for two GPUs. */
export function writeNvidiaSmiShim(dir: string, lines = '1024, 8192\n512, 8192\n'): string {
  return writeScript(dir, 'nvidia-smi', `process.stdout.write(${JSON.stringify(lines)})`)
}

/**
 * A wake command: records its argv to `<dir>/wake-calls.jsonl`, then behaves as told by
 * WAKE_MODE: "ok" (exit 0), "fail" (exit 3), "hang" (sleep), "session" (write .started, run
 * until the result file exists), "result" (write .started and a success result, exit 0; with
 * WAKE_EDIT=<file> it first writes that file in its cwd, like an agent changing the repo).
 */
export function writeWakeShim(dir: string): { path: string; calls: () => Array<{ argv: string[]; cwd: string; env_task: string | null }> } {
  const log = join(dir, 'wake-calls.jsonl')
  const path = writeScript(
    dir,
    'wake-agent',
    `const argv = process.argv.slice(2)
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, cwd: process.cwd(), env_task: process.env.AGENTCOM_TASK_ID || null }) + '\\n')
const mode = process.env.WAKE_MODE || 'ok'
const results = process.env.AGENTCOM_RESULTS_DIR
const id = process.env.AGENTCOM_TASK_ID
if (mode === 'fail') process.exit(3)
if (mode === 'hang') setInterval(() => {}, 1000)
if (mode === 'session') {
  // a synchronous agent session: confirms, then runs until its result file exists
  fs.writeFileSync(results + '/' + id + '.started', 'x')
  setInterval(() => { if (!fs.existsSync(results) || fs.existsSync(results + '/' + id + '.json')) process.exit(0) }, 50)
}
if (mode === 'result' && process.env.WAKE_EDIT) fs.writeFileSync(process.env.WAKE_EDIT, 'written by the agent\\n')
if (mode === 'result') { fs.writeFileSync(results + '/' + id + '.started', 'x'); fs.writeFileSync(results + '/' + id + '.json', JSON.stringify({ status: 'success', output: 'woken and done' })) }
if (mode === 'ok' || mode === 'result') process.exit(0)`,
  )
  return {
    path,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; cwd: string; env_task: string | null })
        : [],
  }
}
