// Real sidecars of this project (`agentcom sidecar --config F`, child processes) against a real
// hub process: a shell-executor task with a verification step, on a local bare git repo as the
// remote. The task's command only writes a file; after the verification passes, the sidecar
// commits it on the task branch, pushes it and opens the PR (through a gh shim): the remote then
// holds the branch with the commit, and the hub's task holds a passing verification report and
// the PR URL. A second sidecar is connected too: the task runs on exactly one of them.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { plainNodeEnv } from '../../bench/sim/hub-process'
import { cloneRemote, createRemote, runGit } from '../sidecar/git-fixtures'
import { writeGhShim } from '../sidecar/program-shims'
import { allCompleted, eventually, startE2eHub, tempDir, type E2eHub } from './e2e-harness'
import { BUILD_ENV, builtCliPath } from './project-build'

interface Teardownable {
  teardown(fn: () => unknown): void
}

async function startSidecar(t: Teardownable, hub: E2eHub, root: string, agentId: string, repoDir: string, env: NodeJS.ProcessEnv, ghPath: string): Promise<() => string> {
  const dir = join(root, agentId)
  mkdirSync(dir, { recursive: true })
  const config = join(dir, 'config.json')
  const token = await hub.api.createToken(agentId)
  writeFileSync(config, JSON.stringify({ agent_id: agentId, token, hub_url: hub.url, data_dir: join(dir, 'data'), repo_dir: repoDir, pr_command: [ghPath, 'pr', 'create'] }))
  const child = spawn(process.execPath, [builtCliPath(), 'sidecar', '--config', config], { env: plainNodeEnv({ ...env, ...BUILD_ENV }), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return () => output
}

t.test('real sidecars, shell executor, bare git remote: a branch with a commit and a passing verification', async (t) => {
  const root = tempDir(t, 'agentcom-e2e-sidecar-')
  const fx = createRemote(root)
  const hub = await startE2eHub(t)
  const gh = writeGhShim(root)
  const logs: Array<() => string> = []
  for (const agentId of ['gcu-alpha', 'gcu-beta']) {
    const checkout = cloneRemote(fx, join(root, `checkout-${agentId}`))
    logs.push(await startSidecar(t, hub, root, agentId, checkout, fx.env, gh.path))
  }
  await eventually(
    async () => {
      const res = await hub.api.request('GET', '/api/agents')
      const list = (res.body?.agents ?? []) as Array<{ agent_id: string }>
      return ['gcu-alpha', 'gcu-beta'].every((id) => list.some((a) => a.agent_id === id))
    },
    30_000,
    'both sidecars identified',
  ).catch((error) => {
    t.comment(logs.map((l) => l()).join('\n'))
    throw error
  })

  const taskId = await hub.api.submit({
    description: 'Add the greeting file',
    complexity_tier: 'trivial',
    metadata: { shell_command: 'echo hello > greeting.txt' },
    verification_steps: [{ type: 'file_exists', target: 'greeting.txt', description: 'the command wrote the file' }],
    max_verification_retries: 0,
  })
  const [view] = await allCompleted(hub.api, [taskId], 45_000).catch(async (error) => {
    t.comment(JSON.stringify(await hub.api.task(taskId)))
    t.comment(logs.map((l) => l()).join('\n'))
    throw error
  })
  t.match(view.verification_report, { status: 'pass', checks: [{ type: 'file_exists', target: 'greeting.txt', status: 'pass' }] })
  t.match(view.result, { status: 'success', verification_status: 'verified', pr_url: 'https://github.com/example/project/pull/17' })
  const pr = gh.calls().find((c) => c.argv[0] === 'pr')
  t.match(pr?.body ?? '', /## Task: /, 'the PR body names the task')
  t.equal(view.history.filter((h: { event: string }) => h.event === 'completed').length, 1, 'completed once')
  t.ok(['gcu-alpha', 'gcu-beta'].includes(view.assigned_to), `ran on ${view.assigned_to}`)

  const branches = runGit(root, ['--git-dir', fx.remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads'], fx.env).split('\n')
  const taskBranch = branches.find((b) => b !== 'main')
  t.ok(taskBranch, `the remote has the task branch (${branches.join(', ')})`)
  t.match(taskBranch, /^gcu\/add-the-greeting-file/, 'branch named <agent prefix>/<slug>')
  t.equal(runGit(root, ['--git-dir', fx.remote, 'log', '-1', '--format=%s', taskBranch!], fx.env), 'chore(agent): Add the greeting file', 'the sidecar committed the work')
  t.equal(runGit(root, ['--git-dir', fx.remote, 'show', `${taskBranch}:greeting.txt`], fx.env), 'hello')
  t.equal(runGit(root, ['--git-dir', fx.remote, 'rev-list', '--count', `main..${taskBranch}`], fx.env), '1', 'one commit ahead of main')
})
