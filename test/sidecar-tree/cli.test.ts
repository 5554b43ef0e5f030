// `agentcom sidecar --config FILE` and `agentcom git …` as real child processes (the commands
// built with their whole import closure, run with plain node): one-line errors and exit 1 for a
// bad config, a real sidecar that connects, runs a task and stops cleanly on SIGTERM, and the git
// command's one-JSON-object contract with its exit codes against a real repo and bare remote.
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FakeHub } from '../sidecar/fake-hub'
import { cloneRemote, createRemote, runGit } from '../sidecar/git-fixtures'
import { tempDir } from '../sidecar/temp-dir'
import { transpileClosure, type TranspiledBuild } from './transpiled-build'
import { until } from './harness'

let build: TranspiledBuild
t.before(() => {
  build = transpileClosure([join('test', 'sidecar-tree', 'cli-entry.ts')], tempDir(t, 'sidecar-cli-build-'))
})

interface Run {
  proc: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function agentcom(t: Test, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const proc = spawn(process.execPath, [build.script, ...args], { env: { ...build.env, AGENTCOM_CLI_ENTRY: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout?.on('data', (c: Buffer) => (stdout += c.toString()))
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })))
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL')
      await exited
    }
  })
  return { proc, stdout: () => stdout, stderr: () => stderr, exited }
}

async function finished(run: Run): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code } = await run.exited
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null
  } catch {
    return false
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '')
}

t.test('agentcom sidecar: a missing or invalid config is one line on stderr and exit 1', async (t) => {
  const dir = tempDir(t, 'sidecar-cli-')
  const missing = await finished(agentcom(t, ['sidecar', '--config', join(dir, 'nope.json')]))
  t.equal(missing.code, 1)
  t.equal(lines(missing.stderr).length, 1, 'one line')
  t.match(missing.stderr, /^agentcom sidecar: invalid configuration .*nope\.json: config file not found/)

  const bad = join(dir, 'bad.json')
  writeFileSync(bad, JSON.stringify({ agent_id: 'gcu-cli', token: 'tok', hub_url: 'http://not-ws', wake_comand: 'x' }))
  const invalid = await finished(agentcom(t, ['sidecar', '--config', bad]))
  t.equal(invalid.code, 1)
  t.equal(lines(invalid.stderr).length, 1, 'one line listing every problem')
  t.match(invalid.stderr, /hub_url/)
  t.match(invalid.stderr, /unknown config key "wake_comand" \(did you mean "wake_command"\?\)/)
  t.equal(invalid.stdout, '')

  const noFlag = await finished(agentcom(t, ['sidecar']))
  t.equal(noFlag.code, 1)
  t.match(noFlag.stderr, /--config/)
})

t.test('agentcom sidecar --config: connects, runs a routed task, logs JSON lines, stops cleanly on SIGTERM', async (t) => {
  const dir = tempDir(t, 'sidecar-cli-')
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())
  const configPath = join(dir, 'config.json')
  const token = 'tok-very-secret-value'
  writeFileSync(configPath, JSON.stringify({ agent_id: 'gcu-cli', token, hub_url: hub.url, data_dir: './data', log_file: './logs/sidecar.log' }))
  const run = agentcom(t, ['sidecar', '--config', configPath])
  await until(() => hub.isConnected('gcu-cli'), 'identified', 30_000).catch((err) => {
    t.comment(run.stderr())
    throw err
  })
  t.match(hub.framesOfType('identify')[0], { agent_id: 'gcu-cli', token })
  hub.assign('gcu-cli', 'task-cli', { metadata: { shell_command: 'echo from-cli' }, routing_decision: { target_type: 'sidecar' }, skip_verification: true })
  await until(() => hub.tasks.get('task-cli')?.accepted_completions === 1, 'completion accepted', 30_000)
  t.match(hub.framesOfType('task_complete')[0], { result: { status: 'success', output: /from-cli/ } })

  run.proc.kill('SIGTERM')
  const { code, signal } = await run.exited
  t.same({ code, signal }, { code: 0, signal: null }, 'exit 0 after SIGTERM')
  await until(() => !hub.isConnected('gcu-cli'), 'socket closed')

  const stdoutLines = lines(run.stdout())
  t.ok(stdoutLines.length > 0)
  t.same(stdoutLines.filter((l) => !isJsonObject(l)), [], 'stdout is JSON lines only')
  const file = readFileSync(join(dir, 'logs', 'sidecar.log'), 'utf8')
  const fileLines = lines(file).map((l) => JSON.parse(l) as { severity: string; message: string; metadata: Record<string, unknown> })
  t.ok(fileLines.some((l) => l.message === 'ready' && l.metadata.agent_id === 'gcu-cli'), 'log_file has the ready line')
  t.ok(fileLines.some((l) => l.message === 'shutdown' && l.metadata.signal === 'SIGTERM'), 'log_file has the shutdown line')
  t.notOk(file.includes(token) || run.stdout().includes(token), 'the token never reaches the log')
})

t.test('agentcom git: one JSON object on stdout, exit 0 for ok and 1 for errors', async (t) => {
  const root = tempDir(t, 'sidecar-cli-git-')
  const fx = createRemote(root)
  const checkout = cloneRemote(fx, join(root, 'checkout'))
  const configPath = join(root, 'config.json')
  writeFileSync(configPath, JSON.stringify({ agent_id: 'gcu-cli', token: 'tok', hub_url: 'ws://127.0.0.1:1/ws', repo_dir: './checkout' }))
  const git = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; result: Record<string, unknown> }> => {
    const out = await finished(agentcom(t, ['git', ...args], { ...fx.env, ...env }))
    const printed = lines(out.stdout)
    t.equal(printed.length, 1, `exactly one line on stdout for git ${args[0]}`)
    return { code: out.code, result: JSON.parse(printed[0]) as Record<string, unknown> }
  }

  const status = await git(['status', '--config', configPath])
  t.same(status.code, 0)
  t.match(status.result, { status: 'ok', branch: 'main', commits_ahead: 0, is_clean: true })

  const start = await git(['start-task', '--config', configPath, '--json', JSON.stringify({ agent_id: 'gcu-cli', task_id: 't-1', description: 'Add the thing' })])
  t.equal(start.code, 0)
  t.match(start.result, { status: 'ok', branch: 'gcu/add-the-thing' })
  t.equal(runGit(checkout, ['rev-parse', '--abbrev-ref', 'HEAD'], fx.env), 'gcu/add-the-thing')

  // the positional JSON form of the original contract, and the env var for the config
  const positional = await git(['status', '{}'], { AGENTCOM_SIDECAR_CONFIG: configPath })
  t.match(positional, { code: 0, result: { status: 'ok', branch: 'gcu/add-the-thing' } })

  t.match(await git(['submit', '--config', configPath, '--json', '{}']), { code: 1, result: { status: 'error', error: 'missing_args' } })
  t.match(await git(['frobnicate', '--config', configPath]), {
    code: 1,
    result: { status: 'error', error: 'unknown_command', available: ['start-task', 'submit', 'status'] },
  })
  t.match(await git(['status', '--config', configPath, '--json', 'not json']), { code: 1, result: { status: 'error', error: 'unexpected_error' } })
  t.match(await git(['status', '--config', join(root, 'missing.json')]), { code: 1, result: { status: 'error', error: 'config_not_found' } })
})
