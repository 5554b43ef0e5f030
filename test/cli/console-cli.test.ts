import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLiveHub } from '../console/console-fixture'
import { runCli, nodeArgs, cliEnv, ROOT } from './cli-process'
import { consoleTarget } from '../../cli/commands/console'

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

const hasTmux = spawnSync('tmux', ['-V']).status === 0

t.test('the REPL in a pseudo-terminal (tmux): tree(), tab completion, history, .exit', { skip: hasTmux ? false : 'tmux not installed' }, async (t) => {
  const hub = await startLiveHub(t)
  const session = `c1-console-${process.pid}`
  const history = join(hub.dataDir, 'history')
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', session, ...args], { encoding: 'utf8' })
  t.teardown(() => void tmux('kill-server'))
  const command = [process.execPath, ...nodeArgs(), 'console', '--data-dir', hub.dataDir, '--history', history].map(shellQuote).join(' ')
  const envArgs = Object.entries(cliEnv({ TERM: 'xterm' }))
    .filter(([k]) => /^(NODE_OPTIONS|NODE_PATH|PATH|HOME|TERM)$/.test(k))
    .flatMap(([k, v]) => ['-e', `${k}=${v ?? ''}`])
  const started = tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', '-c', ROOT, ...envArgs, `${command}; echo "exited $?"; sleep 30`)
  t.equal(started.status, 0, started.stderr)
  const pane = () => tmux('capture-pane', '-p', '-t', session).stdout

  await waitFor(t, () => pane().includes('agentcom>'), 'the prompt', pane, 90_000)
  t.match(pane(), /Attached to the hub at .*console\.sock/)
  tmux('send-keys', '-t', session, 'tree()', 'Enter')
  await waitFor(t, () => /└─ console-server {2}<[\d.]+> {2}running/.test(pane()), 'the tree', pane)
  t.match(pane(), /agentcom> tree\(\)\nhub {2}<[\d.]+> {2}one_for_one\n├─ config/)

  tmux('send-keys', '-t', session, "kill('sched", 'Tab')
  await waitFor(t, () => pane().includes("kill('scheduler"), 'tab completion of an actor name', pane)
  tmux('send-keys', '-t', session, "')", 'Enter')
  await waitFor(t, () => /exited: killed/.test(pane()), 'the kill', pane)
  tmux('send-keys', '-t', session, 'tree()', 'Enter')
  await waitFor(t, () => /scheduler {2}<[\d.]+> {2}running {2}restarts=1/.test(pane()), 'the restart in the tree', pane)

  tmux('send-keys', '-t', session, 'nosuch(', 'Enter')
  await waitFor(t, () => /agentcom> nosuch\(\n\.\.\. $/.test(pane().trimEnd() + ' '), 'the continuation prompt', pane)
  tmux('send-keys', '-t', session, ')', 'Enter')
  await waitFor(t, () => pane().includes('Uncaught ReferenceError: nosuch is not defined'), 'a multi-line input and its error', pane)
  tmux('send-keys', '-t', session, '.exit', 'Enter')
  await waitFor(t, () => pane().includes('exited 0'), 'exit code 0 after .exit', pane)
  await waitFor(t, () => existsSync(history) && readFileSync(history, 'utf8').includes("kill('scheduler')"), 'the history file', pane)
})

function shellQuote(s: string): string {
  return /^[\w./=:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** Polls (real time: a terminal is outside the virtual clock) until `check` holds (the machine may be loaded: generous limits). */
async function waitFor(t: Test, check: () => boolean, what: string, show: () => string = () => '', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) {
      t.fail(`timed out waiting for ${what}`, { diagnostic: true, screen: show() })
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
