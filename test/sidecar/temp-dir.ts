// A temporary directory removed when the test ends. (Helper, no tests of its own.)
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

export function tempDir(t: Test, prefix = 'sidecar-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
