// Per-task workspaces (spec sidecar.md §11, improved). Each repository gets one bare base clone
// under `<workspaces_dir>/<slug>/base.git`; each task gets its own git worktree of it under
// `<workspaces_dir>/<slug>/tasks/<task_id>`, checked out (detached) at a freshly fetched
// `<remote>/<base_branch>`. Tasks never run in the sidecar's own checkout, never see a previous
// task's leftovers, and the worktree is removed after the task. Every git call is an argv with a
// timeout (no shell strings, no blocked event loop); repo URLs and task ids that could inject
// options or escape the workspaces directory are refused.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { silentLog, type EventLog } from './event-log'
import { execArgv, failureMessage, git, startTask, type ExecResult, type GitWorkflowOptions } from './git-workflow'

export const WORKSPACE_TIMEOUTS = { cloneMs: 300_000, fetchMs: 120_000, gitMs: 60_000 }

export type WorkspaceErrorCode = 'invalid_repo_url' | 'invalid_task_id' | 'clone_failed' | 'fetch_failed' | 'worktree_failed' | 'no_repository'

export class WorkspaceError extends Error {
  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'WorkspaceError'
  }
}

/**
 * Accepts https/http/ssh/git/file URLs, scp-like `user@host:path` and absolute local paths.
 * Refuses option-looking strings, whitespace/control characters, `..` path segments and git's
 * `<transport>::<address>` remote-helper syntax (e.g. `ext::sh -c …` runs commands).
 */
export function validateRepoUrl(url: unknown): string {
  const fail = (why: string): never => {
    throw new WorkspaceError('invalid_repo_url', `repository ${JSON.stringify(url)} refused: ${why}`)
  }
  if (typeof url !== 'string' || url.length === 0) return fail('not a non-empty string')
  if (url.length > 2048) return fail('longer than 2048 characters')
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(url)) return fail('contains whitespace or control characters')
  if (url.startsWith('-')) return fail('starts with "-"')
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) return fail('remote-helper transports ("<transport>::") are not allowed')
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/.exec(url)
  const scpLike = /^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+:(?!\/\/)(.*)$/.exec(url)
  let path: string
  if (scheme) {
    if (!/^(https?|ssh|git|file)$/i.test(scheme[1])) return fail(`unsupported scheme "${scheme[1]}"`)
    path = scheme[3]
  } else if (isAbsolute(url)) {
    path = url
  } else if (scpLike) {
    path = scpLike[1]
    if (path.startsWith('-')) return fail('the path part starts with "-"')
  } else {
    return fail('not a URL (https://, ssh://, git://, file://), user@host:path, or an absolute path')
  }
  if (path.split(/[\\/]/).includes('..')) return fail('contains a ".." path segment')
  return url
}

/**
 * Directory name for a repository. Unlike the original, the host is kept for SSH URLs, so
 * `git@github.com:o/r.git` and `https://github.com/o/r` share one base clone.
 */
export function repoSlug(url: string): string {
  let s = url.trim()
  s = s.replace(/^[a-z]+:\/\//i, '')
  s = s.replace(/^[^/@:]+@/, '') // user@ of ssh / scp-like forms
  s = s.replace(/^([A-Za-z0-9.-]+):(?!\/\/)(?=[^\\])/, '$1/') // scp-like host:path → host/path
  s = s.replace(/\/+$/, '').replace(/\.git$/, '')
  s = s.replace(/[/\\]+/g, '-').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[-.]+/, '')
  if (s.length === 0) s = 'repo'
  if (s.length > 100) s = `${s.slice(0, 90)}-${createHash('sha1').update(url).digest('hex').slice(0, 8)}`
  return s
}

/** Task ids become directory names: refuse anything that is not a plain, safe file name. */
export function taskDirName(taskId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(taskId) || taskId.includes('..')) {
    throw new WorkspaceError('invalid_task_id', `task id ${JSON.stringify(taskId)} cannot be used as a workspace directory name`)
  }
  return taskId
}

export interface TaskWorkspace {
  dir: string
  repoUrl: string
  baseRepo: string
  /** the commit of `<remote>/<base_branch>` the worktree was created at */
  baseCommit: string
}

export interface WorkspaceManagerOptions {
  workspacesDir: string
  remote?: string
  baseBranch?: string
  log?: EventLog
  env?: NodeJS.ProcessEnv
  timeouts?: Partial<typeof WORKSPACE_TIMEOUTS>
}

export class WorkspaceManager {
  readonly workspacesDir: string
  private readonly remote: string
  private readonly baseBranch: string
  private readonly log: EventLog
  private readonly env?: NodeJS.ProcessEnv
  private readonly timeouts: typeof WORKSPACE_TIMEOUTS
  /** one clone/fetch per repository at a time */
  private readonly locks = new Map<string, Promise<unknown>>()

  constructor(opts: WorkspaceManagerOptions) {
    this.workspacesDir = resolve(opts.workspacesDir)
    this.remote = opts.remote ?? 'origin'
    this.baseBranch = opts.baseBranch ?? 'main'
    this.log = opts.log ?? silentLog
    this.env = opts.env
    this.timeouts = { ...WORKSPACE_TIMEOUTS, ...opts.timeouts }
    mkdirSync(this.workspacesDir, { recursive: true })
  }

  /** Where a task's worktree for `repoUrl` lives (nothing is created). */
  taskWorkspacePath(repoUrl: string, taskId: string): string {
    return this.inside(join(this.workspacesDir, repoSlug(validateRepoUrl(repoUrl)), 'tasks', taskDirName(taskId)))
  }

  /**
   * A fresh worktree for the task at the up-to-date `<remote>/<base_branch>`. A worktree left
   * by an earlier run of the same task is replaced.
   */
  async createTaskWorkspace(repoUrl: string, taskId: string): Promise<TaskWorkspace> {
    const url = validateRepoUrl(repoUrl)
    const dir = this.taskWorkspacePath(url, taskId)
    const baseRepo = await this.withLock(url, () => this.ensureBaseRepo(url))
    await this.removeWorktree(baseRepo, dir)
    mkdirSync(join(dir, '..'), { recursive: true })
    const start = `refs/remotes/${this.remote}/${this.baseBranch}`
    const add = await this.git(baseRepo, ['worktree', 'add', '--force', '--detach', dir, start], this.timeouts.gitMs)
    if (add.code !== 0) throw new WorkspaceError('worktree_failed', failureMessage('git', ['worktree'], add))
    const head = await this.git(dir, ['rev-parse', 'HEAD'], this.timeouts.gitMs)
    this.log.log('info', 'workspace_created', { repo: url, task_dir: dir })
    return { dir, repoUrl: url, baseRepo, baseCommit: head.stdout.trim() }
  }

  /** Removes a task's worktree (and its registration); safe to call for a missing one. */
  async removeTaskWorkspace(dir: string): Promise<void> {
    const target = this.inside(resolve(dir))
    const baseRepo = join(target, '..', '..', 'base.git')
    await this.removeWorktree(baseRepo, target)
    this.log.log('info', 'workspace_removed', { task_dir: target })
  }

  /** The URL of `repoDir`'s remote: tasks without their own repo clone from there, not in it. */
  async remoteUrlOf(repoDir: string): Promise<string> {
    const r = await this.git(repoDir, ['remote', 'get-url', '--', this.remote], this.timeouts.gitMs)
    if (r.code !== 0 || !r.stdout.trim()) {
      throw new WorkspaceError('no_repository', `repo_dir ${repoDir} has no remote "${this.remote}": ${failureMessage('git', ['remote'], r)}`)
    }
    return validateRepoUrl(r.stdout.trim())
  }

  private async ensureBaseRepo(url: string): Promise<string> {
    const baseRepo = join(this.workspacesDir, repoSlug(url), 'base.git')
    if (!existsSync(join(baseRepo, 'HEAD'))) {
      rmSync(baseRepo, { recursive: true, force: true }) // a clone interrupted half-way
      mkdirSync(join(baseRepo, '..'), { recursive: true })
      const clone = await execArgv('git', ['clone', '--bare', '--', url, baseRepo], {
        env: this.env,
        timeoutMs: this.timeouts.cloneMs,
      })
      if (clone.code !== 0) {
        rmSync(baseRepo, { recursive: true, force: true })
        throw new WorkspaceError('clone_failed', failureMessage('git', ['clone'], clone))
      }
      // a bare clone maps branches to refs/heads; worktrees need remote-tracking refs to start from
      await this.git(baseRepo, ['config', `remote.${this.remote}.fetch`, `+refs/heads/*:refs/remotes/${this.remote}/*`], this.timeouts.gitMs)
      this.log.log('info', 'workspace_cloned', { repo: url, base_repo: baseRepo })
    }
    const fetch = await this.git(baseRepo, ['fetch', '--prune', '--', this.remote], this.timeouts.fetchMs)
    if (fetch.code !== 0) throw new WorkspaceError('fetch_failed', failureMessage('git', ['fetch'], fetch))
    const hasBase = await this.git(baseRepo, ['rev-parse', '--verify', '--quiet', `refs/remotes/${this.remote}/${this.baseBranch}`], this.timeouts.gitMs)
    if (hasBase.code !== 0) {
      throw new WorkspaceError('fetch_failed', `the remote of ${url} has no branch "${this.baseBranch}"`)
    }
    return baseRepo
  }

  private async removeWorktree(baseRepo: string, dir: string): Promise<void> {
    if (existsSync(join(baseRepo, 'HEAD'))) {
      if (existsSync(dir)) await this.git(baseRepo, ['worktree', 'remove', '--force', '--force', dir], this.timeouts.gitMs)
      rmSync(dir, { recursive: true, force: true })
      await this.git(baseRepo, ['worktree', 'prune'], this.timeouts.gitMs)
    } else {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  private inside(path: string): string {
    const rel = relative(this.workspacesDir, path)
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
      throw new WorkspaceError('invalid_task_id', `path ${path} is outside the workspaces directory`)
    }
    return path
  }

  private git(cwd: string, args: string[], timeoutMs: number): Promise<ExecResult> {
    return git(cwd, args, { env: this.env, gitTimeoutMs: timeoutMs })
  }

  private async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(work)
    this.locks.set(key, next)
    try {
      return await next
    } finally {
      if (this.locks.get(key) === next) this.locks.delete(key)
    }
  }
}

export interface TaskWorkspacesOptions {
  manager: WorkspaceManager
  agentId: string
  /** the configured repo_dir: tasks without a `repo` get a worktree of its remote */
  repoDir: string | null
  git: GitWorkflowOptions
  log?: EventLog
}

/**
 * What the TaskRelay calls around a run: a fresh worktree of the task's repository (or of
 * repo_dir's remote) with the task branch created by `start-task`, and its removal afterwards.
 * A failing `start-task` is recorded as `git_warning` and the task continues (spec §6 step 4).
 */
export class TaskWorkspaces {
  constructor(private readonly o: TaskWorkspacesOptions) {}

  async prepare(task: { task_id: string; description: string; repo: string | null }): Promise<{ dir: string; branch: string | null; gitWarning: string | null } | null> {
    const url = task.repo ? validateRepoUrl(task.repo) : this.o.repoDir ? await this.o.manager.remoteUrlOf(this.o.repoDir) : null
    if (!url) return null
    const ws = await this.o.manager.createTaskWorkspace(url, task.task_id)
    const started = await startTask(
      ws.dir,
      { agent_id: this.o.agentId, task_id: task.task_id, description: task.description || task.task_id },
      this.o.git,
    )
    if (started.status === 'ok') return { dir: ws.dir, branch: String(started.branch), gitWarning: null }
    const warning = `${started.error}: ${String(started.message ?? '')}`.trim()
    ;(this.o.log ?? silentLog).log('warning', 'git_start_task_failed', { task_id: task.task_id, error: warning })
    return { dir: ws.dir, branch: null, gitWarning: warning }
  }

  cleanup(dir: string): Promise<void> {
    return this.o.manager.removeTaskWorkspace(dir)
  }
}
