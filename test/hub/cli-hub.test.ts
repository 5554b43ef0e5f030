// `agentcom hub` as a real child process (the `npm start` equivalent, run from source through
// ts-node so no build is needed): it binds, answers /health, writes admin.token, prints the
// token once, and exits 0 on SIGTERM.
import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
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

function startCli(dataDir: string, extra: string[] = []) {
  // -e rather than a .ts main: tap's process-info hooks would hand a .ts entry to the ESM loader
  const boot = `require(${JSON.stringify(TS_NODE_REGISTER)}); require(${JSON.stringify(join(ROOT, 'cli', 'agentcom'))}).buildProgram()
    .parseAsync(['node', 'agentcom', ...process.argv.slice(1)]).catch((e) => { console.error(e); process.exit(1) })`
  const child = spawn(process.execPath, ['-e', boot, 'hub', '--port', '0', '--data-dir', dataDir, ...extra], {
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
  t.same([health.status, health.body], [200, { status: 'ok', service: 'agent_com', agents_connected: 0 }])
  const tokenFile = join(dataDir, 'admin.token')
  t.equal(statSync(tokenFile).mode & 0o777, 0o600)
  t.match(hub.output(), /admin token \(shown once\): [0-9a-f]{64}/)
  hub.child.kill('SIGTERM')
  t.equal(await hub.exited, 0)

  const second = startCli(dataDir, ['--transport', 'ws'])
  t.teardown(() => {
    if (second.child.exitCode === null) second.child.kill('SIGKILL')
  })
  await second.listening
  t.notMatch(second.output(), /shown once/, 'the token is printed only on the first start')
  t.match(second.output(), new RegExp(`admin token: in ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
  second.child.kill('SIGINT')
  t.equal(await second.exited, 0)
})
