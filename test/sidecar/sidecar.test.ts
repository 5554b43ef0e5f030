// The assembled sidecar (startSidecar) end to end over real sockets, processes and git: a task
// arrives, gets its own worktree from an up-to-date main, the wake command runs with hostile
// task text as plain argv, the agent's change is committed, pushed and opened as a PR through
// the gh shim, the hub receives task_complete with the PR URL, and the worktree is removed.
import t, { type Test } from 'tap'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSidecarConfig } from '../../relay/sidecar/config'
import { MemoryLog } from '../../relay/sidecar/event-log'
import { isWakeTask, startSidecar } from '../../relay/sidecar/sidecar'
import { FakeHub } from './fake-hub'
import { cloneRemote, createRemote, pushUpstreamCommit, runGit } from './git-fixtures'
import { writeGhShim, writeWakeShim } from './program-shims'
import { tempDir } from './temp-dir'

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

t.test('isWakeTask: no routing decision, no target or "wake" → wake path', async (t) => {
  t.ok(isWakeTask({ routing_decision: null }))
  t.ok(isWakeTask({ routing_decision: { target_type: 'wake' } }))
  t.ok(isWakeTask({ routing_decision: { target_type: null } }))
  t.notOk(isWakeTask({ routing_decision: { target_type: 'ollama' } }))
})

t.test('a wake-path task end to end: worktree, safe wake, commit + push + PR, task_complete', async (t) => {
  const root = tempDir(t, 'sidecar-e2e-')
  const fx = createRemote(root)
  const sidecarCheckout = cloneRemote(fx, join(root, 'checkout'))
  const newest = pushUpstreamCommit(fx, 'src/lib.ts', 'export const v = 2\n', 'feat: newer main')
  const gh = writeGhShim(root)
  const wake = writeWakeShim(root)
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())

  const marker = join(root, 'PWNED')
  const config = parseSidecarConfig(
    {
      agent_id: 'gcu-e2e',
      token: 'tok',
      hub_url: hub.url,
      hub_api_url: 'http://hub.test:4000',
      repo_dir: sidecarCheckout,
      data_dir: join(root, 'data'),
      results_dir: join(root, 'results'),
      wake_command: `${wake.path} --message "Task: \${TASK_DESCRIPTION}" --session-id \${TASK_ID}`,
      pr_command: [gh.path, 'pr', 'create'],
    },
    { baseDir: root, homeDir: root },
  )
  const log = new MemoryLog()
  const sidecar = await startSidecar(config, {
    log,
    env: { ...fx.env, WAKE_MODE: 'result', WAKE_EDIT: 'agent-output.txt' },
    wake: { pollIntervalMs: 50 },
  })
  t.teardown(() => sidecar.stop())
  await until(() => hub.isConnected('gcu-e2e'), 'identified')

  const description = `Add output "now"; touch ${marker} $(touch ${marker}) \`touch ${marker}\``
  const generation = hub.assign('gcu-e2e', 'task-e2e', { description, metadata: { priority: 'high' } })
  await until(() => hub.tasks.get('task-e2e')?.accepted_completions === 1, 'completion accepted').catch((err) => {
    t.comment(JSON.stringify(log.events.map((e) => [e.event, e.fields])))
    throw err
  })

  const complete = hub.framesOfType('task_complete')[0]
  t.match(complete, {
    task_id: 'task-e2e',
    generation,
    result: { status: 'success', output: 'woken and done', pr_url: 'https://github.com/example/project/pull/17' },
    verification_report: null,
    verification_history: null,
  })
  t.notOk(existsSync(marker), 'nothing in the task text was executed')
  const call = wake.calls()[0]
  t.same(call.argv, ['--message', `Task: ${description}`, '--session-id', 'task-e2e'])
  const worktree = call.cwd
  t.match(worktree, join(root, 'data', 'workspaces'), 'the agent ran in its own worktree under the workspaces dir')

  const pr = gh.calls().find((c) => c.argv[0] === 'pr')
  t.ok(pr, 'a PR was opened through the configured command')
  const branch = pr!.argv[pr!.argv.indexOf('--head') + 1]
  t.match(branch, /^gcu\/add-output-now-touch-/, 'branch <agent prefix>/<description slug>')
  t.ok(branch.length <= 'gcu/'.length + 40)
  t.match(pr!.body ?? '', /## Task: task-e2e/)
  const remoteHead = runGit(fx.upstream, ['ls-remote', 'origin', `refs/heads/${branch}`], fx.env).split('\t')[0]
  t.ok(remoteHead, 'the task branch was pushed')
  t.equal(runGit(fx.remote, ['rev-parse', `${remoteHead}~1`], fx.env), newest, 'branched from the up-to-date main')
  t.equal(runGit(fx.remote, ['show', `${remoteHead}:agent-output.txt`], fx.env), 'written by the agent')

  await until(() => !existsSync(worktree), 'worktree removed after the task')
  t.equal(runGit(sidecarCheckout, ['rev-parse', '--abbrev-ref', 'HEAD'], fx.env), 'main', "the sidecar's own checkout never moved")
  t.equal(runGit(sidecarCheckout, ['status', '--porcelain'], fx.env), '')
  t.equal(sidecar.queue.active, null)
  await until(() => sidecar.queue.outbox.length === 0, 'outbox drained')
})

/** A sidecar on a fresh remote + checkout, with the gh shim as its PR command. */
async function directPathSidecar(t: Test, extraEnv: NodeJS.ProcessEnv = {}) {
  const root = tempDir(t, 'sidecar-direct-')
  const fx = createRemote(root)
  const checkout = cloneRemote(fx, join(root, 'checkout'))
  const gh = writeGhShim(root)
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())
  const config = parseSidecarConfig(
    {
      agent_id: 'gcu-direct',
      token: 'tok',
      hub_url: hub.url,
      repo_dir: checkout,
      data_dir: join(root, 'data'),
      results_dir: join(root, 'results'),
      pr_command: [gh.path, 'pr', 'create'],
    },
    { baseDir: root, homeDir: root },
  )
  const log = new MemoryLog()
  const sidecar = await startSidecar(config, { log, env: { ...fx.env, ...extraEnv } })
  t.teardown(() => sidecar.stop())
  await until(() => hub.isConnected('gcu-direct'), 'identified')
  return { fx, gh, hub, log }
}

t.test('a direct-path (shell) task that changes the repository: verified, committed, pushed, PR opened, pr_url reported', async (t) => {
  const { fx, gh, hub, log } = await directPathSidecar(t)
  hub.assign('gcu-direct', 'task-direct', {
    description: 'Write the release notes',
    routing_decision: { target_type: 'sidecar', effective_tier: 'trivial' },
    metadata: { shell_command: ['node', '-e', "require('fs').writeFileSync('NOTES.md', 'notes\\n')"] },
    verification_steps: [{ type: 'file_exists', target: 'NOTES.md' }],
  })
  const complete = await hub.waitForType('task_complete', 30_000)
  t.match(complete, { task_id: 'task-direct', result: { status: 'success', verification_status: 'verified', pr_url: 'https://github.com/example/project/pull/17' } })
  const pr = gh.calls().find((c) => c.argv[0] === 'pr')
  t.ok(pr, 'the PR was opened through the configured command')
  const branch = pr!.argv[pr!.argv.indexOf('--head') + 1]
  t.match(branch, /^gcu\/write-the-release-notes/)
  t.match(pr!.body ?? '', /## Task: task-direct/)
  t.equal(runGit(fx.remote, ['show', `refs/heads/${branch}:NOTES.md`], fx.env), 'notes', 'the change is on the pushed branch')
  t.match(log.named('verification_result')[0]?.fields, { task_id: 'task-direct', verification_status: 'verified', failed_checks: [] }, 'the verification result is logged')
})

t.test('direct path: no change → no PR; failed verification → no PR, the work is not submitted', async (t) => {
  const { gh, hub, log } = await directPathSidecar(t)
  hub.assign('gcu-direct', 'task-noop', { routing_decision: { target_type: 'sidecar' }, metadata: { shell_command: ['node', '-e', ''] } })
  const noop = await hub.waitForType('task_complete', 30_000)
  t.match(noop, { task_id: 'task-noop', result: { verification_status: 'verified' } })
  t.notOk('pr_url' in (noop.result as object) || 'submit_error' in (noop.result as object), 'nothing to submit is not an error')
  t.equal(log.named('git_nothing_to_submit').length, 1)

  hub.assign('gcu-direct', 'task-unverified', {
    routing_decision: { target_type: 'sidecar' },
    metadata: { shell_command: ['node', '-e', "require('fs').writeFileSync('half.txt', 'x')"] },
    verification_steps: [{ type: 'file_exists', target: 'never.txt' }],
  })
  const unverified = await hub.waitFor((f) => f.task_id === 'task-unverified' && (f.type === 'task_complete' || f.type === 'task_failed'), 30_000)
  t.notOk('pr_url' in ((unverified.result as object | undefined) ?? {}), 'unverified work opens no PR')
  t.equal(gh.calls().filter((c) => c.argv[0] === 'pr').length, 0, 'gh was never asked for a PR')
  t.match(log.named('verification_result').at(-1)?.fields, { task_id: 'task-unverified', failed_checks: ['file_exists'] })
})

t.test('direct path: a failing PR command is reported as submit_error; the task still completes', async (t) => {
  const { hub } = await directPathSidecar(t, { FAKE_GH_FAIL: '1' })
  hub.assign('gcu-direct', 'task-prfail', {
    description: 'Touch a file',
    routing_decision: { target_type: 'sidecar' },
    metadata: { shell_command: ['node', '-e', "require('fs').writeFileSync('touched.txt', 'x')"] },
  })
  const complete = await hub.waitForType('task_complete', 30_000)
  t.match(complete, { task_id: 'task-prfail', result: { verification_status: 'verified', submit_error: /^pr_create_failed: gh pr failed: GraphQL: could not create pull request/ } })
})

t.test('a task for a repository that cannot be cloned fails cleanly with the reason', async (t) => {
  const root = tempDir(t, 'sidecar-e2e-')
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())
  writeFileSync(join(root, 'placeholder'), '')
  const config = parseSidecarConfig(
    { agent_id: 'gcu-e2e', token: 'tok', hub_url: hub.url, data_dir: join(root, 'data'), results_dir: join(root, 'results') },
    { baseDir: root, homeDir: root },
  )
  const sidecar = await startSidecar(config, { log: new MemoryLog() })
  t.teardown(() => sidecar.stop())
  await until(() => hub.isConnected('gcu-e2e'), 'identified')
  hub.assign('gcu-e2e', 'task-bad', { repo: 'ext::sh%20-c%20touch%20/tmp/pwned' })
  const failed = await hub.waitForType('task_failed', 20_000)
  t.match(failed, { task_id: 'task-bad', reason: /^workspace_setup_failed: repository .* refused: remote-helper/ })
  hub.assign('gcu-e2e', 'task-missing', { repo: join(root, 'missing.git') })
  const failed2 = await hub.waitFor((f) => f.type === 'task_failed' && f.task_id === 'task-missing', 20_000)
  t.match(failed2.reason, /^workspace_setup_failed: git clone failed/)
})
