// Real git repositories for tests: a bare "remote" and a clone with one commit on main, in a
// temp dir removed at teardown. (Helper, no tests of its own.)
import { execFile } from 'node:child_process'
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export const GIT_TEST_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Agent',
  GIT_AUTHOR_EMAIL: 'agent@example.invalid',
  GIT_COMMITTER_NAME: 'Test Agent',
  GIT_COMMITTER_EMAIL: 'agent@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: GIT_TEST_ENV })
  return stdout
}

export function makeTempDir(teardown: (fn: () => void) => void, prefix = 'agentcom-exec-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)))
  teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** `<root>/remote.git` (bare) and `<root>/work` (a clone with README.md committed and pushed). */
export async function makeRepoWithRemote(teardown: (fn: () => void) => void): Promise<{ root: string; remote: string; work: string }> {
  const root = makeTempDir(teardown)
  const remote = join(root, 'remote.git')
  const work = join(root, 'work')
  await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote)
  await git(root, 'clone', '--quiet', remote, work)
  await git(work, 'checkout', '--quiet', '-B', 'main')
  writeFileSync(join(work, 'README.md'), '# test repo\n')
  await git(work, 'add', 'README.md')
  await git(work, 'commit', '--quiet', '-m', 'initial commit')
  await git(work, 'push', '--quiet', 'origin', 'main')
  return { root, remote, work }
}
