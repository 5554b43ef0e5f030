import t, { type Test } from 'tap'
import { existsSync, writeFileSync, chmodSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  branchNameFor,
  descriptionSlug,
  isConventionalCommit,
  prTitle,
  runGitCommand,
  startTask,
  status,
  submit,
  validateBranchName,
  type GitWorkflowOptions,
} from '../../relay/sidecar/git-workflow'
import { cloneRemote, createRemote, pushUpstreamCommit, runGit } from './git-fixtures'
import { writeGhShim } from './program-shims'
import { tempDir } from './temp-dir'

t.test('branch names: <prefix≤8>/<slug≤40>, spec examples', async (t) => {
  t.equal(branchNameFor('flere-imsaho', 'Fix the Login bug!'), 'flere/fix-the-login-bug')
  t.equal(branchNameFor('gcu-sleeper-service', '  Add   --- retries  '), 'gcu/add-retries')
  t.equal(branchNameFor('verylongagentname', 'x'), 'verylong/x')
  t.equal(descriptionSlug('a'.repeat(39) + ' bcd'), 'a'.repeat(39))
  t.equal(branchNameFor('gcu-x', '!!!', 'task-42'), 'gcu/task-42', 'falls back to the task id')
  t.equal(branchNameFor('gcu-x', '$(rm -rf /); `id` ../../..'), 'gcu/rm-rf-id')
})

t.test('validateBranchName refuses traversal and option-like names', async (t) => {
  t.equal(validateBranchName('gcu/fix-bug'), null)
  for (const bad of ['../x', 'a/../b', '-f', '/a', 'a/', 'a//b', 'a b', 'a/.hidden', 'x.lock', 'a;b', '']) {
    t.not(validateBranchName(bad), null, bad)
  }
})

t.test('titles and conventional commits', async (t) => {
  t.equal(prTitle(''), 'agent task')
  t.equal(prTitle('x'.repeat(61)), 'x'.repeat(57) + '...')
  t.equal(prTitle('x'.repeat(60)), 'x'.repeat(60))
  t.ok(isConventionalCommit('feat(api)!: add thing'))
  t.notOk(isConventionalCommit('added thing'))
})

function fixture(t: Test) {
  const root = tempDir(t, 'sidecar-git-')
  const fx = createRemote(root)
  const repo = cloneRemote(fx, join(root, 'work'))
  const gh = writeGhShim(root)
  const opts: GitWorkflowOptions = {
    remote: 'origin',
    baseBranch: 'main',
    prCommand: [gh.path, 'pr', 'create'],
    hubApiUrl: 'http://hub.test:4000',
    reviewer: 'flere-imsaho',
    env: fx.env,
  }
  return { root, fx, repo, gh, opts }
}

t.test('start-task branches from an up-to-date origin/main and refuses a dirty tree', async (t) => {
  const { fx, repo, opts } = fixture(t)
  const newer = pushUpstreamCommit(fx, 'src/feature.ts', 'export {}\n', 'feat: upstream work')
  const r = await startTask(repo, { agent_id: 'gcu-sleeper', task_id: 't1', description: 'Fix the login bug' }, opts)
  t.match(r, { status: 'ok', branch: 'gcu/fix-the-login-bug', repo_dir: repo })
  t.equal(runGit(repo, ['rev-parse', 'HEAD'], fx.env), newer, 'branch starts at the freshly fetched main')
  t.equal(runGit(repo, ['rev-parse', '--abbrev-ref', 'HEAD'], fx.env), 'gcu/fix-the-login-bug')

  writeFileSync(join(repo, 'scratch.txt'), 'x')
  const dirty = await startTask(repo, { agent_id: 'gcu-sleeper', description: 'other' }, opts)
  t.match(dirty, { status: 'error', error: 'dirty_working_tree', files: ['?? scratch.txt'] })
  t.match(await startTask(repo, { agent_id: 'gcu-sleeper' }, opts), { status: 'error', error: 'missing_args' })
})

t.test('start-task refuses to work on main and refuses unsafe explicit branches', async (t) => {
  const { repo, opts } = fixture(t)
  t.match(await startTask(repo, { agent_id: 'a', description: 'x', branch: 'main' }, opts), { error: 'on_main_branch' })
  t.match(await startTask(repo, { agent_id: 'a', description: 'x', branch: '../../evil' }, opts), { error: 'invalid_branch' })
})

t.test('submit commits pending work, pushes, opens the PR through the shim with a body file', async (t) => {
  const { fx, repo, gh, opts } = fixture(t)
  await startTask(repo, { agent_id: 'gcu-sleeper', task_id: 'task-9', description: 'Add "greeting" `module`' }, opts)
  writeFileSync(join(repo, 'greeting.ts'), 'export const hi = 1\n')
  const r = await submit(
    repo,
    {
      agent_id: 'gcu-sleeper',
      task_id: 'task-9',
      task: { description: 'Add "greeting" `module`', metadata: { priority: 'high' } },
      verification_report: { status: 'pass', summary: '1/1 passed', checks: [{ type: 'file_exists', target: 'greeting.ts', status: 'pass' }] },
      cost: { estimated_cost_usd: 0.0123, tokens_in: 100, tokens_out: 50 },
    },
    opts,
  )
  t.match(r, { status: 'ok', pr_url: 'https://github.com/example/project/pull/17', branch: 'gcu/add-greeting-module', committed_files: ['?? greeting.ts'] })
  t.equal(
    runGit(fx.upstream, ['ls-remote', 'origin', 'refs/heads/gcu/add-greeting-module'], fx.env).split('\t')[0],
    runGit(repo, ['rev-parse', 'HEAD'], fx.env),
    'the branch reached the remote',
  )
  t.equal(runGit(repo, ['status', '--porcelain'], fx.env), '', 'nothing left uncommitted')

  const calls = gh.calls()
  t.same(calls.slice(0, 2).map((c) => c.argv), [
    ['label', 'create', 'agent:gcu', '--force'],
    ['label', 'create', 'priority:high', '--force'],
  ])
  const pr = calls[2]
  t.same(pr.argv.slice(0, 8), ['pr', 'create', '--base', 'main', '--head', 'gcu/add-greeting-module', '--title', 'Add "greeting" `module`'])
  t.same(pr.argv.slice(10), ['--label', 'agent:gcu', '--label', 'priority:high', '--reviewer', 'flere-imsaho'])
  t.equal(pr.cwd, repo)
  const body = pr.body ?? ''
  t.match(body, /^## Task: task-9$/m)
  t.match(body, /\*\*Task Link:\*\* http:\/\/hub\.test:4000\/api\/tasks\/task-9/)
  t.match(body, /\*\*Status:\*\* pass/)
  t.match(body, /- pass: file_exists greeting\.ts/)
  t.match(body, /estimated_cost_usd: 0\.0123/)
  t.match(body, /greeting\.ts \| 1 \+/)
  t.notOk(existsSync(pr.argv[9]), 'the body file is removed afterwards')
  t.notOk(readdirSync(repo).some((f) => f.includes('pr-body')), 'no body file inside the work tree')
})

t.test('submit: clear errors on main, without commits, and when the PR command fails', async (t) => {
  const { repo, opts, fx } = fixture(t)
  t.match(await submit(repo, { agent_id: 'a', task_id: 't' }, opts), { status: 'error', error: 'on_main_branch', branch: 'main' })
  await startTask(repo, { agent_id: 'gcu-a', description: 'nothing' }, opts)
  t.match(await submit(repo, { agent_id: 'gcu-a', task_id: 't' }, opts), { status: 'error', error: 'no_commits' })
  writeFileSync(join(repo, 'f.txt'), 'x')
  const failing = await submit(repo, { agent_id: 'gcu-a', task_id: 't' }, { ...opts, env: { ...fx.env, FAKE_GH_FAIL: '1' } })
  t.match(failing, { status: 'error', error: 'pr_create_failed', message: /could not create pull request/ })
  t.match(await submit(repo, { task_id: 't' }, opts), { status: 'error', error: 'missing_args' })
})

t.test('submit: a remote that rejects the push gives push_failed with the reason', async (t) => {
  const { fx, repo, opts } = fixture(t)
  const hook = join(fx.remote, 'hooks', 'pre-receive')
  writeFileSync(hook, '#!/bin/sh\necho "policy: pushes from agents are frozen" >&2\nexit 1\n')
  chmodSync(hook, 0o755)
  await startTask(repo, { agent_id: 'gcu-a', description: 'blocked change' }, opts)
  writeFileSync(join(repo, 'f.txt'), 'x')
  const r = await submit(repo, { agent_id: 'gcu-a', task_id: 't' }, opts)
  t.match(r, {
    status: 'error',
    error: 'push_failed',
    branch: 'gcu/blocked-change',
    message: /^git push failed: .*policy: pushes from agents are frozen/s,
    rejection: 'a server-side hook declined the push',
  })
})

t.test('submit: force-with-lease refuses to overwrite a branch someone else moved', async (t) => {
  const { fx, repo, opts, root } = fixture(t)
  await startTask(repo, { agent_id: 'gcu-a', description: 'shared branch' }, opts)
  writeFileSync(join(repo, 'a.txt'), 'a')
  t.match(await submit(repo, { agent_id: 'gcu-a', task_id: 't' }, opts), { status: 'ok' })
  // another clone pushes to the same branch
  const other = cloneRemote(fx, join(root, 'other'))
  runGit(other, ['checkout', 'gcu/shared-branch'], fx.env)
  writeFileSync(join(other, 'b.txt'), 'b')
  runGit(other, ['add', '-A'], fx.env)
  runGit(other, ['commit', '-m', 'fix: theirs'], fx.env)
  runGit(other, ['push', 'origin', 'gcu/shared-branch'], fx.env)
  // our tracking ref is stale: amend and push again
  writeFileSync(join(repo, 'a.txt'), 'a2')
  runGit(repo, ['commit', '-am', 'fix: ours'], fx.env)
  runGit(repo, ['update-ref', 'refs/remotes/origin/gcu/shared-branch', runGit(repo, ['rev-parse', 'HEAD~1'], fx.env)], fx.env)
  const r = await submit(repo, { agent_id: 'gcu-a', task_id: 't' }, opts)
  t.match(r, { status: 'error', error: 'push_failed', rejection: /changed since it was last fetched|commits that are not in this branch/ })
})

t.test('status reports branch, commits ahead, cleanliness and non-conventional subjects', async (t) => {
  const { fx, repo, opts } = fixture(t)
  await startTask(repo, { agent_id: 'gcu-a', description: 'status check' }, opts)
  writeFileSync(join(repo, 'x.txt'), 'x')
  runGit(repo, ['add', '-A'], fx.env)
  runGit(repo, ['commit', '-m', 'added x'], fx.env)
  writeFileSync(join(repo, 'y.txt'), 'y')
  t.match(await status(repo, opts), {
    status: 'ok',
    branch: 'gcu/status-check',
    commits_ahead: 1,
    uncommitted_changes: ['?? y.txt'],
    is_clean: false,
    non_conventional_commits: ['added x'],
    diff_from_main: /x\.txt/,
  })
})

t.test('runGitCommand: one result object and the exit code of the §13.2 contract', async (t) => {
  const { repo, opts } = fixture(t)
  const config = { repo_dir: repo, hub_api_url: '', reviewer: '', git_remote: 'origin', base_branch: 'main', pr_command: opts.prCommand }
  t.same(await runGitCommand('merge', '{}', config), {
    exitCode: 1,
    result: { status: 'error', error: 'unknown_command', command: 'merge', available: ['start-task', 'submit', 'status'] },
  })
  t.match(await runGitCommand('status', '{nope', config), { exitCode: 1, result: { error: 'unexpected_error', message: /not valid JSON/ } })
  t.match(await runGitCommand('status', '[]', config), { exitCode: 1, result: { error: 'invalid_args' } })
  t.match(await runGitCommand('status', undefined, { ...config, repo_dir: null }), { exitCode: 1, result: { error: 'missing_repo_dir' } })
  t.match(await runGitCommand('status', '{}', { ...config, repo_dir: '/nonexistent/x' }), { exitCode: 1, result: { error: 'repo_dir_not_found' } })
  t.match(await runGitCommand('status', '{}', { ...config, repo_dir: tempDir(t) }), { exitCode: 1, result: { error: 'not_a_git_repo' } })
  t.match(await runGitCommand('start-task', JSON.stringify({ agent_id: 'gcu-z', description: 'via cli' }), config, opts.env), {
    exitCode: 0,
    result: { status: 'ok', branch: 'gcu/via-cli' },
  })
})
