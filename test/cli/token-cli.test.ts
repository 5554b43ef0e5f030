import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ActorSystem, silentLogger } from '../../actors/runtime'
import { AuthActor } from '../../actors/auth'
import { workerSpec } from '../../supervisors'
import { openStorage } from '../../storage'
import { startHub } from '../../relay/hub/start-hub'
import { ConsoleClient } from '../../cli/console/console-client'
import { formatListing } from '../../cli/commands/token'
import { startLiveHub } from '../console/console-fixture'
import { closedPort, runCli } from './cli-process'

const HEX64 = /^[0-9a-f]{64}\n$/

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'c1-tok-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** What the auth actor itself says of a token, read from the data dir after the CLI exited. */
async function verifyOffline(dataDir: string, token: string): Promise<unknown> {
  const storage = openStorage({ dataDir })
  const system = new ActorSystem({ logger: silentLogger })
  try {
    const auth = await system.spawn(AuthActor, { storage })
    return await auth.call({ type: 'verify', token })
  } finally {
    await system.shutdown()
    await storage.close()
  }
}

t.test('offline: create, list, revoke against the data dir with no hub running', async (t) => {
  const dataDir = tempDir(t)
  await openStorage({ dataDir }).close() // a data dir a hub has used
  const created = await runCli(t, ['token', 'create', 'forge', '--data-dir', dataDir])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, HEX64)
  t.equal(created.stderr, 'token for forge (agent, offline); it is not shown again\n')
  const token = created.stdout.trim()
  t.same(await verifyOffline(dataDir, token), { agent_id: 'forge', role: 'agent' }, 'stored in the auth actor\'s format')
  t.notOk(readFileSync(join(dataDir, 'lmdb', readFileSync(join(dataDir, 'lmdb', 'CURRENT'), 'utf8').trim())).includes(token), 'only the hash is stored')

  const admin = await runCli(t, ['token', 'create', 'ops', '--role', 'admin', '--json', '--data-dir', dataDir])
  t.equal(admin.code, 0, admin.stderr)
  t.match(JSON.parse(admin.stdout), { agent_id: 'ops', token: /^[0-9a-f]{64}$/ })

  const list = await runCli(t, ['token', 'list', '--data-dir', dataDir])
  t.equal(list.code, 0, list.stderr)
  const lines = list.stdout.trimEnd().split('\n')
  t.match(lines[0], /^AGENT +ROLE +TOKEN +CREATED$/)
  t.match(lines[1], new RegExp(`^forge +agent +${token.slice(0, 8)}\\.\\.\\. +\\d{4}-`))
  t.match(lines[2], /^ops +admin +[0-9a-f]{8}\.\.\. /)

  const revoked = await runCli(t, ['token', 'revoke', 'forge', '--data-dir', dataDir])
  t.equal(revoked.stdout, 'revoked 1 token of forge\n')
  t.equal(await verifyOffline(dataDir, token), null)
  const json = await runCli(t, ['token', 'list', '--json', '--data-dir', dataDir])
  t.same(JSON.parse(json.stdout).map((x: { agent_id: string }) => x.agent_id), ['ops'])

  const empty = tempDir(t)
  const none = await runCli(t, ['token', 'list', '--data-dir', empty])
  t.equal(none.code, 1)
  t.equal(none.stderr, `agentcom: no hub data in ${empty} (start the hub once there, or pass --data-dir)\n`)
})

t.test('hub running: through its console socket, to the live auth actor', async (t) => {
  const hub = await startLiveHub(t, {
    tasks: false,
    storage: true,
    extraChildren: (storage) => [workerSpec(AuthActor, { storage: storage! }, { name: 'auth' })],
  })
  const created = await runCli(t, ['token', 'create', 'scout', '--role', 'admin', '--data-dir', hub.dataDir])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stderr, /\(admin, console\)/)
  const token = created.stdout.trim()
  t.same(await hub.system.byName('auth').call({ type: 'verify', token }), { agent_id: 'scout', role: 'admin' })
  // any admin-role token the auth actor knows opens the console, not only admin.token
  const { client } = await ConsoleClient.open(hub.socketPath, token)
  t.equal((await client.evaluate('1 + 1')).text, '2')
  client.close()
  const agentToken = (await runCli(t, ['token', 'create', 'worker-1', '--data-dir', hub.dataDir])).stdout.trim()
  await t.rejects(ConsoleClient.open(hub.socketPath, agentToken), { message: 'the hub refused the admin token' }, 'an agent token does not')
  const list = await runCli(t, ['token', 'list', '--json', '--data-dir', hub.dataDir])
  t.same(JSON.parse(list.stdout).map((x: { agent_id: string }) => x.agent_id).sort(), ['scout', 'worker-1'])
  const revoked = await runCli(t, ['token', 'revoke', 'worker-1', '--json', '--data-dir', hub.dataDir])
  t.same(JSON.parse(revoked.stdout), { agent_id: 'worker-1', revoked: 1 })
})

t.test('--hub URL: through the HTTP API of a real hub', async (t) => {
  const dataDir = tempDir(t)
  const running = await startHub({ dataDir, port: 0, logger: silentLogger })
  t.teardown(() => running.close())
  const url = `http://127.0.0.1:${running.port}`
  const tokenFile = running.adminTokenFile
  const created = await runCli(t, ['token', 'create', 'forge', '--hub', url, '--token-file', tokenFile])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, HEX64)
  const list = await runCli(t, ['token', 'list', '--hub', url, '--token-file', tokenFile, '--json'])
  t.ok(JSON.parse(list.stdout).some((x: { agent_id: string }) => x.agent_id === 'forge'))
  const revoked = await runCli(t, ['token', 'revoke', 'forge', '--hub', url, '--token-file', tokenFile])
  t.equal(revoked.stdout, 'revoked every token of forge\n')
  const refused = await runCli(t, ['token', 'list', '--hub', url, '--token', 'e'.repeat(64)])
  t.equal(refused.code, 1)
  t.match(refused.stderr, /^agentcom: the hub answered 401: \{.*"unauthorized".*\}\n$/)
  const closed = await closedPort()
  const unreachable = await runCli(t, ['token', 'list', '--hub', `http://127.0.0.1:${closed}`, '--token', 'x'])
  t.equal(unreachable.code, 1)
  t.match(unreachable.stderr, new RegExp(`^agentcom: cannot reach the hub at http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED.*\n$`))
})


t.test('formatListing', async (t) => {
  t.equal(formatListing([]), '(no tokens)')
  t.equal(
    formatListing([{ agent_id: 'a', role: 'agent', token_prefix: '01234567...', created_at: Date.UTC(2026, 0, 2) }]),
    'AGENT  ROLE   TOKEN        CREATED\na      agent  01234567...  2026-01-02T00:00:00.000Z',
  )
})
