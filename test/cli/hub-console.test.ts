// The console inside the real hub (startHub). Until supervisors/trees/console-tree.ts fills the
// hub tree's `console` slot, the test gives the hub a trees dir of shims: the real trees plus
// one `console-tree` re-exporting consoleTree (what that file will hold).
import t from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../actors/runtime'
import { startHub } from '../../relay/hub/start-hub'
import { runCli } from './cli-process'
import { hasTmux, startCliInTmux } from './tmux-session'

// real child processes on a shared 2-core machine: the 120 s default budget is too tight under load
t.setTimeout(300_000)

t.test('agentcom console against a real hub: tree(), kill, restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'c1-hub-'))
  const running = await startHub({ dataDir, port: 0, logger: silentLogger })
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

t.test('agentcom console in a pseudo-terminal (tmux) against a real hub: tree, kill, restart, completion, history', { skip: hasTmux ? false : 'tmux not installed' }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'c2-hub-'))
  const running = await startHub({ dataDir, port: 0, logger: silentLogger })
  t.teardown(async () => {
    await running.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const scratch = mkdtempSync(join(tmpdir(), 'c2-history-'))
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
  const history = join(scratch, 'history')
  const term = startCliInTmux(t, 'c2-hub-console', ['console', '--data-dir', dataDir, '--history', history])
  await term.waitFor('agentcom>', 'the prompt', 90_000)
  term.send('tree()', 'Enter')
  await term.waitFor(/console-server {2}<[\d.]+> {2}running/, 'the tree')
  t.match(term.pane(), /agentcom> tree\(\)\nhub {2}<[\d.]+> {2}one_for_one\n/)
  t.match(term.pane(), /scheduler {2}<[\d.]+> {2}running\n/, 'no restart yet')
  // tab completion on an actor name of the real hub
  term.send("kill('schedu", 'Tab')
  await term.waitFor("kill('scheduler", 'tab completion of an actor name')
  term.send("')", 'Enter')
  await term.waitFor(/'scheduler <[\d.]+> exited: killed'/, 'the kill')
  term.send('clear()', 'Enter') // not a helper: an error line, and a way to tell the two tree() apart
  await term.waitFor(/Uncaught ReferenceError: clear is not defined/, 'the error')
  term.send('tree()', 'Enter')
  await term.waitFor(/scheduler {2}<[\d.]+> {2}running {2}restarts=1/, 'the restart in the tree')
  term.send('.exit', 'Enter')
  await term.waitFor('exited 0', 'exit code 0 after .exit')
  const lines = readFileSync(history, 'utf8').split('\n')
  t.ok(lines.includes("kill('scheduler')") && lines.includes('tree()'), 'the history file holds the session')

  // a second session finds the history: Up recalls the last line
  const again = startCliInTmux(t, 'c2-hub-console-2', ['console', '--data-dir', dataDir, '--history', history])
  await again.waitFor('agentcom>', 'the prompt again', 90_000)
  again.send('Up')
  await again.waitFor(/agentcom> tree\(\)$/m, 'history recalled with Up')
  again.send('C-u') // clear the recalled line: Ctrl-D leaves only on an empty one
  again.send('C-d')
  await again.waitFor('exited 0', 'exit 0 after Ctrl-D')
})
