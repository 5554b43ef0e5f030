import t from 'tap'
import { connect } from 'node:net'
import { spawn } from 'node:child_process'
import { existsSync, lstatSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startLiveHub, ADMIN_TOKEN } from './console-fixture'
import { ConsoleServerActor, ConsoleSocketInUse, ConsoleSocketPathTaken } from '../../actors/console'
import { ConsoleClient } from '../../cli/console/console-client'

const ev = async (client: ConsoleClient, code: string) => client.evaluate(code)

t.test('tree() shows the live supervision tree', async (t) => {
  const hub = await startLiveHub(t)
  const client = await hub.connect()
  const reply = await ev(client, 'tree()')
  t.ok(reply.ok, reply.text)
  const lines = reply.text.split('\n')
  t.match(lines[0], /^hub {2}<[\d.]+> {2}one_for_one$/)
  t.match(reply.text, /├─ config {2}<[\d.]+> {2}running/)
  t.match(reply.text, /tasks {2}<[\d.]+> {2}rest_for_one/)
  t.match(reply.text, /│ {2}├─ task-queue {2}<[\d.]+> {2}running/)
  t.match(reply.text, /scheduler {2}<[\d.]+> {2}running\n/)
  t.match(reply.text, /└─ console-server {2}<[\d.]+> {2}running$/)
  t.notMatch(reply.text, /restarts=/, 'nothing restarted yet')
  const sub = await ev(client, "(await tree('tasks')).data.children.map(c => c.id)")
  t.equal(sub.text, "[ 'task-queue', 'agent-fsms', 'agents', 'scheduler', 'stuck-sweeper' ]")
})

t.test("kill('scheduler') is followed by a restart visible in tree()", async (t) => {
  const hub = await startLiveHub(t)
  const client = await hub.connect()
  const before = hub.system.whereis('scheduler')?.id
  const killed = await ev(client, "kill('scheduler')")
  t.ok(killed.ok)
  t.equal(killed.text, `'scheduler ${before} exited: killed'`)
  const tree = await ev(client, 'tree()')
  t.match(tree.text, /scheduler {2}<[\d.]+> {2}running {2}restarts=1/)
  const after = hub.system.whereis('scheduler')?.id
  t.ok(after && after !== before, `new pid ${after} (was ${before})`)
  t.notMatch(tree.text, /task-queue {2}\S+ {2}running {2}restarts/, 'rest_for_one: the queue before it is untouched')
  const kill2 = await ev(client, "kill('config', 'testing')")
  t.match(kill2.text, /exited: testing/)
  t.match((await ev(client, 'tree()')).text, /config {2}<[\d.]+> {2}running {2}restarts=1/)
})

t.test("kill('console-server') from its own console: the replacement binds the socket again", async (t) => {
  const hub = await startLiveHub(t)
  const client = await hub.connect()
  const before = hub.system.whereis('console-server')?.id
  // the reply may or may not make it out before the socket goes: the kill is what matters
  await ev(client, "kill('console-server')").catch(() => undefined)
  let after: string | undefined
  for (let i = 0; i < 200 && (!(after = hub.system.whereis('console-server')?.id) || after === before); i++) await new Promise((r) => setTimeout(r, 25))
  t.ok(after && after !== before, `restarted as ${after} (was ${before})`)
  t.ok(hub.system.whereis('hub'), 'the hub supervisor is still up')
  const again = await hub.connect()
  t.match((await ev(again, 'tree()')).text, /console-server {2}<[\d.]+> {2}running {2}restarts=1/)
})

t.test('state, call, cast, actors, restart', async (t) => {
  const hub = await startLiveHub(t, { tasks: false })
  const client = await hub.connect()
  t.equal((await ev(client, "state('config')")).text, '{ count: 41 }')
  t.equal((await ev(client, "call('config', { type: 'add', n: 1 })")).text, '42')
  t.equal((await ev(client, "cast('config', { type: 'add', n: 8 })")).text, "'ok'")
  t.equal((await ev(client, "state('config')")).text, '{ count: 50 }')
  const pid = hub.system.whereis('config')?.id as string
  t.equal((await ev(client, `(await state('${pid}')).count`)).text, '50', 'pids work as well as names')
  t.equal((await ev(client, "actors().find(a => a.name === 'config').class")).text, "'CounterActor'")
  t.match((await ev(client, 'actors().length')).text, /^\d+$/)
  const restarted = await ev(client, "restart('config')")
  t.match(restarted.text, /config <[\d.]+> restarted by hub as <[\d.]+>/)
  t.not(hub.system.whereis('config')?.id, pid)
  t.equal((await ev(client, "state('config')")).text, '{ count: 41 }', 'a fresh actor')
  t.notMatch((await ev(client, 'tree()')).text, /restarts=/, 'a clean restart is not counted as a crash')
  const unknown = await ev(client, "state('nobody')")
  t.notOk(unknown.ok)
  t.equal(unknown.text, 'Uncaught Error: no actor nobody (try actors())')
  t.equal((await ev(client, 'metrics()')).text, 'Uncaught Error: the metrics actor is not running')
  t.equal((await ev(client, 'agents()')).text, 'Uncaught Error: the agents actor is not running')
  t.match((await ev(client, 'help()')).text, /^help\(\) .*\ntree\(name\?\)/)
})

t.test('tasks(), submit() and agents() go to the real actors', async (t) => {
  const hub = await startLiveHub(t)
  const client = await hub.connect()
  t.equal((await ev(client, 'tasks()')).text, '[]')
  const submitted = await ev(client, "submit('write the console docs', { priority: 'high' })")
  t.ok(submitted.ok, submitted.text)
  t.match(submitted.text, /ok: true/)
  t.match(submitted.text, /id: 'task-[0-9a-f]{16}'/)
  t.match(submitted.text, /priority: 1,/, "'high' is priority 1")
  const listed = await ev(client, "tasks({ status: 'queued' }).then(ts => ts.map(x => x.description))")
  t.equal(listed.text, "[ 'write the console docs' ]")
  t.equal((await ev(client, 'agents()')).text, '[]')
  const bad = await ev(client, "submit('')")
  t.equal(bad.text, 'Uncaught TypeError: submit(description, opts?): description must be a non-empty string')
})

t.test('bad expressions are reported and the server keeps serving', async (t) => {
  const hub = await startLiveHub(t, { tasks: false })
  const client = await hub.connect()
  const syntax = await ev(client, 'this is not js')
  t.notOk(syntax.ok)
  t.match(syntax.text, /^Uncaught SyntaxError: /)
  t.notOk(syntax.incomplete)
  const open = await ev(client, "tree(")
  t.ok(open.incomplete, 'an unfinished expression asks for more input')
  t.equal((await ev(client, 'nosuch()')).text, 'Uncaught ReferenceError: nosuch is not defined')
  t.equal((await ev(client, "throw 'plain'")).text, "Uncaught 'plain'")
  const crash = await ev(client, "call('config', { type: 'boom' })")
  t.notOk(crash.ok)
  t.match(crash.text, /^Uncaught ActorExited: /)
  t.match((await ev(client, 'tree()')).text, /config {2}<[\d.]+> {2}running {2}restarts=1/, 'the supervisor restarted it')
  const loop = await ev(client, 'while (true) {}')
  t.equal(loop.text, 'Uncaught Error: Script execution timed out after 2000ms')
  // a rejected helper promise nobody awaits must not become an unhandled rejection
  t.equal((await ev(client, "call('config', { type: 'boom' }); 'went on'")).text, "'went on'")
  t.equal((await ev(client, 'x = 20 + 1')).text, '21')
  t.equal((await ev(client, 'x * 2')).text, '42', 'variables live for the session')
  t.equal((await ev(client, '_ + 1')).text, '43', '_ is the last result')
  t.equal((await ev(client, 'await Promise.resolve(7)')).text, '7', 'top-level await')
  const completions = await client.completions()
  t.ok(completions.helpers.includes('tree') && completions.helpers.includes('kill'))
  t.ok(completions.actors.includes('config') && completions.actors.includes('console-server'))
  t.same(completions.globals, ['x'])
  t.equal((await ev(client, "(await state('console-server')).sessionsServed")).text, '1')
})

t.test('a bad token or a bad first line is refused; other sessions are unaffected', async (t) => {
  const hub = await startLiveHub(t, { tasks: false })
  const good = await hub.connect()
  await t.rejects(ConsoleClient.open(hub.socketPath, 'b'.repeat(64)), { name: 'ConsoleConnectError', message: 'the hub refused the admin token' })
  const raw = await rawExchange(hub.socketPath, `${ADMIN_TOKEN}\n{"type":"eval","id":1,"code":"1"}\n`)
  t.same(JSON.parse(raw.trim().split('\n')[0]), {
    type: 'error',
    error: 'unauthorized',
    message: 'the first line must be {"type":"auth","token":<admin token>}',
  })
  t.equal(raw.trim().split('\n').length, 1, 'nothing evaluated, connection closed')
  const bad = await rawExchange(hub.socketPath, `{"type":"auth","token":"${ADMIN_TOKEN}"}\n{"type":"eval"}\n{"type":"eval","id":2,"code":"1+1"}\n`, 3)
  const replies = bad.trim().split('\n').map((l) => JSON.parse(l))
  t.equal(replies[0].type, 'ready')
  t.match(replies[1], { type: 'error', error: 'bad_request' })
  t.same(replies[2], { type: 'result', id: 2, ok: true, text: '2' })
  t.equal((await good.evaluate('1 + 1')).text, '2')
})

t.test('the socket: mode 0600, a live one is refused, a stale one replaced, other files kept', async (t) => {
  const hub = await startLiveHub(t, { tasks: false })
  t.equal(lstatSync(hub.socketPath).mode & 0o777, 0o600)
  await t.rejects(hub.system.spawn(ConsoleServerActor, { socketPath: hub.socketPath, adminToken: ADMIN_TOKEN }), ConsoleSocketInUse)
  t.equal((await (await hub.connect()).evaluate('1')).text, '1', 'the live server still answers')

  const stale = join(hub.dataDir, 'stale.sock')
  await leaveStaleSocket(stale)
  t.ok(lstatSync(stale).isSocket(), 'a socket file nobody listens on')
  const server = await hub.system.spawn(ConsoleServerActor, { socketPath: stale, adminToken: ADMIN_TOKEN })
  const { client } = await ConsoleClient.open(stale, ADMIN_TOKEN)
  t.equal((await client.evaluate('2 * 3')).text, '6')
  client.close()
  await hub.system.stop(server)
  t.notOk(existsSync(stale), 'removed on stop')

  const plain = join(hub.dataDir, 'plain.sock')
  writeFileSync(plain, 'not a socket')
  await t.rejects(hub.system.spawn(ConsoleServerActor, { socketPath: plain, adminToken: ADMIN_TOKEN }), ConsoleSocketPathTaken)
  t.ok(existsSync(plain))
})

/** Writes `input`, collects what comes back until `lines` lines arrived or the server closed. */
function rawExchange(path: string, input: string, lines = Infinity): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      received += d
      if (received.split('\n').length - 1 >= lines) socket.destroy()
    })
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    socket.write(input)
  })
}

/** A real stale socket: a process binds it and is SIGKILLed (no cleanup runs). */
function leaveStaleSocket(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`], {
      stdio: 'ignore',
      env: { ...process.env, NODE_OPTIONS: '' },
    })
    child.on('error', reject)
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited without SIGKILL: ${signal}`))))
  })
}
