import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoSlug, taskDirName, TaskWorkspaces, validateRepoUrl, WorkspaceManager } from '../../relay/sidecar/workspace'
import { cloneRemote, createRemote, pushUpstreamCommit, runGit } from './git-fixtures'
import { tempDir } from './temp-dir'

t.test('repoSlug keeps the host, so SSH and HTTPS forms of one repo share a workspace', async (t) => {
  t.equal(repoSlug('https://github.com/notno/AgentCom'), 'github.com-notno-AgentCom')
  t.equal(repoSlug('git@github.com:notno/AgentCom.git'), 'github.com-notno-AgentCom')
  t.equal(repoSlug('ssh://git@github.com/notno/AgentCom.git'), 'github.com-notno-AgentCom')
  t.equal(repoSlug('/srv/git/remote.git'), 'srv-git-remote')
  t.equal(repoSlug('file:///srv/git/remote.git'), 'srv-git-remote')
  t.notOk(repoSlug('https://x/' + 'a'.repeat(300)).length > 100)
  t.notMatch(repoSlug('https://host/..'), /^\./)
})

t.test('validateRepoUrl refuses option injection, remote helpers and traversal', async (t) => {
  for (const ok of ['https://github.com/o/r', 'git@github.com:o/r.git', 'ssh://git@host:22/o/r', 'file:///srv/r.git', '/srv/git/r.git']) {
    t.equal(validateRepoUrl(ok), ok, ok)
  }
  for (const [bad, why] of [
    ['--upload-pack=touch%20/tmp/pwned', /starts with "-"/],
    ['ext::sh -c touch% /tmp/pwned', /whitespace|remote-helper/],
    ['ext::sh%20-c%20id', /remote-helper/],
    ['https://host/o/../../etc', /"\.\."/],
    ['/srv/../etc/r', /"\.\."/],
    ['relative/path', /not a URL/],
    ['ftp://host/r', /unsupported scheme/],
    ['host:-oProxyCommand=x', /starts with "-"/],
    ['https://host/r\nx', /control/],
    ['', /non-empty/],
  ] as Array<[string, RegExp]>) {
    t.throws(() => validateRepoUrl(bad), { code: 'invalid_repo_url', message: why }, bad)
  }
})

t.test('task ids that are not plain names are refused as directory names', async (t) => {
  t.equal(taskDirName('task-1.a_b'), 'task-1.a_b')
  for (const bad of ['../x', 'a/b', '.hidden', 'a..b', '', 'x\\y']) t.throws(() => taskDirName(bad), { code: 'invalid_task_id' }, bad)
})

t.test('each task gets its own worktree at the freshly fetched main; removal cleans up', async (t) => {
  const root = tempDir(t, 'sidecar-ws-')
  const fx = createRemote(root)
  const manager = new WorkspaceManager({ workspacesDir: join(root, 'workspaces'), env: fx.env })

  const a = await manager.createTaskWorkspace(fx.remote, 'task-a')
  t.equal(a.dir, join(root, 'workspaces', repoSlug(fx.remote), 'tasks', 'task-a'))
  t.ok(existsSync(join(a.dir, 'README.md')))
  writeFileSync(join(a.dir, 'leftover.txt'), 'from task a')

  // main moves on upstream; the next task must start from the new commit, without a's leftovers
  const newer = pushUpstreamCommit(fx, 'CHANGELOG.md', 'v2\n', 'docs: changelog')
  const b = await manager.createTaskWorkspace(fx.remote, 'task-b')
  t.not(a.dir, b.dir)
  t.equal(b.baseCommit, newer, 'created from the up-to-date main')
  t.equal(readFileSync(join(b.dir, 'CHANGELOG.md'), 'utf8'), 'v2\n')
  t.notOk(existsSync(join(b.dir, 'leftover.txt')), 'no leftovers from another task')
  t.ok(existsSync(join(a.dir, 'leftover.txt')), 'task a is untouched by task b')

  // a re-run of the same task starts from a clean worktree again
  const a2 = await manager.createTaskWorkspace(fx.remote, 'task-a')
  t.equal(a2.dir, a.dir)
  t.notOk(existsSync(join(a2.dir, 'leftover.txt')))

  await manager.removeTaskWorkspace(a2.dir)
  await manager.removeTaskWorkspace(b.dir)
  t.notOk(existsSync(a2.dir))
  t.notOk(existsSync(b.dir))
  t.equal(runGit(a.baseRepo, ['worktree', 'list', '--porcelain'], fx.env).split('\n').filter((l) => l.startsWith('worktree ')).length, 1, 'only the base remains registered')
  await manager.removeTaskWorkspace(b.dir) // idempotent
})

t.test('a failing clone is a clear error and leaves nothing half-made', async (t) => {
  const root = tempDir(t, 'sidecar-ws-')
  const manager = new WorkspaceManager({ workspacesDir: join(root, 'workspaces') })
  await t.rejects(manager.createTaskWorkspace(join(root, 'missing.git'), 'task-x'), { code: 'clone_failed', message: /git clone failed/ })
  t.notOk(existsSync(join(root, 'workspaces', repoSlug(join(root, 'missing.git')), 'base.git')))
  await t.rejects(manager.createTaskWorkspace('ext::sh -c id', 'task-x'), { code: 'invalid_repo_url' })
})

t.test('TaskWorkspaces: tasks without a repo use repo_dir\'s remote and never touch the sidecar checkout', async (t) => {
  const root = tempDir(t, 'sidecar-ws-')
  const fx = createRemote(root)
  const sidecarCheckout = cloneRemote(fx, join(root, 'sidecar-checkout'))
  const headBefore = runGit(sidecarCheckout, ['rev-parse', '--abbrev-ref', 'HEAD'], fx.env)
  const workspaces = new TaskWorkspaces({
    manager: new WorkspaceManager({ workspacesDir: join(root, 'workspaces'), env: fx.env }),
    agentId: 'gcu-sleeper',
    repoDir: sidecarCheckout,
    git: { remote: 'origin', baseBranch: 'main', prCommand: ['gh', 'pr', 'create'], hubApiUrl: '', reviewer: '', env: fx.env },
  })
  const prepared = await workspaces.prepare({ task_id: 'task-1', description: 'Add a feature', repo: null })
  t.ok(prepared)
  t.equal(prepared?.branch, 'gcu/add-a-feature')
  t.equal(runGit(prepared!.dir, ['rev-parse', '--abbrev-ref', 'HEAD'], fx.env), 'gcu/add-a-feature')
  t.equal(runGit(sidecarCheckout, ['rev-parse', '--abbrev-ref', 'HEAD'], fx.env), headBefore, 'sidecar checkout still on its branch')
  t.equal(runGit(sidecarCheckout, ['status', '--porcelain'], fx.env), '', 'and unchanged')
  t.notOk(prepared!.dir.startsWith(sidecarCheckout))

  const none = new TaskWorkspaces({
    manager: new WorkspaceManager({ workspacesDir: join(root, 'ws2') }),
    agentId: 'gcu-sleeper',
    repoDir: null,
    git: { remote: 'origin', baseBranch: 'main', prCommand: ['gh'], hubApiUrl: '', reviewer: '' },
  })
  t.equal(await none.prepare({ task_id: 'task-2', description: 'x', repo: null }), null, 'no repository → no workspace')
  await workspaces.cleanup(prepared!.dir)
  t.notOk(existsSync(prepared!.dir))
})
