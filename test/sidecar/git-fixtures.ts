// Real git repositories for sidecar tests: a bare remote created with
// `git init --bare --initial-branch=main`, clones, commits. (Helper, no tests of its own.)
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** An environment that ignores the machine's git config and has a fixed identity. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig-none'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.invalid',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.invalid',
  }
}

export function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

export interface RemoteFixture {
  remote: string
  /** a clone used to push new commits to the remote, as another developer would */
  upstream: string
  env: NodeJS.ProcessEnv
}

/** A bare remote with one commit on main, plus an "upstream" clone to push more commits from. */
export function createRemote(root: string): RemoteFixture {
  const env = gitEnv(root)
  const remote = join(root, 'remote.git')
  runGit(root, ['init', '--bare', '--initial-branch=main', remote], env)
  const upstream = join(root, 'upstream')
  runGit(root, ['clone', remote, upstream], env)
  writeFileSync(join(upstream, 'README.md'), '# project\n')
  runGit(upstream, ['add', '-A'], env)
  runGit(upstream, ['commit', '-m', 'chore: initial commit'], env)
  runGit(upstream, ['push', 'origin', 'HEAD:main'], env)
  return { remote, upstream, env }
}

/** Commits a file in the upstream clone and pushes it to the remote's main. */
export function pushUpstreamCommit(fx: RemoteFixture, file: string, content: string, message: string): string {
  const path = join(fx.upstream, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, content)
  runGit(fx.upstream, ['add', '-A'], fx.env)
  runGit(fx.upstream, ['commit', '-m', message], fx.env)
  runGit(fx.upstream, ['push', 'origin', 'HEAD:main'], fx.env)
  return runGit(fx.upstream, ['rev-parse', 'HEAD'], fx.env)
}

export function cloneRemote(fx: RemoteFixture, dir: string): string {
  runGit(dirname(dir), ['clone', fx.remote, dir], fx.env)
  return dir
}
