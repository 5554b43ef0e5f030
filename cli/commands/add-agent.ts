// `agentcom add-agent --hub URL [--name N] [--resume | --rejoin [--token T]]`: one-command
// provisioning of an agent (spec sidecar.md §15.1) — register, clone its working repo, write the
// sidecar config, install a pm2/systemd service, verify end to end. Each step is recorded in
// <install>/.onboard-progress.json; after a failure `--resume` continues where it stopped.
import { realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { InvalidArgumentError, Option, type Command } from 'commander'
import { findAdminToken } from '../onboarding/admin-token'
import { HubClient } from '../onboarding/hub-client'
import { runProgram } from '../onboarding/run-program'
import {
  ONBOARDING_STEP_DEFINITIONS,
  StepFailure,
  VERIFY_POLL_MS,
  generateAgentName,
  serviceSpecOf,
  type OnboardingRun,
} from '../onboarding/add-agent-steps'
import { normalizeHubUrl } from '../../relay/sidecar/onboarding/hub-urls'
import { freshProgress, loadProgress, progressPath, type OnboardingProgress } from '../../relay/sidecar/onboarding/onboarding-progress'
import { SERVICE_MANAGERS, SERVICE_MANAGER_ENV, detectServiceManager, serviceName } from '../../relay/sidecar/onboarding/service-units'
import { AgentIdPattern, UsageError, collect, parseNonNegativeInteger, parsePositiveSeconds } from '../onboarding/cli-options'

export interface AddAgentOptions {
  hub: string
  name?: string
  token?: string
  rejoin?: boolean
  resume?: boolean
  dir?: string
  adminToken?: string
  adminTokenFile?: string
  repo?: string
  config?: string
  capability?: string[]
  wakeCommand?: string
  /** false with --no-wake */
  wake?: boolean
  serviceManager?: string
  /** false with --no-verify */
  verify?: boolean
  verifyTimeout?: number
  verifyPollInterval?: number
}

export function registerAddAgentCommand(program: Command): Command {
  return program
    .command('add-agent')
    .description('provision an agent in 7 steps: pre-flight, register, clone, config, runtime, service, verify (--resume continues after a failure)')
    .requiredOption('--hub <url>', 'the hub\'s HTTP base URL, e.g. http://hub-host:4000')
    .option('-n, --name <name>', 'agent name (default: a generated Culture ship name, gcu-...)', agentName)
    .option('-r, --resume', 'skip the steps recorded as done in <dir>/.onboard-progress.json (needs --name)')
    .option('--rejoin', 're-provision an existing agent: no registration, reuse its token (needs --name)')
    .option('-t, --token <token>', 'the agent\'s token for --rejoin (default: the one in the progress file)')
    .option('--admin-token <token>', 'admin token for registering (env AGENTCOM_ADMIN_TOKEN)')
    .option('--admin-token-file <file>', 'file holding the admin token (the hub writes <data-dir>/admin.token)')
    .option('--dir <dir>', 'install dir (default ~/.agentcom/<name>)')
    .option('--repo <url>', 'git URL of the agent\'s working repo (default: the hub\'s default repo)')
    .option('--config <file>', 'where to write the sidecar config (default <dir>/config.json)')
    .option('--capability <name>', 'a capability of the agent, repeatable (default: code)', collect, [])
    .option('--wake-command <command>', 'the sidecar\'s wake command (default: the openclaw command of the spec)')
    .option('--no-wake', 'no wake command (only the direct executors run tasks)')
    .addOption(
      new Option('--service-manager <name>', `pm2, systemd or none (default: whichever is on PATH; env ${SERVICE_MANAGER_ENV})`).choices([...SERVICE_MANAGERS]),
    )
    .option('--no-verify', 'skip step 7 (the end-to-end test task)')
    .option('--verify-timeout <seconds>', 'how long step 7 waits for the agent and its test task', parsePositiveSeconds, 30)
    .option('--verify-poll-interval <ms>', 'how often step 7 asks the hub', parsePollMs, VERIFY_POLL_MS)
    .addHelpText('after', '\nExit status: 0 when all 7 steps succeeded, 1 otherwise (the message says how to --resume).')
    .action(async (opts: AddAgentOptions) => {
      process.exitCode = await runAddAgent(opts)
    })
}

function parsePollMs(value: string): number {
  const ms = parseNonNegativeInteger(value)
  if (ms < 100) throw new InvalidArgumentError('at least 100 (milliseconds)')
  return ms
}

function agentName(value: string): string {
  if (!AgentIdPattern.test(value)) throw new InvalidArgumentError('letters, digits, ".", "_" or "-", not starting with "." or "-" (at most 128)')
  return value
}

export interface AddAgentIo {
  env: NodeJS.ProcessEnv
  home: string
  write(text: string): void
  random?: () => number
}

const defaultIo = (): AddAgentIo => ({ env: process.env, home: process.env.HOME || homedir(), write: (t) => void process.stdout.write(t) })

/** Resolves with the exit code. */
export async function runAddAgent(opts: AddAgentOptions, io: AddAgentIo = defaultIo()): Promise<number> {
  let run: OnboardingRun
  try {
    run = await prepareRun(opts, io)
  } catch (err) {
    if (err instanceof UsageError || err instanceof StepFailure) {
      process.stderr.write(`error: ${err.message}\n`)
      return 1
    }
    throw err
  }
  const total = ONBOARDING_STEP_DEFINITIONS.length
  for (const [i, def] of ONBOARDING_STEP_DEFINITIONS.entries()) {
    io.write(`[${i + 1}/${total}] ${def.title}...`)
    if (opts.resume && (await def.skippable(run))) {
      io.write(' skipped (already done)\n')
      continue
    }
    try {
      const note = await def.execute(run)
      io.write(note ? ` done (${note})\n` : ' done\n')
    } catch (err) {
      io.write(' FAILED\n')
      io.write(`FATAL: ${(err as Error).message}\n`)
      if (run.progress.steps_completed.length > 0) io.write(`Continue after fixing it with:\n  ${resumeCommand(run)}\n`)
      if (def.step === 'verify') io.write(`The sidecar's logs: ${join(run.installDir, 'logs')} and ${join(run.installDir, 'sidecar.log')}\n`)
      return 1
    }
  }
  io.write(quickStart(run))
  return 0
}

/** Flag combinations that cannot work (UsageError); returns the normalized hub URL. */
export function checkAddAgentFlags(opts: AddAgentOptions): string {
  if (opts.rejoin && opts.resume) throw new UsageError('--rejoin and --resume cannot be used together')
  if (opts.rejoin && !opts.name) throw new UsageError('--rejoin needs --name (the agent to re-provision)')
  if (opts.resume && !opts.name) throw new UsageError('--resume needs --name (which onboarding to continue)')
  if (opts.token && !opts.rejoin) throw new UsageError('--token is the agent token for --rejoin; register with --admin-token')
  try {
    return normalizeHubUrl(opts.hub)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

async function prepareRun(opts: AddAgentOptions, io: AddAgentIo): Promise<OnboardingRun> {
  const hubUrl = checkAddAgentFlags(opts)
  let serviceManager
  try {
    serviceManager = detectServiceManager(opts.serviceManager ?? io.env[SERVICE_MANAGER_ENV])
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const hub = new HubClient({ baseUrl: hubUrl })
  const agentsHome = join(io.home, '.agentcom')
  let name = opts.name
  if (!name) {
    name = await generateAgentName(hub, agentsHome, io.random)
    if (!name) throw new UsageError('every Culture ship name is taken here: pass --name')
    io.write(`Agent name: ${name} (generated; pass --name to choose one)\n`)
  }
  const installDir = resolve(opts.dir ?? join(agentsHome, name))
  const progress = startingProgress(opts, name, hubUrl, installDir)
  const adminToken = opts.rejoin ? undefined : findAdminToken(opts, io.env)
  return {
    hub,
    hubUrl,
    name,
    installDir,
    rejoin: opts.rejoin === true,
    resume: opts.resume === true,
    agentToken: opts.token,
    adminToken,
    repoUrl: opts.repo,
    configPath: resolve(opts.config ?? progress.config_path ?? join(installDir, 'config.json')),
    capabilities: opts.capability,
    wakeCommand: opts.wake === false ? null : opts.wakeCommand,
    serviceManager,
    cli: thisCli(),
    home: io.home,
    verify: opts.verify !== false,
    verifyTimeoutMs: (opts.verifyTimeout ?? 30) * 1000,
    verifyPollMs: opts.verifyPollInterval ?? VERIFY_POLL_MS,
    progress,
    write: io.write,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    run: (argv, o) => runProgram(argv, o),
  }
}

function startingProgress(opts: AddAgentOptions, name: string, hubUrl: string, installDir: string): OnboardingProgress {
  let saved: OnboardingProgress | undefined
  try {
    saved = loadProgress(installDir)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (saved && saved.agent_name !== name) throw new UsageError(`${progressPath(installDir)} belongs to ${saved.agent_name}, not ${name}`)
  if (opts.resume) return saved ?? freshProgress(name, hubUrl)
  // --rejoin keeps only the token of an earlier onboarding
  if (opts.rejoin) return { ...freshProgress(name, hubUrl), token: saved?.token ?? null }
  return freshProgress(name, hubUrl)
}

/** How a service runs this very CLI: node, its flags (a TypeScript loader in development), the script. */
function thisCli(): OnboardingRun['cli'] {
  const script = process.argv[1] ? realpathSync(process.argv[1]) : ''
  return { node: process.execPath, nodeArgs: [...process.execArgv], script }
}

function resumeCommand(run: OnboardingRun): string {
  const args = ['agentcom', 'add-agent', '--hub', run.hubUrl, '--name', run.name, '--resume']
  if (run.installDir !== join(run.home, '.agentcom', run.name)) args.push('--dir', run.installDir)
  if (run.configPath !== join(run.installDir, 'config.json')) args.push('--config', run.configPath)
  return args.join(' ')
}

function quickStart(run: OnboardingRun): string {
  const spec = serviceSpecOf(run)
  const name = serviceName(run.name)
  const manage =
    run.serviceManager === 'pm2'
      ? `pm2 status ${name} / pm2 logs ${name}`
      : run.serviceManager === 'systemd'
        ? `systemctl --user status ${name} / journalctl --user -u ${name}`
        : `run it yourself: ${[spec.node, ...spec.nodeArgs, spec.script, ...spec.args].join(' ')}`
  return [
    '',
    `Agent ${run.name} is onboarded.`,
    `  Submit a task:  agentcom submit --hub ${run.hubUrl} --token <token> "your task"`,
    `  Service:        ${manage}`,
    `  Dashboard:      ${run.hubUrl}/dashboard`,
    `  Install dir:    ${run.installDir}`,
    `  Config:         ${run.configPath}`,
    '',
  ].join('\n')
}

