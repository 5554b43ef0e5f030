// The 7 onboarding steps of `agentcom add-agent` (spec sidecar.md §15.1), in the spec's order and
// with its step names. Each step either completes (and is recorded in the progress file) or
// throws a StepFailure whose message is the one-line reason; `--resume` skips recorded steps.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { loadSidecarConfig } from '../../relay/sidecar/config'
import { deriveWsUrl } from '../../relay/sidecar/onboarding/hub-urls'
import { pickFreeName } from '../../relay/sidecar/onboarding/culture-names'
import { isDone, markDone, saveProgress, type OnboardingProgress, type OnboardingStep } from '../../relay/sidecar/onboarding/onboarding-progress'
import { onboardedSidecarConfig } from '../../relay/sidecar/onboarding/sidecar-config-file'
import {
  installCommands,
  pm2EcosystemFile,
  serviceArgv,
  serviceName,
  shellQuote,
  systemdUserUnit,
  type ServiceManager,
  type ServiceSpec,
} from '../../relay/sidecar/onboarding/service-units'
import { HubCallError, type HubClient } from './hub-client'
import { runProgram, type ProgramResult } from './run-program'

export const CLONE_TIMEOUT_MS = 120_000
export const SERVICE_START_TIMEOUT_MS = 30_000
export const VERIFY_POLL_MS = 2_000

export class StepFailure extends Error {
  override readonly name = 'StepFailure'
}

/** Everything the steps read; `progress` is replaced (and saved) as steps complete. */
export interface OnboardingRun {
  hub: HubClient
  hubUrl: string
  name: string
  installDir: string
  rejoin: boolean
  resume: boolean
  /** --token (rejoin) */
  agentToken?: string
  adminToken?: string
  /** --repo: overrides the hub's default repo */
  repoUrl?: string
  configPath: string
  capabilities?: string[]
  wakeCommand?: string | null
  serviceManager: ServiceManager
  /** how the service runs this CLI: node, its flags, the script */
  cli: { node: string; nodeArgs: string[]; script: string }
  home: string
  verify: boolean
  verifyTimeoutMs: number
  verifyPollMs: number
  progress: OnboardingProgress
  write(text: string): void
  sleep(ms: number): Promise<void>
  run(argv: string[], opts: { timeoutMs: number; cwd?: string }): Promise<ProgramResult>
}

export interface StepDefinition {
  step: OnboardingStep
  title: string
  /** with --resume: true when the recorded result is still there */
  skippable(run: OnboardingRun): boolean | Promise<boolean>
  /** returns a short note printed after "done" */
  execute(run: OnboardingRun): Promise<string | void>
}

export function repoDirOf(run: Pick<OnboardingRun, 'installDir'>): string {
  return join(run.installDir, 'repo')
}

export function serviceSpecOf(run: OnboardingRun): ServiceSpec {
  return {
    name: serviceName(run.name),
    ...run.cli,
    args: ['sidecar', '--config', run.configPath],
    cwd: run.installDir,
    outLog: join(run.installDir, 'logs', 'sidecar-out.log'),
    errorLog: join(run.installDir, 'logs', 'sidecar-error.log'),
  }
}

export function record(run: OnboardingRun, update: Partial<OnboardingProgress>, step?: OnboardingStep): void {
  let next = { ...run.progress, ...update }
  if (step) next = markDone(next, step)
  run.progress = next
  saveProgress(run.installDir, next)
}

// ---- 1 preflight ---------------------------------------------------------------------------

const preflight: StepDefinition = {
  step: 'preflight',
  title: 'Pre-flight checks',
  skippable: (run) => isDone(run.progress, 'preflight'),
  async execute(run) {
    const problems: string[] = []
    const major = Number(process.versions.node.split('.')[0])
    if (major < 20) problems.push(`Node.js ${process.versions.node} is too old (20 or newer)`)
    const git = await run.run(['git', '--version'], { timeoutMs: 10_000 })
    if (!git.ok) problems.push(`git: ${git.reason}`)
    try {
      const health = await run.hub.request('GET', '/health', undefined, false)
      if (health.status !== 200) problems.push(`GET ${run.hubUrl}/health answered ${health.status}`)
    } catch (err) {
      problems.push((err as Error).message)
    }
    if (!run.rejoin && !run.adminToken) problems.push('no admin token to register with: pass --admin-token, --admin-token-file or set AGENTCOM_ADMIN_TOKEN (or --rejoin with the agent token)')
    if (!run.resume && !run.rejoin && existsSync(run.installDir) && readdirSync(run.installDir).length > 0) {
      problems.push(`${run.installDir} already exists (continue with --resume, or remove it with agentcom remove-agent)`)
    }
    if (problems.length > 0) throw new StepFailure(`pre-flight found ${problems.length} problem(s):\n${problems.map((p, i) => `  ${i + 1}. ${p}`).join('\n')}`)
    record(run, {}, 'preflight')
  },
}

// ---- 2 register ----------------------------------------------------------------------------

interface RegisterReply {
  agent_id: string
  token: string
  hub_ws_url?: string
  hub_api_url?: string
  default_repo?: string | null
}

const register: StepDefinition = {
  step: 'register',
  title: 'Registering with the hub',
  skippable: (run) => isDone(run.progress, 'register') && !!run.progress.token,
  async execute(run) {
    if (run.rejoin) return rejoin(run)
    const reply = await run.hub.withToken(run.adminToken ?? '').request<RegisterReply | { error?: string }>('POST', '/api/onboard/register', { agent_id: run.name })
    if (reply.status === 409) {
      throw new StepFailure(
        `the hub already knows an agent named ${run.name}: choose another --name, or re-provision it with ` +
          `--rejoin --name ${run.name} --token <its token> (an admin issues one with POST /api/admin/agents/${run.name}/reset-token)`,
      )
    }
    if (reply.status === 401 || reply.status === 403) throw new StepFailure(`the hub refused the admin token (${reply.status})`)
    if (reply.status !== 201) throw new StepFailure(`registration failed: the hub answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`)
    const body = reply.body as RegisterReply
    // the token is recorded at once: a crash after this point must not lose it (a second register is a 409)
    record(
      run,
      {
        token: body.token,
        hub_ws_url: body.hub_ws_url ?? deriveWsUrl(run.hubUrl),
        hub_api_url: body.hub_api_url ?? run.hubUrl,
        default_repo: body.default_repo ?? null,
      },
      'register',
    )
    return `registered as ${body.agent_id}`
  },
}

async function rejoin(run: OnboardingRun): Promise<string> {
  const token = run.agentToken ?? run.progress.token
  if (!token) throw new StepFailure(`--rejoin needs the agent's token: pass --token (none in ${run.installDir})`)
  // the original reused the token unchecked; a wrong one would only show up as a sidecar that never connects
  const probe = await run.hub.withToken(token).request('GET', '/api/tasks/stats')
  if (probe.status === 401) throw new StepFailure(`the hub does not accept that token for ${run.name}`)
  const repo = await defaultRepo(run)
  record(run, { token, hub_ws_url: deriveWsUrl(run.hubUrl), hub_api_url: run.hubUrl, default_repo: repo }, 'register')
  return 'rejoined with the existing token'
}

async function defaultRepo(run: OnboardingRun): Promise<string | null> {
  // the original read a `url` field the hub never sends; the hub answers {default_repo, configured}
  const body = await run.hub.expect<{ default_repo?: unknown }>([200], 'GET', '/api/config/default-repo', undefined, false)
  return typeof body.default_repo === 'string' && body.default_repo !== '' ? body.default_repo : null
}

// ---- 3 clone -------------------------------------------------------------------------------

const clone: StepDefinition = {
  step: 'clone',
  title: "Cloning the agent's working repository",
  skippable: (run) => isDone(run.progress, 'clone') && existsSync(join(repoDirOf(run), '.git')),
  async execute(run) {
    const url = run.repoUrl ?? run.progress.default_repo ?? (await defaultRepo(run))
    if (!url) {
      throw new StepFailure(
        `the hub has no default repository: pass --repo URL, or set one with ` +
          `curl -X PUT ${run.hubUrl}/api/config/default-repo -H 'Authorization: Bearer <admin token>' -H 'Content-Type: application/json' -d '{"url":"<git url>"}'`,
      )
    }
    const repoDir = repoDirOf(run)
    // a clone interrupted by an earlier failed run is ours (inside the install dir): start over
    rmSync(repoDir, { recursive: true, force: true })
    mkdirSync(run.installDir, { recursive: true, mode: 0o700 })
    const cloned = await withProgressDots(run, run.run(['git', 'clone', '--quiet', url, repoDir], { timeoutMs: CLONE_TIMEOUT_MS }))
    if (!cloned.ok) throw new StepFailure(`git clone failed: ${cloned.reason}`)
    record(run, { default_repo: url, repo_dir: repoDir }, 'clone')
    return url
  },
}

// ---- 4 config ------------------------------------------------------------------------------

const config: StepDefinition = {
  step: 'config',
  title: 'Writing the sidecar config',
  skippable: (run) => isDone(run.progress, 'config') && existsSync(run.configPath),
  async execute(run) {
    const { token, hub_ws_url, hub_api_url } = run.progress
    if (!token) throw new StepFailure('no token recorded (run the register step again: remove --resume)')
    let file
    try {
      file = onboardedSidecarConfig({
        agentId: run.name,
        token,
        hubWsUrl: hub_ws_url ?? deriveWsUrl(run.hubUrl),
        hubApiUrl: hub_api_url ?? run.hubUrl,
        repoDir: repoDirOf(run),
        dataDir: run.installDir,
        configPath: run.configPath,
        capabilities: run.capabilities,
        wakeCommand: run.wakeCommand,
        homeDir: run.home,
      })
    } catch (err) {
      throw new StepFailure(`the config would not load in the sidecar: ${(err as Error).message}`)
    }
    try {
      writeSecretFile(run.configPath, JSON.stringify(file, null, 2) + '\n')
    } catch (err) {
      throw new StepFailure(`cannot write ${run.configPath}: ${(err as Error).message}`)
    }
    record(run, { config_path: run.configPath }, 'config')
    return run.configPath
  },
}

/** temp + rename, mode 0600: the file holds the agent's token. */
export function writeSecretFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, text, { mode: 0o600 })
  renameSync(temp, path)
}

// ---- 5 install -----------------------------------------------------------------------------

const install: StepDefinition = {
  step: 'install',
  title: 'Preparing the sidecar runtime',
  skippable: (run) => isDone(run.progress, 'install'),
  async execute(run) {
    // The sidecar is part of this program (no per-agent `npm install`): check that the config
    // loads the way `agentcom sidecar` will load it and that its directories exist.
    let loaded
    try {
      loaded = loadSidecarConfig(run.configPath, { homeDir: run.home })
    } catch (err) {
      throw new StepFailure((err as Error).message)
    }
    if (!existsSync(run.cli.script)) throw new StepFailure(`the agentcom CLI ${run.cli.script} is missing`)
    for (const dir of [loaded.results_dir, dirname(loaded.log_file), join(run.installDir, 'logs')]) {
      mkdirSync(dir, { recursive: true })
    }
    record(run, {}, 'install')
  },
}

// ---- 6 service -----------------------------------------------------------------------------

const service: StepDefinition = {
  step: 'service',
  title: 'Installing the sidecar service',
  skippable: async (run) => isDone(run.progress, 'service') && (await serviceIsRunning(run)),
  async execute(run) {
    const spec = serviceSpecOf(run)
    const commandLine = serviceArgv(spec).map(shellQuote).join(' ')
    if (run.serviceManager === 'none') {
      record(run, { service_manager: 'none' }, 'service')
      return `no service manager (pm2 or systemctl) in use; start the sidecar with:\n      ${commandLine}`
    }
    const file = run.serviceManager === 'pm2' ? join(run.installDir, 'ecosystem.config.js') : systemdUnitPath(run.home, spec.name)
    try {
      writeSecretFile(file, run.serviceManager === 'pm2' ? pm2EcosystemFile(spec) : systemdUserUnit(spec))
    } catch (err) {
      throw new StepFailure(`cannot write ${file}: ${(err as Error).message}`)
    }
    for (const command of installCommands(run.serviceManager, spec, file)) {
      const result = await run.run(command.argv, { timeoutMs: SERVICE_START_TIMEOUT_MS })
      if (!result.ok && !command.ignoreFailure) throw new StepFailure(result.reason)
    }
    record(run, { service_manager: run.serviceManager }, 'service')
    return `${run.serviceManager}: ${spec.name} (${file})`
  },
}

export function systemdUnitPath(home: string, name: string): string {
  return join(home, '.config', 'systemd', 'user', `${name}.service`)
}

async function serviceIsRunning(run: OnboardingRun): Promise<boolean> {
  const name = serviceName(run.name)
  switch (run.serviceManager) {
    case 'none':
      return true
    case 'systemd':
      return (await run.run(['systemctl', '--user', 'is-active', '--quiet', `${name}.service`], { timeoutMs: 10_000 })).ok
    case 'pm2': {
      const list = await run.run(['pm2', 'jlist'], { timeoutMs: 10_000 })
      if (!list.ok) return false
      try {
        const apps = JSON.parse(list.stdout) as Array<{ name?: string; pm2_env?: { status?: string } }>
        return apps.some((a) => a.name === name && a.pm2_env?.status === 'online')
      } catch {
        return false
      }
    }
  }
}

// ---- 7 verify ------------------------------------------------------------------------------

interface TaskViewLike {
  status?: string
  assigned_to?: string | null
  last_error?: string | null
}

const verify: StepDefinition = {
  step: 'verify',
  title: 'Verifying the agent end to end',
  skippable: () => false,
  async execute(run) {
    if (!run.verify) return 'not run (--no-verify)'
    const agentApi = run.hub.withToken(run.progress.token ?? '')
    const deadline = Date.now() + run.verifyTimeoutMs
    // first the agent itself must be online: proof that the sidecar connected with its token
    // (the original only checked that *some* agent completed an untargeted test task)
    while (!(await agentOnline(run))) {
      if (Date.now() > deadline) throw new StepFailure(`${run.name} did not connect to the hub within ${run.verifyTimeoutMs / 1000} s`)
      run.write('.')
      await run.sleep(run.verifyPollMs)
    }
    const submitted = await agentApi.expect<{ task_id: string }>([201], 'POST', '/api/tasks', {
      description: `Onboarding test: echo 'Agent ${run.name} online'`,
      priority: 'urgent',
      complexity_tier: 'trivial',
      max_retries: 0,
      metadata: { onboarding_test: true, shell_command: ['echo', `Agent ${run.name} online`] },
    })
    for (;;) {
      const task = await agentApi.expect<TaskViewLike>([200], 'GET', `/api/tasks/${submitted.task_id}`)
      if (task.status === 'completed' || task.status === 'complete') {
        record(run, {}, 'verify')
        return `test task ${submitted.task_id} completed by ${task.assigned_to ?? 'an agent'}`
      }
      // the hub's failure ends in dead_letter (the original waited for a "failed" that never came)
      if (task.status === 'dead_letter' || task.status === 'failed') {
        throw new StepFailure(`test task ${submitted.task_id} failed: ${task.last_error ?? task.status}`)
      }
      if (Date.now() > deadline) throw new StepFailure(`test task ${submitted.task_id} still ${task.status} after ${run.verifyTimeoutMs / 1000} s`)
      run.write('.')
      await run.sleep(run.verifyPollMs)
    }
  },
}

async function agentOnline(run: OnboardingRun): Promise<boolean> {
  try {
    const reply = await run.hub.request<{ agents?: Array<{ agent_id?: string }> }>('GET', '/api/agents', undefined, false)
    return reply.status === 200 && (reply.body.agents ?? []).some((a) => a.agent_id === run.name)
  } catch (err) {
    if (err instanceof HubCallError) return false
    throw err
  }
}

export const ONBOARDING_STEP_DEFINITIONS: readonly StepDefinition[] = [preflight, register, clone, config, install, service, verify]

/** Prints dots every 5 s while a long call runs ("progress for anything over a second"). */
async function withProgressDots<T>(run: OnboardingRun, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => run.write('.'), 5_000)
  try {
    return await work
  } finally {
    clearInterval(timer)
  }
}

/** A generated name that is neither online at the hub nor installed here already. */
export async function generateAgentName(hub: HubClient, agentsHome: string, random: () => number = Math.random): Promise<string | undefined> {
  const taken = new Set<string>()
  try {
    const reply = await hub.request<{ agents?: Array<{ agent_id?: string }> }>('GET', '/api/agents', undefined, false)
    for (const a of reply.status === 200 ? (reply.body.agents ?? []) : []) if (a.agent_id) taken.add(a.agent_id)
  } catch {
    // the hub is checked properly in step 1
  }
  if (existsSync(agentsHome)) for (const entry of readdirSync(agentsHome)) taken.add(entry)
  return pickFreeName(taken, random)
}
