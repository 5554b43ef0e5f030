// add-agent → a real sidecar → submit --wait → remove-agent, all real processes against a real hub.
import t from 'tap'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { loadSidecarConfig } from '../../relay/sidecar/config'
import { runCli } from './cli-process'
import { bareRepo, spawnCli, startRealHub, tempDir } from './onboarding-fixture'

// real child processes on a shared 2-core machine: the 120 s default budget is too tight under load
t.setTimeout(300_000)

t.test('add-agent (7 steps, real sidecar), submit --wait, remove-agent', async (t) => {
  const hub = await startRealHub(t)
  const origin = bareRepo(t)
  t.equal((await hub.admin('PUT', '/api/config/default-repo', { url: origin })).status, 200)
  const home = tempDir(t, 'c2-home-')
  const env = { HOME: home, AGENTCOM_SERVICE_MANAGER: 'none' }
  const installDir = join(home, '.agentcom', 'alpha')
  const configPath = join(installDir, 'config.json')

  const onboarding = spawnCli(t, ['add-agent', '--hub', hub.url + '/', '--name', 'alpha', '--admin-token-file', hub.adminTokenFile, '--verify-timeout', '60', '--verify-poll-interval', '250'], env)
  // no service manager: step 6 prints the command; the test is the operator who runs it
  await onboarding.waitForStdout(/\[7\/7\] Verifying/)
  t.match(onboarding.stdout(), /\[6\/7\] Installing the sidecar service\.\.\. done \(no service manager .* start the sidecar with:\n\s+\S*node\S* \S+agentcom\.js sidecar --config \S+config\.json\)/)
  const sidecar = spawnCli(t, ['sidecar', '--config', configPath], env)
  const code = await onboarding.exited
  t.equal(code, 0, onboarding.stdout() + onboarding.stderr() + sidecar.stderr())
  const lines = onboarding.stdout().split('\n')
  t.same(
    lines.filter((l) => /^\[\d\/7\]/.test(l)).map((l) => l.replace(/\.\.\..*/, '')),
    ['[1/7] Pre-flight checks', '[2/7] Registering with the hub', "[3/7] Cloning the agent's working repository", '[4/7] Writing the sidecar config', '[5/7] Preparing the sidecar runtime', '[6/7] Installing the sidecar service', '[7/7] Verifying the agent end to end'],
  )
  t.match(onboarding.stdout(), /\[2\/7\] Registering with the hub\.\.\. done \(registered as alpha\)/)
  t.match(onboarding.stdout(), /\[7\/7\] Verifying the agent end to end\.*\s?done \(test task task-[0-9a-f]+ completed by alpha\)/)
  t.match(onboarding.stdout(), /Agent alpha is onboarded\./)

  // what it left behind
  const config = loadSidecarConfig(configPath)
  t.equal(config.agent_id, 'alpha')
  t.equal(config.hub_url, `ws://127.0.0.1:${hub.running.port}/ws`)
  t.equal(config.repo_dir, join(installDir, 'repo'))
  t.ok(existsSync(join(installDir, 'repo', 'README.md')), 'the working repo was cloned')
  t.equal(statSync(configPath).mode & 0o777, 0o600, 'the config holds the token: 0600')
  const progress = JSON.parse(readFileSync(join(installDir, '.onboard-progress.json'), 'utf8'))
  t.same(progress.steps_completed, ['preflight', 'register', 'clone', 'config', 'install', 'service', 'verify'])
  t.equal(progress.token, config.token)

  // submit --wait: a trivial task run by the sidecar's shell executor
  const done = await runCli(t, ['submit', 'say hello', '--hub', hub.url, '--token', config.token, '--complexity-tier', 'trivial', '--metadata', '{"shell_command":["echo","hello"]}', '--wait', '--poll-interval', '200'])
  t.equal(done.code, 0, done.stderr)
  const [taskId, outcome] = done.stdout.trim().split('\n')
  t.match(taskId, /^task-[0-9a-f]+$/)
  t.equal(outcome, 'completed by alpha')
  t.match(done.stderr, /\[\d+\.\ds\] assigned to alpha\n/)
  t.match(done.stderr, /\[\d+\.\ds\] completed\n/)
  const view = await hub.admin('GET', `/api/tasks/${taskId}`)
  t.equal(view.body.status, 'completed')

  // a task that fails: no shell command, no retries → dead letter, exit 2
  const failed = await runCli(t, ['submit', '--description', 'no command', '--hub', hub.url, '--token', config.token, '--complexity-tier', 'trivial', '--max-retries', '0', '--wait', '--poll-interval', '200'])
  t.equal(failed.code, 2, failed.stderr)
  t.match(failed.stdout, /^task-[0-9a-f]+\ndead_letter: .+\n$/)

  // remove-agent: tokens revoked at the hub, install dir gone
  const removed = await runCli(t, ['remove-agent', '--name', 'alpha', '--hub', hub.url, '--admin-token-file', hub.adminTokenFile], { env })
  t.equal(removed.code, 0, removed.stdout + removed.stderr)
  t.match(removed.stdout, /\[2\/3\] Revoking the tokens of alpha\.\.\. done/)
  t.match(removed.stdout, /Agent alpha removed\.\n$/)
  t.notOk(existsSync(installDir))
  const tokens = await hub.admin('GET', '/admin/tokens')
  t.notOk(tokens.body.tokens.some((x: { agent_id: string }) => x.agent_id === 'alpha'), 'no token of alpha left')
  const refused = await fetch(`${hub.url}/api/tasks/stats`, { headers: { authorization: `Bearer ${config.token}` } })
  t.equal(refused.status, 401, 'the old agent token is refused')
})
