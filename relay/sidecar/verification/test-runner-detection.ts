// `test_passes` with target `auto`: the workspace's own test command, first match wins
// (mix.exs → mix test, package.json → npm test, Makefile → make test). Unlike the original,
// finding none is NOT a pass: the check reports an error, because nothing was verified.
import { access } from 'node:fs/promises'
import { join } from 'node:path'

export const TEST_RUNNERS: ReadonlyArray<{ marker: string; argv: readonly string[] }> = [
  { marker: 'mix.exs', argv: ['mix', 'test'] },
  { marker: 'package.json', argv: ['npm', 'test'] },
  { marker: 'Makefile', argv: ['make', 'test'] },
]

export async function detectTestCommand(dir: string): Promise<readonly string[] | null> {
  for (const runner of TEST_RUNNERS) {
    try {
      await access(join(dir, runner.marker))
      return runner.argv
    } catch {
      // not this one
    }
  }
  return null
}

export function noTestRunnerMessage(dir: string): string {
  return `No test runner detected in ${dir} (looked for ${TEST_RUNNERS.map((r) => r.marker).join(', ')}); nothing was verified`
}
