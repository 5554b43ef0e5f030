// add-agent interrupted at step 4 and resumed: steps 1-3 are not redone (seen from the hub side
// through a counting proxy); --rejoin re-provisions without registering; a taken name is a 409.
import t from 'tap'
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSidecarConfig } from '../../relay/sidecar/config'
import { runCli } from './cli-process'
import { bareRepo, countingProxy, startRealHub, tempDir } from './onboarding-fixture'

// real child processes on a shared 2-core machine: the 120 s default budget is too tight under load
t.setTimeout(300_000)

t.test('step 4 fails, --resume completes without redoing steps 1-3', async (t) => {
  const hub = await startRealHub(t)
  const proxy = await countingProxy(t, hub.url)
  const origin = bareRepo(t)
  const home = tempDir(t, 'c2-home-')
  const scratch = tempDir(t, 'c2-scratch-')
  const env = { HOME: home, AGENTCOM_SERVICE_MANAGER: 'none', AGENTCOM_ADMIN_TOKEN: hub.adminToken }
  const installDir = join(home, '.agentcom', 'beta')
  // the config's directory is a plain file: writing the config (step 4) fails
  const blocker = join(scratch, 'blocked')
  writeFileSync(blocker, 'not a directory')
  const configPath = join(blocker, 'config.json')
  const args = ['add-agent', '--hub', proxy.url, '--name', 'beta', '--repo', origin, '--config', configPath, '--no-verify']

  const first = await runCli(t, args, { env })
  t.equal(first.code, 1, 'the failed step exits 1')
  t.match(first.stdout, /\[3\/7\] Cloning the agent's working repository\.\.\. done/)
  t.match(first.stdout, /\[4\/7\] Writing the sidecar config\.\.\. FAILED\nFATAL: cannot write .*blocked\/config\.json: .*(ENOTDIR|EEXIST)/)
  t.notMatch(first.stdout, /\[5\/7\]/, 'nothing after the failed step')
  t.match(first.stdout, new RegExp(`Continue after fixing it with:\\n {2}agentcom add-agent --hub ${proxy.url} --name beta --resume --config ${configPath}\\n`))
  const progress = JSON.parse(readFileSync(join(installDir, '.onboard-progress.json'), 'utf8'))
  t.same(progress.steps_completed, ['preflight', 'register', 'clone'])
  t.equal(proxy.count('POST', '/api/onboard/register'), 1)
  writeFileSync(join(installDir, 'repo', 'marker'), 'a re-clone would remove this')

  rmSync(blocker)
  const resumed = await runCli(t, [...args, '--resume'], { env })
  t.equal(resumed.code, 0, resumed.stdout + resumed.stderr)
  for (const n of [1, 2, 3]) t.match(resumed.stdout, new RegExp(`\\[${n}/7\\] [^\\n]*\\.\\.\\. skipped \\(already done\\)\\n`), `step ${n} skipped`)
  t.match(resumed.stdout, /\[4\/7\] Writing the sidecar config\.\.\. done/)
  t.match(resumed.stdout, /\[7\/7\] Verifying the agent end to end\.\.\. done \(not run \(--no-verify\)\)/)
  t.equal(proxy.count('POST', '/api/onboard/register'), 1, 'the hub saw one registration in all')
  t.equal(proxy.count('GET', '/health'), 1, 'pre-flight ran once')
  t.ok(existsSync(join(installDir, 'repo', 'marker')), 'the clone was not redone')
  const tokens = (await hub.admin('GET', '/admin/tokens')).body.tokens.filter((x: { agent_id: string }) => x.agent_id === 'beta')
  t.equal(tokens.length, 1, 'one token for beta')
  const config = loadSidecarConfig(configPath)
  t.equal(config.token, progress.token, 'the config carries the token registered in the first run')
  t.equal(config.hub_url, `ws://127.0.0.1:${new URL(proxy.url).port}/ws`)

  // the name is taken now: a fresh onboarding under it is refused with advice
  const again = await runCli(t, ['add-agent', '--hub', hub.url, '--name', 'beta', '--dir', join(scratch, 'again'), '--no-verify'], { env })
  t.equal(again.code, 1)
  t.match(again.stdout, /\[2\/7\] Registering with the hub\.\.\. FAILED\nFATAL: the hub already knows an agent named beta: .*--rejoin --name beta --token/)

  // --rejoin with the token: no registration, a config again
  const rejoinDir = join(scratch, 'rejoined')
  const rejoin = await runCli(t, ['add-agent', '--hub', proxy.url, '--name', 'beta', '--rejoin', '--token', config.token, '--dir', rejoinDir, '--repo', origin, '--no-verify'], { env })
  t.equal(rejoin.code, 0, rejoin.stdout + rejoin.stderr)
  t.match(rejoin.stdout, /\[2\/7\] Registering with the hub\.\.\. done \(rejoined with the existing token\)/)
  t.equal(proxy.count('POST', '/api/onboard/register'), 1, 'rejoin does not register')
  t.equal(loadSidecarConfig(join(rejoinDir, 'config.json')).token, config.token)
  const badToken = await runCli(t, ['add-agent', '--hub', hub.url, '--name', 'beta', '--rejoin', '--token', 'f'.repeat(64), '--dir', join(scratch, 'x'), '--no-verify'], { env })
  t.equal(badToken.code, 1)
  t.match(badToken.stdout, /FATAL: the hub does not accept that token for beta/)
})

t.test('without --name: a generated Culture ship name; pm2 service installed and removed', async (t) => {
  const hub = await startRealHub(t)
  const origin = bareRepo(t)
  const home = tempDir(t, 'c2-home-')
  // pm2 cannot be installed here: a stand-in on PATH that records its argv (pm2's CLI surface)
  const bin = tempDir(t, 'c2-bin-')
  const calls = join(bin, 'calls.log')
  writeFileSync(join(bin, 'pm2'), `#!/bin/sh\necho "$*" >> ${calls}\n[ "$1" = jlist ] && echo '[]'\nexit 0\n`)
  chmodSync(join(bin, 'pm2'), 0o755)
  const env = { HOME: home, PATH: `${bin}:${process.env.PATH}`, AGENTCOM_SERVICE_MANAGER: '' }
  const r = await runCli(t, ['add-agent', '--hub', hub.url, '--repo', origin, '--admin-token-file', hub.adminTokenFile, '--no-verify'], { env })
  t.equal(r.code, 0, r.stdout + r.stderr)
  const name = /^Agent name: (gcu-[a-z-]+) \(generated; pass --name to choose one\)\n/.exec(r.stdout)?.[1] as string
  t.ok(name, r.stdout)
  const installDir = join(home, '.agentcom', name)
  t.ok(existsSync(join(installDir, 'config.json')))
  const tokens = (await hub.admin('GET', '/admin/tokens')).body.tokens
  t.ok(tokens.some((x: { agent_id: string }) => x.agent_id === name), 'registered under the generated name')

  const ecosystem = join(installDir, 'ecosystem.config.js')
  t.match(r.stdout, new RegExp(`\\[6/7\\] Installing the sidecar service\\.\\.\\. done \\(pm2: agentcom-${name} \\(${ecosystem}\\)\\)`), 'pm2 detected on PATH')
  const app = (require(ecosystem) as { apps: Array<{ name: string; args: string[]; cwd: string }> }).apps[0]
  t.same([app.name, app.args, app.cwd], [`agentcom-${name}`, ['sidecar', '--config', join(installDir, 'config.json')], installDir])
  t.same(readFileSync(calls, 'utf8').trim().split('\n'), [`delete agentcom-${name}`, `start ${ecosystem}`, 'save'])

  const removed = await runCli(t, ['remove-agent', '--name', name, '--hub', hub.url, '--admin-token-file', hub.adminTokenFile], { env })
  t.equal(removed.code, 0, removed.stdout + removed.stderr)
  t.match(removed.stdout, /\[1\/3\] Stopping the service agentcom-\S+\.\.\. done \(pm2\)/)
  t.same(readFileSync(calls, 'utf8').trim().split('\n').slice(3), [`stop agentcom-${name}`, `delete agentcom-${name}`, 'save'])
  t.notOk(existsSync(installDir))

  // remove-agent never deletes a directory onboarding did not make
  const foreign = tempDir(t, 'c2-foreign-')
  const refused = await runCli(t, ['remove-agent', '--name', 'x', '--hub', hub.url, '--admin-token-file', hub.adminTokenFile, '--dir', foreign, '--service-manager', 'none'], { env })
  t.equal(refused.code, 1)
  t.match(refused.stdout, /\[3\/3\] Removing \S+\.\.\. FAILED \(no \.onboard-progress\.json in it: not an onboarding install dir, left in place\)/)
  t.ok(existsSync(foreign))
})
