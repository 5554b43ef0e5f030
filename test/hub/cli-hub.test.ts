// `agentcom hub` as a real child process (the `npm start` equivalent, run from source through
// ts-node so no build is needed): it binds, answers /health, writes admin.token, prints the
// token once, and exits 0 on SIGTERM.
import { spawn } from 'node:child_process'
import { statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import t from 'tap'
import { http, tempDataDir } from './harness'

const ROOT = resolve(__dirname, '..', '..')
const TS_NODE_REGISTER = require.resolve('@isaacs/ts-node-temp-fork-for-pr-2009/register')

/** tap's loader hooks (NODE_OPTIONS --import …) must not leak into the child: it runs plain CommonJS. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', NODE_ENV: 'production' }
  delete env.NODE_OPTIONS
  for (const key of Object.keys(env)) if (key.startsWith('TAP') || key.startsWith('_TAPJS')) delete env[key]
  return env
}

/**
 * A plain .js boot file run with `-r ts-node/register`: the loader must be in the child's
 * execArgv, because the hub forks the storage verifier with the same execArgv (with `-e` and an
 * in-script require the verifier cannot load its .ts and the data file is judged damaged). Not
 * a .ts main: tap's process-info hooks would hand a .ts entry to the ESM loader.
 */
function bootFile(dir: string): string {
  const file = join(dir, 'boot-agentcom.js')
  writeFileSync(
    file,
    `require(${JSON.stringify(join(ROOT, 'cli', 'agentcom'))}).buildProgram()
      .parseAsync(['node', 'agentcom', ...process.argv.slice(2)]).catch((e) => { console.error(e); process.exit(1) })\n`,
  )
  return file
}

function startCli(dataDir: string, extra: string[] = []) {
  const boot = bootFile(dataDir)
  // through sh: tap's processinfo re-injects its loader hooks into NODE_OPTIONS of every spawn,
  // and the hub hands its env on to the verifier (which then cannot load .ts); `exec` keeps the pid
  const argv = [process.execPath, '-r', TS_NODE_REGISTER, boot, 'hub', '--port', '0', '--data-dir', dataDir, ...extra]
  const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', ...argv], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)))
  const listening = new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`hub did not start within 60 s:\n${output}`)), 60_000)
    const check = () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        ok(Number(match[1]))
      }
    }
    child.stdout.on('data', check)
    void exited.then(() => {
      clearTimeout(timer)
      fail(new Error(`hub exited early:\n${output}`))
    })
  })
  return { child, exited, listening, output: () => output }
}

t.test('agentcom hub runs, serves /health, writes admin.token, stops on SIGTERM', async (t) => {
  const dataDir = tempDataDir(t)
  const hub = startCli(dataDir)
  t.teardown(() => {
    if (hub.child.exitCode === null) hub.child.kill('SIGKILL')
  })
  const port = await hub.listening
  const health = await http(port, 'GET', '/health')
  t.equal(health.status, 200)
  t.match(health.body, { status: 'ok', service: 'agent_com', agents_connected: 0, uptime_ms: Number })
  const tokenFile = join(dataDir, 'admin.token')
  t.equal(statSync(tokenFile).mode & 0o777, 0o600)
  t.match(hub.output(), /admin token \(shown once\): [0-9a-f]{64}/)
  t.match(hub.output(), new RegExp(`dashboard: +http://127\\.0\\.0\\.1:${port}/dashboard`))
  t.match(hub.output(), /admin token written to .*admin\.token \(mode 0600\)/)
  const adminToken = /admin token \(shown once\): ([0-9a-f]{64})/.exec(hub.output())![1]!
  // state written right before SIGTERM must be there after the restart (flushed on shutdown)
  const created = await http(port, 'POST', '/admin/tokens', { token: adminToken, body: { agent_id: 'survivor' } })
  t.equal(created.status, 201)
  const channel = await http(port, 'POST', '/api/channels', { token: created.body.token, body: { name: 'durable' } })
  t.equal(channel.status, 201)
  hub.child.kill('SIGTERM')
  t.equal(await hub.exited, 0)
  t.match(hub.output(), /hub stopping.*SIGTERM/)
  t.notMatch(hub.output(), /DATA LOST/)

  const second = startCli(dataDir, ['--transport', 'ws'])
  t.teardown(() => {
    if (second.child.exitCode === null) second.child.kill('SIGKILL')
  })
  const port2 = await second.listening
  const info = await http(port2, 'GET', '/api/channels/durable')
  t.same([info.status, info.body?.name], [200, 'durable'], `the channel survived the SIGTERM restart: ${info.text}\n${second.output()}`)
  const sent = await http(port2, 'POST', '/api/message', { token: created.body.token, body: { payload: { hello: 1 } } })
  t.equal(sent.status, 200, 'the token created before SIGTERM still works')
  t.notMatch(second.output(), /shown once/, 'the token is printed only on the first start')
  t.match(second.output(), new RegExp(`admin token: in ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
  second.child.kill('SIGINT')
  t.equal(await second.exited, 0)
})
