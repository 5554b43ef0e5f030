// The agent's git workflow (spec sidecar.md §13): `start-task`, `submit`, `status`, each
// returning exactly one JSON-able object — `{status:"ok", …}` or `{status:"error", error:<code>,
// …details}` — so `agentcom git <cmd> '<json>'` can print it and exit 0/1. Defects fixed: every
// git/gh call is an argv (no shell strings: titles, labels, branch names and URLs cannot inject),
// asynchronous with a timeout (the event loop and heartbeats keep running), the PR body is
// written outside the work tree, and `submit` commits pending changes instead of leaving them.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

export const GIT_TIMEOUT_MS = 60_000
export const PR_TIMEOUT_MS = 120_000
export const GIT_COMMANDS = ['start-task', 'submit', 'status'] as const
export type GitCommand = (typeof GIT_COMMANDS)[number]

export type GitOk = { status: 'ok' } & Record<string, unknown>
export type GitError = { status: 'error'; error: GitErrorCode } & Record<string, unknown>
export type GitResult = GitOk | GitError

export type GitErrorCode =
  | 'config_not_found'
  | 'missing_repo_dir'
  | 'repo_dir_not_found'
  | 'not_a_git_repo'
  | 'unknown_command'
  | 'unexpected_error'
  | 'missing_args'
  | 'invalid_args'
  | 'dirty_working_tree'
  | 'fetch_failed'
  | 'invalid_branch'
  | 'checkout_failed'
  | 'on_main_branch'
  | 'detached_head'
  | 'commit_failed'
  | 'no_commits'
  | 'push_failed'
  | 'pr_create_failed'

export interface GitWorkflowOptions {
  /** e.g. "origin" */
  remote: string
  /** e.g. "main" */
  baseBranch: string
  /** argv that opens a PR, e.g. ["gh","pr","create"]; flags are appended */
  prCommand: string[]
  hubApiUrl: string
  reviewer: string
  env?: NodeJS.ProcessEnv
  gitTimeoutMs?: number
  prTimeoutMs?: number
}

export const DEFAULT_GIT_OPTIONS: GitWorkflowOptions = {
  remote: 'origin',
  baseBranch: 'main',
  prCommand: ['gh', 'pr', 'create'],
  hubApiUrl: '',
  reviewer: '',
}

export interface ExecResult {
  code: number | null
  stdout: string
  stderr: string
  /** spawn failure or timeout text */
  error: string | null
}

/** Runs a program with argv (never a shell); resolves with its output, never rejects. */
export function execArgv(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: opts.cwd,
        env: { ...(opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0', GH_PROMPT_DISABLED: '1' },
        timeout: opts.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        windowsHide: true,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null
        if (!e) return resolve({ code: 0, stdout, stderr, error: null })
        const code = typeof e.code === 'number' ? e.code : null
        const error = e.killed ? `timed out after ${opts.timeoutMs} ms` : typeof e.code === 'string' ? e.message : null
        resolve({ code: code ?? 1, stdout: stdout ?? '', stderr: stderr ?? '', error })
      },
    )
  })
}

export function git(repoDir: string, args: readonly string[], opts: Pick<GitWorkflowOptions, 'env' | 'gitTimeoutMs'> = {}): Promise<ExecResult> {
  return execArgv('git', args, { cwd: repoDir, env: opts.env, timeoutMs: opts.gitTimeoutMs ?? GIT_TIMEOUT_MS })
}

/** `git <first word> failed: <stderr or message>` (spec §13.2). */
export function failureMessage(program: string, args: readonly string[], r: ExecResult): string {
  const detail = (r.stderr.trim() || r.error || r.stdout.trim() || `exit code ${r.code}`).trim()
  return `${program} ${args[0] ?? ''} failed: ${detail}`
}

function error(code: GitErrorCode, details: Record<string, unknown> = {}): GitError {
  return { status: 'error', error: code, ...details }
}

/** Validates that `repoDir` is configured, exists and is a git work tree (spec §13.2). */
export function checkRepoDir(repoDir: string | null | undefined): GitError | null {
  if (!repoDir) return error('missing_repo_dir', { hint: 'set "repo_dir" in the sidecar config to the git working copy' })
  if (!existsSync(repoDir) || !statSync(repoDir).isDirectory()) return error('repo_dir_not_found', { repo_dir: repoDir })
  if (!existsSync(join(repoDir, '.git'))) {
    return error('not_a_git_repo', { repo_dir: repoDir, hint: 'repo_dir must be a git clone (or worktree) with a .git entry' })
  }
  return null
}

/** `flere-imsaho` → `flere`; the part before the first `-`, at most 8 characters. */
export function agentBranchPrefix(agentId: string): string {
  const prefix = agentId.split('-')[0].slice(0, 8).toLowerCase().replace(/[^a-z0-9._]/g, '')
  return prefix || 'agent'
}

/** Description → branch slug (spec §13.3 step 4), at most 40 characters. */
export function descriptionSlug(description: string): string {
  const slug = description
    .toLowerCase()
    .replace(/[^a-z0-9 \-\s]/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
  return slug.slice(0, 40).replace(/-+$/g, '')
}

export function branchNameFor(agentId: string, description: string, taskId?: string): string {
  const slug = descriptionSlug(description) || descriptionSlug(String(taskId ?? '').replace(/[._]/g, '-')) || 'task'
  return `${agentBranchPrefix(agentId)}/${slug}`
}

/**
 * A conservative subset of `git check-ref-format --branch`: what may become a branch (and, via a
 * worktree, part of a path) must not contain traversal or option-like pieces.
 */
export function validateBranchName(branch: string): string | null {
  if (branch.length === 0 || branch.length > 200) return 'must be 1-200 characters'
  if (!/^[A-Za-z0-9._/-]+$/.test(branch)) return 'may only contain letters, digits, ".", "_", "-" and "/"'
  if (branch.startsWith('-')) return 'must not start with "-"'
  if (branch.startsWith('/') || branch.endsWith('/') || branch.includes('//')) return 'must not start or end with "/" or contain "//"'
  if (branch.includes('..')) return 'must not contain ".."'
  if (branch.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return 'no component may start with "." or end with ".lock"'
  }
  if (branch.endsWith('.')) return 'must not end with "."'
  return null
}

function isProtectedBranch(branch: string, opts: GitWorkflowOptions): boolean {
  return branch === 'main' || branch === 'master' || branch === opts.baseBranch || branch === 'HEAD'
}

async function porcelain(repoDir: string, opts: GitWorkflowOptions): Promise<string[] | ExecResult> {
  const r = await git(repoDir, ['status', '--porcelain'], opts)
  if (r.code !== 0) return r
  return r.stdout.split('\n').filter((l) => l.trim().length > 0)
}

export interface StartTaskArgs {
  agent_id?: unknown
  task_id?: unknown
  description?: unknown
  /** an explicit branch requested by the task; validated, never used raw */
  branch?: unknown
}

/** spec §13.3: a fresh branch `<agent>/<slug>` from an up-to-date `<remote>/<base>`. */
export async function startTask(repoDir: string, args: StartTaskArgs, opts: GitWorkflowOptions = DEFAULT_GIT_OPTIONS): Promise<GitResult> {
  const bad = checkRepoDir(repoDir)
  if (bad) return bad
  if (!nonEmpty(args.agent_id) || !nonEmpty(args.description)) {
    return error('missing_args', { required: ['agent_id', 'description'] })
  }
  const files = await porcelain(repoDir, opts)
  if (!Array.isArray(files)) return error('unexpected_error', { message: failureMessage('git', ['status'], files) })
  if (files.length > 0) return error('dirty_working_tree', { files })

  const fetch = await git(repoDir, ['fetch', '--prune', '--', opts.remote], opts)
  if (fetch.code !== 0) return error('fetch_failed', { message: failureMessage('git', ['fetch'], fetch) })

  const branch = nonEmpty(args.branch) ? args.branch : branchNameFor(args.agent_id, args.description, String(args.task_id ?? ''))
  const invalid = validateBranchName(branch)
  if (invalid) return error('invalid_branch', { branch, message: `branch name ${invalid}` })
  if (isProtectedBranch(branch, opts)) return error('on_main_branch', { branch, message: `refusing to work on ${branch}` })

  const base = `${opts.remote}/${opts.baseBranch}`
  const checkout = await git(repoDir, ['checkout', '--no-track', '-B', branch, base], opts)
  if (checkout.code !== 0) return error('checkout_failed', { branch, message: failureMessage('git', ['checkout'], checkout) })
  const head = await git(repoDir, ['rev-parse', '--short', 'HEAD'], opts)
  return { status: 'ok', branch, base_commit: head.stdout.trim(), repo_dir: repoDir }
}

export interface SubmitArgs {
  agent_id?: unknown
  task_id?: unknown
  /** the task record (description, metadata.priority) */
  task?: unknown
  verification_report?: unknown
  /** cost of the task, e.g. {estimated_cost_usd, tokens_in, tokens_out} or a number (USD) */
  cost?: unknown
  commit_message?: unknown
}

/** spec §13.4: commit pending work, push the branch, open the PR through the configured command. */
export async function submit(repoDir: string, args: SubmitArgs, opts: GitWorkflowOptions = DEFAULT_GIT_OPTIONS): Promise<GitResult> {
  const bad = checkRepoDir(repoDir)
  if (bad) return bad
  if (!nonEmpty(args.agent_id) || !nonEmpty(args.task_id)) return error('missing_args', { required: ['agent_id', 'task_id'] })
  const agentId = args.agent_id
  const taskId = args.task_id
  const task = (isObject(args.task) ? args.task : {}) as { description?: unknown; metadata?: unknown }
  const description = nonEmpty(task.description) ? task.description : ''

  const current = await git(repoDir, ['rev-parse', '--abbrev-ref', 'HEAD'], opts)
  if (current.code !== 0) return error('unexpected_error', { message: failureMessage('git', ['rev-parse'], current) })
  const branch = current.stdout.trim()
  if (branch === 'HEAD') return error('detached_head', { message: 'not on a branch; run start-task first' })
  if (isProtectedBranch(branch, opts)) return error('on_main_branch', { branch })

  const files = await porcelain(repoDir, opts)
  if (!Array.isArray(files)) return error('unexpected_error', { message: failureMessage('git', ['status'], files) })
  let committed: string[] = []
  if (files.length > 0) {
    const message = nonEmpty(args.commit_message) ? args.commit_message : defaultCommitMessage(description, taskId)
    const commit = await commitAll(repoDir, message, agentId, opts)
    if (commit) return error('commit_failed', { branch, message: commit, files })
    committed = files
  }

  const base = `${opts.remote}/${opts.baseBranch}`
  const ahead = await git(repoDir, ['rev-list', '--count', `${base}..HEAD`], opts)
  if (ahead.code !== 0 || Number(ahead.stdout.trim()) === 0) return error('no_commits', { branch, base })

  const push = await git(repoDir, ['push', '--force-with-lease', '--porcelain', opts.remote, `${branch}:refs/heads/${branch}`], opts)
  if (push.code !== 0) {
    return error('push_failed', { branch, message: failureMessage('git', ['push'], push), rejection: describeRejection(push) })
  }

  const priority = priorityOf(task.metadata)
  const diffStat = await git(repoDir, ['diff', '--stat', `${base}...HEAD`], opts)
  const body = prBody({
    agentId,
    taskId,
    description,
    priority,
    hubApiUrl: opts.hubApiUrl,
    diffStat: diffStat.code === 0 ? diffStat.stdout.trim() : '',
    verificationReport: args.verification_report,
    cost: args.cost,
  })
  const bodyDir = mkdtempSync(join(tmpdir(), 'agentcom-pr-'))
  const bodyFile = join(bodyDir, 'body.md')
  try {
    writeFileSync(bodyFile, body)
    const pr = await openPullRequest(repoDir, { branch, title: prTitle(description), bodyFile, agentId, priority }, opts)
    if (pr.code !== 0) {
      return error('pr_create_failed', { branch, message: failureMessage(basename(opts.prCommand[0]), opts.prCommand.slice(1), pr) })
    }
    const prUrl = lastLine(pr.stdout)
    return { status: 'ok', pr_url: prUrl, branch, ...(committed.length > 0 ? { committed_files: committed } : {}) }
  } finally {
    rmSync(bodyDir, { recursive: true, force: true })
  }
}

/** spec §13.5 */
export async function status(repoDir: string, opts: GitWorkflowOptions = DEFAULT_GIT_OPTIONS): Promise<GitResult> {
  const bad = checkRepoDir(repoDir)
  if (bad) return bad
  const base = `${opts.remote}/${opts.baseBranch}`
  const [current, ahead, diff, files, subjects] = await Promise.all([
    git(repoDir, ['rev-parse', '--abbrev-ref', 'HEAD'], opts),
    git(repoDir, ['rev-list', '--count', `${base}..HEAD`], opts),
    git(repoDir, ['diff', '--stat', `${base}...HEAD`], opts),
    porcelain(repoDir, opts),
    git(repoDir, ['log', '--format=%s', `${base}..HEAD`], opts),
  ])
  if (current.code !== 0) return error('unexpected_error', { message: failureMessage('git', ['rev-parse'], current) })
  const uncommitted = Array.isArray(files) ? files : []
  const commitSubjects = subjects.code === 0 ? subjects.stdout.split('\n').filter((s) => s.length > 0) : []
  return {
    status: 'ok',
    branch: current.stdout.trim(),
    commits_ahead: ahead.code === 0 ? Number(ahead.stdout.trim()) : 0,
    diff_from_main: diff.code === 0 ? diff.stdout.trim() : '',
    uncommitted_changes: uncommitted,
    is_clean: uncommitted.length === 0,
    non_conventional_commits: commitSubjects.filter((s) => !isConventionalCommit(s)),
  }
}

const CONVENTIONAL = /^(feat|fix|docs|style|refactor|test|chore|perf|ci|build|revert)(\([A-Za-z0-9._-]+\))?!?:\s+\S/

export function isConventionalCommit(subject: string): boolean {
  return CONVENTIONAL.test(subject)
}

/** Title = description (or "agent task"), cut to 57 characters + "..." when longer than 60. */
export function prTitle(description: string): string {
  const title = description.trim().split('\n')[0] || 'agent task'
  return title.length > 60 ? `${title.slice(0, 57)}...` : title
}

export interface PrBodyInput {
  agentId: string
  taskId: string
  description: string
  priority: string
  hubApiUrl: string
  diffStat: string
  verificationReport?: unknown
  cost?: unknown
}

export function prBody(input: PrBodyInput): string {
  const hub = (input.hubApiUrl || 'http://localhost:4000').replace(/\/+$/, '')
  const lines = [
    `## Task: ${input.taskId}`,
    '',
    `**Agent:** ${input.agentId}`,
    `**Priority:** ${input.priority}`,
    `**Task Link:** ${hub}/api/tasks/${encodeURIComponent(input.taskId)}`,
    '',
    '### Description',
    '',
    input.description || '_No description provided._',
    '',
    '### Verification',
    '',
    ...verificationLines(input.verificationReport),
    '',
    '### Cost',
    '',
    ...costLines(input.cost),
    '',
    '### Changes',
    '',
    '```',
    input.diffStat || 'No changes',
    '```',
    '',
    '---',
    `_Submitted by agentcom git for agent ${input.agentId}, task ${input.taskId}._`,
    '',
  ]
  return lines.join('\n')
}

function verificationLines(report: unknown): string[] {
  if (!isObject(report)) return ['_No verification report._']
  const r = report as { status?: unknown; summary?: unknown; checks?: unknown; results?: unknown }
  const lines = [`**Status:** ${String(r.status ?? 'unknown')}`]
  if (r.summary !== undefined) lines.push(`**Summary:** ${typeof r.summary === 'string' ? r.summary : JSON.stringify(r.summary)}`)
  const checks = Array.isArray(r.checks) ? r.checks : Array.isArray(r.results) ? r.results : []
  for (const check of checks) {
    const c = (isObject(check) ? check : {}) as { type?: unknown; target?: unknown; status?: unknown; name?: unknown }
    lines.push(`- ${String(c.status ?? '?')}: ${String(c.type ?? c.name ?? 'check')}${c.target !== undefined ? ` ${String(c.target)}` : ''}`)
  }
  lines.push('', '<details><summary>Full report</summary>', '', '```json', JSON.stringify(report, null, 2), '```', '', '</details>')
  return lines
}

function costLines(cost: unknown): string[] {
  if (typeof cost === 'number') return [`**Estimated cost:** $${cost.toFixed(4)}`]
  if (!isObject(cost)) return ['_Not reported._']
  return Object.entries(cost as Record<string, unknown>).map(([k, v]) => `- ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
}

function priorityOf(metadata: unknown): string {
  const p = isObject(metadata) ? (metadata as { priority?: unknown }).priority : undefined
  return typeof p === 'string' && /^[A-Za-z0-9_-]{1,20}$/.test(p) ? p : 'normal'
}

function defaultCommitMessage(description: string, taskId: string): string {
  const summary = (description.split('\n')[0] || `task ${taskId}`).slice(0, 60)
  return `chore(agent): ${summary}\n\nTask: ${taskId}`
}

async function commitAll(repoDir: string, message: string, agentId: string, opts: GitWorkflowOptions): Promise<string | null> {
  const add = await git(repoDir, ['add', '-A'], opts)
  if (add.code !== 0) return failureMessage('git', ['add'], add)
  const identity = await git(repoDir, ['config', '--get', 'user.email'], opts)
  // an agent host without a git identity still commits, under the agent's name
  const who = identity.code === 0 && identity.stdout.trim() ? [] : ['-c', `user.name=${agentId}`, '-c', `user.email=${agentId}@agentcom.invalid`]
  const commit = await git(repoDir, [...who, 'commit', '--no-verify', '-m', message], opts)
  return commit.code === 0 ? null : failureMessage('git', ['commit'], commit)
}

async function openPullRequest(
  repoDir: string,
  pr: { branch: string; title: string; bodyFile: string; agentId: string; priority: string },
  opts: GitWorkflowOptions,
): Promise<ExecResult> {
  const [program, ...prefix] = opts.prCommand
  const timeoutMs = opts.prTimeoutMs ?? PR_TIMEOUT_MS
  const labels = [`agent:${agentBranchPrefix(pr.agentId)}`, `priority:${pr.priority}`]
  const isGh = basename(program).replace(/\.exe$/i, '') === 'gh'
  if (isGh) {
    for (const label of labels) {
      // labels may already exist or the repo may forbid them; the PR does not depend on it
      await execArgv(program, ['label', 'create', label, '--force'], { cwd: repoDir, env: opts.env, timeoutMs })
    }
  }
  const args = [
    ...prefix,
    '--base',
    opts.baseBranch,
    '--head',
    pr.branch,
    '--title',
    pr.title,
    '--body-file',
    pr.bodyFile,
    ...(isGh ? labels.flatMap((l) => ['--label', l]) : []),
    ...(opts.reviewer ? ['--reviewer', opts.reviewer] : []),
  ]
  return execArgv(program, args, { cwd: repoDir, env: opts.env, timeoutMs })
}

/** Names the reason a push was refused, in words an operator can act on. */
export function describeRejection(r: ExecResult): string {
  const text = `${r.stdout}\n${r.stderr}`
  if (/stale info/.test(text)) return 'the remote branch changed since it was last fetched (force-with-lease refused)'
  if (/pre-receive hook declined|hook declined/.test(text)) return 'a server-side hook declined the push'
  if (/non-fast-forward|fetch first/.test(text)) return 'the remote branch has commits that are not in this branch'
  if (/protected branch|GH006/.test(text)) return 'the branch is protected on the remote'
  if (/Permission denied|Authentication failed|could not read Username|403/.test(text)) return 'the remote refused the credentials'
  if (/Could not read from remote repository|does not appear to be a git repository|unable to access/.test(text)) {
    return 'the remote could not be reached'
  }
  if (r.error) return r.error
  return 'the remote rejected the push'
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)
  return lines[lines.length - 1] ?? ''
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface GitCommandConfig {
  repo_dir: string | null
  hub_api_url: string
  reviewer: string
  git_remote: string
  base_branch: string
  pr_command: string[]
}

/** The git workflow's options from a sidecar config (the sidecar and `agentcom git` share it). */
export function gitOptionsOf(config: Omit<GitCommandConfig, 'repo_dir'>, env?: NodeJS.ProcessEnv): GitWorkflowOptions {
  return {
    remote: config.git_remote,
    baseBranch: config.base_branch,
    prCommand: config.pr_command,
    hubApiUrl: config.hub_api_url,
    reviewer: config.reviewer,
    env,
  }
}

/**
 * The `agentcom git <command> '<json args>'` contract (spec §13.2): always one result object;
 * exit code 0 for ok, 1 for error. Never throws.
 */
export async function runGitCommand(
  command: string,
  jsonArgs: string | undefined,
  config: GitCommandConfig,
  env?: NodeJS.ProcessEnv,
): Promise<{ exitCode: 0 | 1; result: GitResult }> {
  const done = (result: GitResult): { exitCode: 0 | 1; result: GitResult } => ({ exitCode: result.status === 'ok' ? 0 : 1, result })
  try {
    if (!(GIT_COMMANDS as readonly string[]).includes(command)) {
      return done(error('unknown_command', { command, available: [...GIT_COMMANDS] }))
    }
    let args: unknown = {}
    if (jsonArgs !== undefined && jsonArgs.trim() !== '') {
      try {
        args = JSON.parse(jsonArgs)
      } catch (err) {
        return done(error('unexpected_error', { message: `arguments are not valid JSON: ${(err as Error).message}` }))
      }
    }
    if (!isObject(args)) return done(error('invalid_args', { message: 'arguments must be a JSON object' }))
    const repoError = checkRepoDir(config.repo_dir)
    if (repoError) return done(repoError)
    const opts = gitOptionsOf(config, env)
    const repoDir = config.repo_dir as string
    switch (command as GitCommand) {
      case 'start-task':
        return done(await startTask(repoDir, args as StartTaskArgs, opts))
      case 'submit':
        return done(await submit(repoDir, args as SubmitArgs, opts))
      case 'status':
        return done(await status(repoDir, opts))
    }
    return done(error('unknown_command', { command, available: [...GIT_COMMANDS] }))
  } catch (err) {
    return done(error('unexpected_error', { message: err instanceof Error ? err.message : String(err) }))
  }
}
