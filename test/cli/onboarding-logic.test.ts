// The pure parts of onboarding and submit, tested directly.
import t from 'tap'
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CULTURE_NAMES, generateName, pickFreeName } from '../../relay/sidecar/onboarding/culture-names'
import { deriveWsUrl, normalizeHubUrl } from '../../relay/sidecar/onboarding/hub-urls'
import { freshProgress, loadProgress, markDone, progressPath, saveProgress } from '../../relay/sidecar/onboarding/onboarding-progress'
import { DEFAULT_WAKE_COMMAND, onboardedSidecarConfig } from '../../relay/sidecar/onboarding/sidecar-config-file'
import {
  detectServiceManager,
  installCommands,
  onPath,
  pm2EcosystemFile,
  removalCommands,
  systemdUserUnit,
  type ServiceSpec,
} from '../../relay/sidecar/onboarding/service-units'
import { loadSidecarConfig } from '../../relay/sidecar/config'
import { describeChange, parseVerificationStep, submitBody, type SubmitOptions } from '../../cli/commands/submit'
import { findAdminToken } from '../../cli/onboarding/admin-token'
import { tempDir } from './onboarding-fixture'

t.test('Culture names: 65 distinct, gcu- prefix, collisions avoided', async (t) => {
  t.equal(CULTURE_NAMES.length, 65)
  t.equal(new Set(CULTURE_NAMES).size, 65)
  t.equal(generateName(() => 0), 'gcu-sleeper-service')
  t.equal(generateName(() => 0.999999), 'gcu-bias-cut')
  const taken = new Set(['gcu-sleeper-service'])
  let draws = 0
  const sequence = [0, 0, 1 / 65 + 0.001]
  t.equal(pickFreeName(taken, () => sequence[draws++]), 'gcu-grey-area', 'redrawn past a taken name')
  const allButLast = new Set(CULTURE_NAMES.slice(0, -1).map((n) => `gcu-${n}`))
  t.equal(pickFreeName(allButLast, () => 0), 'gcu-bias-cut', 'after 10 unlucky draws: the first free one')
  t.equal(pickFreeName(new Set(CULTURE_NAMES.map((n) => `gcu-${n}`)), Math.random), undefined)
})

t.test('hub URLs', async (t) => {
  t.equal(normalizeHubUrl('http://hub:4000/'), 'http://hub:4000')
  t.equal(normalizeHubUrl('https://hub.example/agentcom//'), 'https://hub.example/agentcom')
  t.throws(() => normalizeHubUrl('ws://hub'), { name: 'HubUrlError' })
  t.equal(deriveWsUrl('http://hub:4000'), 'ws://hub:4000/ws')
  t.equal(deriveWsUrl('https://hub.example'), 'wss://hub.example/ws', 'a default port gives no "host:" (the original\'s bug)')
})

t.test('progress file: atomic, 0600, validated', async (t) => {
  const dir = tempDir(t)
  t.equal(loadProgress(join(dir, 'none')), undefined)
  const p = markDone(markDone(freshProgress('a', 'http://h'), 'preflight'), 'preflight')
  t.same(p.steps_completed, ['preflight'], 'marked once')
  saveProgress(join(dir, 'a'), { ...p, token: 'tok' })
  t.same(loadProgress(join(dir, 'a')), { ...p, token: 'tok' })
  t.equal(statSync(progressPath(join(dir, 'a'))).mode & 0o777, 0o600, 'it holds the token: 0600')
  mkdirSync(join(dir, 'bad'))
  writeFileSync(progressPath(join(dir, 'bad')), '{"agent_name":""}')
  t.throws(() => loadProgress(join(dir, 'bad')), { name: 'ProgressFileError', message: /is not an onboarding progress file/ })
  writeFileSync(progressPath(join(dir, 'bad')), '{')
  t.throws(() => loadProgress(join(dir, 'bad')), { message: /is not valid JSON/ })
})

t.test('the generated sidecar config loads in the sidecar', async (t) => {
  const dir = tempDir(t)
  const input = { agentId: 'gcu-tactical-grace', token: 'tok', hubWsUrl: 'ws://h:4000/ws', hubApiUrl: 'http://h:4000', repoDir: join(dir, 'repo'), dataDir: dir, configPath: join(dir, 'config.json'), homeDir: dir }
  const file = onboardedSidecarConfig(input)
  t.match(file, { agent_id: 'gcu-tactical-grace', reviewer: '', capabilities: ['code'], confirmation_timeout_ms: 30000, results_dir: './results', log_file: './sidecar.log', wake_command: DEFAULT_WAKE_COMMAND })
  t.notOk('ollama_url' in file)
  writeFileSync(input.configPath, JSON.stringify(file))
  const loaded = loadSidecarConfig(input.configPath, { homeDir: dir })
  t.equal(loaded.repo_dir, join(dir, 'repo'))
  t.equal(loaded.results_dir, join(dir, 'results'))
  t.same(loaded.wake_command, ['openclaw', 'agent', '--message', 'Task: ${TASK_JSON}', '--session-id', '${TASK_ID}'])
  t.equal(onboardedSidecarConfig({ ...input, wakeCommand: null, capabilities: ['shell'] }).wake_command, null)
  t.throws(() => onboardedSidecarConfig({ ...input, hubWsUrl: 'http://nope' }), { name: 'ConfigError', message: /hub_url/ })
})

t.test('service manager detection and files', async (t) => {
  t.equal(detectServiceManager(undefined, (p) => p === 'pm2' || p === 'systemctl'), 'pm2', 'pm2 first')
  t.equal(detectServiceManager(undefined, (p) => p === 'systemctl'), 'systemd')
  t.equal(detectServiceManager(undefined, () => false), 'none')
  t.equal(detectServiceManager('none', () => true), 'none', 'the override wins')
  t.equal(detectServiceManager('', (p) => p === 'systemctl'), 'systemd', 'an empty override is no override')
  t.throws(() => detectServiceManager('upstart'), { message: 'unknown service manager "upstart" (one of pm2, systemd, none)' })
  const bin = tempDir(t)
  writeFileSync(join(bin, 'pm2'), '#!/bin/sh\n')
  writeFileSync(join(bin, 'notexec'), '')
  chmodSync(join(bin, 'pm2'), 0o755)
  chmodSync(join(bin, 'notexec'), 0o644)
  t.ok(onPath('pm2', `/nonexistent:${bin}`))
  t.notOk(onPath('nothere', bin))
  if (process.getuid?.() !== 0) t.notOk(onPath('notexec', bin), 'not executable')

  const spec: ServiceSpec = { name: 'agentcom-a', node: '/usr/bin/node', nodeArgs: ['--enable-source-maps'], script: '/opt/agentcom/cli/agentcom.js', args: ['sidecar', '--config', '/home/x/my dir/config.json'], cwd: '/home/x', outLog: '/l/out.log', errorLog: '/l/err.log' }
  const ecosystem = join(bin, 'ecosystem.config.js')
  writeFileSync(ecosystem, pm2EcosystemFile(spec))
  const { apps } = require(ecosystem) as { apps: Array<Record<string, unknown>> }
  t.match(apps[0], { name: 'agentcom-a', script: '/opt/agentcom/cli/agentcom.js', args: ['sidecar', '--config', '/home/x/my dir/config.json'], interpreter: '/usr/bin/node', node_args: ['--enable-source-maps'], autorestart: true, max_restarts: 50, out_file: '/l/out.log', error_file: '/l/err.log' })
  const unit = systemdUserUnit(spec)
  t.match(unit, /\nExecStart=\/usr\/bin\/node --enable-source-maps \/opt\/agentcom\/cli\/agentcom\.js sidecar --config "\/home\/x\/my dir\/config\.json"\n/)
  t.match(unit, /\nWantedBy=default\.target\n/)
  t.same(installCommands('pm2', spec, ecosystem).map((c) => c.argv.join(' ')), ['pm2 delete agentcom-a', `pm2 start ${ecosystem}`, 'pm2 save'])
  t.same(installCommands('systemd', spec, 'u').map((c) => c.argv.join(' ')), ['systemctl --user daemon-reload', 'systemctl --user enable --now agentcom-a.service'])
  t.same(installCommands('none', spec, ''), [])
  t.same(removalCommands('pm2', 'agentcom-a').map((c) => c.argv.join(' ')), ['pm2 stop agentcom-a', 'pm2 delete agentcom-a', 'pm2 save'])
  t.ok(removalCommands('systemd', 'agentcom-a').every((c) => c.ignoreFailure))
})

t.test('admin token sources', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'admin.token'), 'from-file\n')
  writeFileSync(join(dir, 'empty'), '\n')
  t.equal(findAdminToken({ adminToken: ' flag ' }, { AGENTCOM_ADMIN_TOKEN: 'env' }), 'flag')
  t.equal(findAdminToken({ adminTokenFile: join(dir, 'admin.token') }, { AGENTCOM_ADMIN_TOKEN: 'env' }), 'from-file')
  t.equal(findAdminToken({}, { AGENTCOM_ADMIN_TOKEN: 'env' }), 'env')
  t.equal(findAdminToken({}, {}), undefined)
  t.throws(() => findAdminToken({ adminTokenFile: join(dir, 'empty') }), { message: /is empty$/ })
  t.notOk(existsSync(join(dir, 'missing')))
  t.throws(() => findAdminToken({ adminTokenFile: join(dir, 'missing') }), { name: 'AdminTokenError', message: /ENOENT$/ })
})

t.test('submit: verification steps, body, progress lines', async (t) => {
  t.same(parseVerificationStep('test_passes:npm test -- --grep a:b'), { type: 'test_passes', target: 'npm test -- --grep a:b' })
  t.same(parseVerificationStep('{"type":"file_exists","target":"a","description":"d"}'), { type: 'file_exists', target: 'a', description: 'd' })
  t.throws(() => parseVerificationStep(':x'), { code: 'commander.invalidArgument' })
  t.throws(() => parseVerificationStep('x:'), { code: 'commander.invalidArgument' })
  const opts: SubmitOptions = {
    priority: 'high',
    capability: ['code', 'rust'],
    successCriteria: ['tests pass'],
    verificationStep: [{ type: 'file_exists', target: 'README.md' }],
    repo: 'https://git/x.git',
    complexityTier: 'standard',
    metadata: { a: 1 },
    target: 'gcu-x',
    maxRetries: 0,
    skipVerification: true,
    pollInterval: 1000,
  }
  t.same(submitBody('do it', opts), {
    description: 'do it',
    priority: 'high',
    metadata: { a: 1, target_agent: 'gcu-x' },
    needed_capabilities: ['code', 'rust'],
    repo: 'https://git/x.git',
    success_criteria: ['tests pass'],
    verification_steps: [{ type: 'file_exists', target: 'README.md' }],
    complexity_tier: 'standard',
    max_retries: 0,
    skip_verification: true,
  })
  t.same(submitBody('x', { priority: 'normal', capability: [], successCriteria: [], verificationStep: [], pollInterval: 1000 }), { description: 'x', priority: 'normal', metadata: {}, needed_capabilities: [] })
  t.equal(describeChange(undefined, { status: 'queued' }), 'queued')
  t.equal(describeChange({ status: 'queued' }, { status: 'queued' }), undefined)
  t.equal(describeChange({ status: 'queued' }, { status: 'assigned', assigned_to: 'a' }), 'assigned to a')
  t.equal(describeChange({ status: 'assigned', assigned_to: 'a', retry_count: 0 }, { status: 'queued', assigned_to: null, retry_count: 1, last_error: 'boom' }), 'retry 1: boom; queued')
  t.equal(describeChange({ status: 'assigned', retry_count: 0 }, { status: 'dead_letter', retry_count: 1, last_error: 'boom' }), 'dead_letter: boom')
})
