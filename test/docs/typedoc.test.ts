// `npm run docs` (TypeDoc over actors/runtime and supervisors, typedoc.json) must stay clean: a
// type the public API references but does not export, or a broken {@link}, is a warning here.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'

const REPO_ROOT = join(__dirname, '..', '..')
const TYPEDOC_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'typedoc')

function runTypedoc(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TYPEDOC_BIN, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
  })
}

t.test('typedoc validates the runtime and supervisor API without warnings', async (t) => {
  const { code, output } = await runTypedoc(['--emit', 'none'])
  t.equal(code, 0, 'typedoc exits 0')
  t.notMatch(output, /\[(warning|error)\]/i, 'no warnings or errors')
  if (output.trim() !== '') t.comment(output.slice(0, 2000))
})
