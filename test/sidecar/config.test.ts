import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadSidecarConfig, parseCommandLine, parseSidecarConfig } from '../../relay/sidecar/config'

const ctx = { baseDir: '/srv/sidecar', homeDir: '/home/agent' }
const minimal = { agent_id: 'gcu-sleeper', token: 'tok', hub_url: 'ws://127.0.0.1:4000/ws' }

function problemsOf(raw: unknown): string[] {
  try {
    parseSidecarConfig(raw, ctx)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('expected a ConfigError')
}

t.test('a minimal config gets every default, paths resolved against the config dir', async (t) => {
  const c = parseSidecarConfig(minimal, ctx)
  t.same(c.capabilities, [])
  t.equal(c.hub_api_url, '')
  t.equal(c.wake_command, null)
  t.equal(c.confirmation_timeout_ms, 30_000)
  t.equal(c.results_dir, '/srv/sidecar/results')
  t.equal(c.log_file, '/srv/sidecar/sidecar.log')
  t.equal(c.log_level, 'info')
  t.equal(c.ollama_url, null)
  t.equal(c.repo_dir, null)
  t.equal(c.reviewer, '')
  t.equal(c.data_dir, '/home/agent/.agentcom/gcu-sleeper')
  t.equal(c.workspaces_dir, '/home/agent/.agentcom/gcu-sleeper/workspaces')
  t.equal(c.base_branch, 'main')
  t.equal(c.git_remote, 'origin')
  t.same(c.pr_command, ['gh', 'pr', 'create'])
  t.equal(c.keepalive_interval_ms, 60_000)
})

t.test('~ expands to the home directory; absolute paths are kept', async (t) => {
  const c = parseSidecarConfig({ ...minimal, repo_dir: '~/work/repo', results_dir: '/var/results', data_dir: '~' }, ctx)
  t.equal(c.repo_dir, '/home/agent/work/repo')
  t.equal(c.results_dir, '/var/results')
  t.equal(c.data_dir, '/home/agent')
})

t.test('missing required keys are each named', async (t) => {
  const problems = problemsOf({})
  t.equal(problems.length, 3)
  t.match(problems.join('\n'), /missing required config key "agent_id"/)
  t.match(problems.join('\n'), /missing required config key "token"/)
  t.match(problems.join('\n'), /missing required config key "hub_url"/)
})

t.test('one clear message per bad key, with the bad value', async (t) => {
  const problems = problemsOf({
    ...minimal,
    token: '',
    hub_url: 'http://hub:4000/ws',
    capabilities: 'code',
    confirmation_timeout_ms: 'soon',
    log_level: 'verbose',
    ollama_url: 'localhost:11434',
  })
  t.equal(problems.length, 6, problems.join('\n'))
  t.match(problems, [
    /"token" must be a non-empty string/,
    /"hub_url" must be a ws:\/\/ or wss:\/\/ URL.*got "http:\/\/hub:4000\/ws"/,
    /"capabilities" must be an array of non-empty strings; got "code"/,
    /"confirmation_timeout_ms" must be a positive integer number of milliseconds; got "soon"/,
    /"log_level" must be one of "debug", "info", "notice", "warning", "error"; got "verbose"/,
    /"ollama_url" must be an http:\/\/ or https:\/\/ URL/,
  ])
})

t.test('0 is refused instead of silently meaning "default"', async (t) => {
  t.match(problemsOf({ ...minimal, confirmation_timeout_ms: 0 }), [/confirmation_timeout_ms/])
})

t.test('unknown keys are named, with a suggestion for typos', async (t) => {
  const problems = problemsOf({ ...minimal, wake_comand: 'x', colour: 'blue' })
  t.match(problems, [/unknown config key "wake_comand" \(did you mean "wake_command"\?\)/, /unknown config key "colour"$/])
})

t.test('agent ids that would break paths or branch names are refused', async (t) => {
  t.match(problemsOf({ ...minimal, agent_id: '../evil' }), [/"agent_id" must be/])
  t.match(problemsOf({ ...minimal, agent_id: '-x' }), [/"agent_id" must be/])
})

t.test('a non-object config is refused', async (t) => {
  t.match(problemsOf([1, 2]), [/must be a JSON object/])
  t.match(problemsOf(null), [/must be a JSON object/])
})

t.test('wake_command: string templates are split into argv, shell syntax is refused', async (t) => {
  const c = parseSidecarConfig(
    { ...minimal, wake_command: 'openclaw agent --message "Task: ${TASK_JSON}" --session-id ${TASK_ID}' },
    ctx,
  )
  t.same(c.wake_command, ['openclaw', 'agent', '--message', 'Task: ${TASK_JSON}', '--session-id', '${TASK_ID}'])
  t.same(parseSidecarConfig({ ...minimal, wake_command: ['a b', '${TASK_DESCRIPTION}'] }, ctx).wake_command, ['a b', '${TASK_DESCRIPTION}'])
  t.equal(parseSidecarConfig({ ...minimal, wake_command: '' }, ctx).wake_command, null)
  t.match(problemsOf({ ...minimal, wake_command: 'run ${TASK_ID} | tee log' }), [/"wake_command": shell operator "\|"/])
  t.match(problemsOf({ ...minimal, wake_command: 'run $HOME' }), [/"wake_command": "\$" at position 4 is not one of the placeholders/])
  t.match(problemsOf({ ...minimal, wake_command: 'run "unterminated' }), [/unterminated double quote/])
  t.match(problemsOf({ ...minimal, wake_command: 42 }), [/"wake_command" must be a command line string/])
})

t.test('parseCommandLine: quotes and escapes like a shell, nothing evaluated', async (t) => {
  t.same(parseCommandLine(`a 'b c' "d \\"e\\"" f\\ g`), ['a', 'b c', 'd "e"', 'f g'])
  t.same(parseCommandLine(`x '$(rm -rf /)' "\\$HOME"`), ['x', '$(rm -rf /)', '$HOME'])
  t.same(parseCommandLine('  '), [])
  t.throws(() => parseCommandLine('a `b`'), /not supported/)
  t.throws(() => parseCommandLine('a; b'), /shell operator ";"/)
})

t.test('loadSidecarConfig: missing file, bad JSON and problems carry the path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-config-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'config.json')
  t.throws(() => loadSidecarConfig(path), { code: 'config_not_found' })
  writeFileSync(path, '{"agent_id": ')
  t.throws(() => loadSidecarConfig(path), { code: 'config_invalid_json' })
  writeFileSync(path, JSON.stringify({ ...minimal, extra: 1 }))
  try {
    loadSidecarConfig(path)
    t.fail('should throw')
  } catch (err) {
    t.equal((err as ConfigError).code, 'config_invalid')
    t.match((err as Error).message, new RegExp(`^${path}: unknown config key "extra"`))
  }
  writeFileSync(path, JSON.stringify({ ...minimal, results_dir: 'res' }))
  t.equal(loadSidecarConfig(path, { homeDir: '/h' }).results_dir, join(dir, 'res'))
})
