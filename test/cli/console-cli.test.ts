import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLiveHub } from '../console/console-fixture'
import { runCli } from './cli-process'
import { hasTmux, startCliInTmux } from './tmux-session'
import { consoleTarget } from '../../cli/commands/console'

// real child processes on a shared 2-core machine: the 120 s default budget is too tight under load
t.setTimeout(300_000)

t.test('console --eval: tree(), kill, restart visible, errors exit 1', async (t) => {
  const hub = await startLiveHub(t)
  const tree = await runCli(t, ['console', '--data-dir', hub.dataDir, '--eval', 'tree()'])
  t.equal(tree.code, 0, tree.stderr)
  t.match(tree.stdout, /^hub {2}<[\d.]+> {2}one_for_one\n/)
  t.match(tree.stdout, /scheduler {2}<[\d.]+> {2}running\n/)

  const kill = await runCli(t, ['console', '--socket', hub.socketPath, '-e', "kill('scheduler')"])
  t.equal(kill.code, 0, kill.stderr)
  t.match(kill.stdout, /^'scheduler <[\d.]+> exited: killed'\n$/)
  const after = await runCli(t, ['console', '--data-dir', hub.dataDir, '--eval', 'tree()'])
  t.match(after.stdout, /scheduler {2}<[\d.]+> {2}running {2}restarts=1\n/)

  const json = await runCli(t, ['console', '--data-dir', hub.dataDir, '--eval', "state('config')", '--json'])
  t.same(JSON.parse(json.stdout), { count: 41 })

  const bad = await runCli(t, ['console', '--data-dir', hub.dataDir, '--eval', "state('nobody')"])
  t.equal(bad.code, 1)
  t.equal(bad.stdout, '')
  t.equal(bad.stderr, 'Uncaught Error: no actor nobody (try actors())\n')
})

t.test('console: wrong token, no hub, no token file → one line, exit 1', async (t) => {
  const hub = await startLiveHub(t, { tasks: false })
  const wrong = join(hub.dataDir, 'wrong.token')
  writeFileSync(wrong, 'c'.repeat(64))
  const refused = await runCli(t, ['console', '--socket', hub.socketPath, '--token-file', wrong, '-e', '1'])
  t.equal(refused.code, 1)
  t.equal(refused.stderr, 'agentcom: the hub refused the admin token\n')

  const empty = mkdtempSync(join(tmpdir(), 'c1-empty-'))
  t.teardown(() => rmSync(empty, { recursive: true, force: true }))
  const noToken = await runCli(t, ['console', '--data-dir', empty, '-e', '1'])
  t.equal(noToken.code, 1)
  t.equal(noToken.stderr, `agentcom: cannot read the admin token from ${join(empty, 'admin.token')} (not found); pass --token-file or --data-dir\n`)
  writeFileSync(join(empty, 'admin.token'), 'd'.repeat(64))
  const noHub = await runCli(t, ['console', '--data-dir', empty, '-e', '1'])
  t.equal(noHub.code, 1)
  t.equal(noHub.stderr, `agentcom: cannot connect to ${join(empty, 'console.sock')}: no hub is listening there\n`)
})

t.test('consoleTarget resolves socket, token file and history', async (t) => {
  t.same(consoleTarget({ dataDir: '/d', history: undefined as unknown as boolean }, '/home/op'), {
    socketPath: '/d/console.sock',
    tokenFile: '/d/admin.token',
    historyFile: '/home/op/.agentcom_console_history',
  })
  t.same(consoleTarget({ dataDir: '/d', socket: '/run/x/c.sock', history: '/tmp/h' }, '/h'), {
    socketPath: '/run/x/c.sock',
    tokenFile: '/run/x/admin.token',
    historyFile: '/tmp/h',
  })
  t.equal(consoleTarget({ dataDir: '/d', tokenFile: '/t', history: false }).historyFile, '')
  t.equal(consoleTarget({ dataDir: '/d', tokenFile: '/t', history: false }).tokenFile, '/t')
})

t.test('the REPL in a pseudo-terminal (tmux): tree(), tab completion, history, .exit', { skip: hasTmux ? false : 'tmux not installed' }, async (t) => {
  const hub = await startLiveHub(t)
  const history = join(hub.dataDir, 'history')
  const term = startCliInTmux(t, 'c1-console', ['console', '--data-dir', hub.dataDir, '--history', history])
  const pane = term.pane

  await term.waitFor('agentcom>', 'the prompt', 90_000)
  t.match(pane(), /Attached to the hub at .*console\.sock/)
  term.send('tree()', 'Enter')
  await term.waitFor(/└─ console-server {2}<[\d.]+> {2}running/, 'the tree')
  t.match(pane(), /agentcom> tree\(\)\nhub {2}<[\d.]+> {2}one_for_one\n├─ config/)

  term.send("kill('sched", 'Tab')
  await term.waitFor("kill('scheduler", 'tab completion of an actor name')
  term.send("')", 'Enter')
  await term.waitFor(/exited: killed/, 'the kill')
  term.send('tree()', 'Enter')
  await term.waitFor(/scheduler {2}<[\d.]+> {2}running {2}restarts=1/, 'the restart in the tree')

  term.send('nosuch(', 'Enter')
  await term.waitFor(() => /agentcom> nosuch\(\n\.\.\. $/.test(pane().trimEnd() + ' '), 'the continuation prompt')
  term.send(')', 'Enter')
  await term.waitFor('Uncaught ReferenceError: nosuch is not defined', 'a multi-line input and its error')
  term.send('.exit', 'Enter')
  await term.waitFor('exited 0', 'exit code 0 after .exit')
  await term.waitFor(() => existsSync(history) && readFileSync(history, 'utf8').includes("kill('scheduler')"), 'the history file')
})
