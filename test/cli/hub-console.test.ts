// The console inside the real hub (startHub). Until supervisors/trees/console-tree.ts fills the
// hub tree's `console` slot, the test gives the hub a trees dir of shims: the real trees plus
// one `console-tree` re-exporting consoleTree (what that file will hold).
import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../actors/runtime'
import { startHub } from '../../relay/hub/start-hub'
import { availableSubtrees } from '../../supervisors/hub-tree'
import { runCli } from './cli-process'

const REAL_TREES = join(__dirname, '..', '..', 'supervisors', 'trees')

/** undefined when the real trees already include the console; else a dir of shims that do. */
function treesWithConsole(dir: string): string | undefined {
  if (availableSubtrees().includes('console')) return undefined
  const shims = join(dir, 'trees')
  mkdirSync(shims)
  for (const slot of availableSubtrees()) {
    writeFileSync(join(shims, `${slot}-tree.js`), `module.exports = require(${JSON.stringify(join(REAL_TREES, `${slot}-tree`))})\n`)
  }
  const consoleModule = join(__dirname, '..', '..', 'actors', 'console')
  writeFileSync(join(shims, 'console-tree.js'), `exports.consoleTree = require(${JSON.stringify(consoleModule)}).consoleTree\n`)
  return shims
}

t.test('agentcom console against a real hub: tree(), kill, restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'c1-hub-'))
  const scratch = mkdtempSync(join(tmpdir(), 'c1-trees-'))
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
  const treesDir = treesWithConsole(scratch)
  const running = await startHub({ dataDir, port: 0, logger: silentLogger, tree: treesDir ? { treesDir } : undefined })
  t.teardown(async () => {
    await running.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const tree = await runCli(t, ['console', '--data-dir', dataDir, '--eval', 'tree()'])
  t.equal(tree.code, 0, tree.stderr)
  t.match(tree.stdout, /^hub {2}<[\d.]+> {2}one_for_one\n/)
  t.match(tree.stdout, /auth {2}<[\d.]+> {2}running/)
  t.match(tree.stdout, /console-server {2}<[\d.]+> {2}running/)
  const kill = await runCli(t, ['console', '--data-dir', dataDir, '--eval', "kill('scheduler')"])
  t.equal(kill.code, 0, kill.stderr)
  const after = await runCli(t, ['console', '--data-dir', dataDir, '--eval', 'tree()'])
  t.match(after.stdout, /scheduler {2}<[\d.]+> {2}running {2}restarts=1/)
})
