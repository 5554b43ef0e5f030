// `agentcom remove-agent --name N --hub URL`: teardown of an onboarded agent (spec sidecar.md
// §15.4) in 3 steps — stop and remove its service, revoke its tokens at the hub, delete its
// install dir. Unlike the original (whose summary claimed all three happened and which exited 0
// regardless), the summary says what really happened and a failed revoke exits 1.
import { existsSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { NO_ADMIN_TOKEN, findAdminToken } from '../onboarding/admin-token'
import { HubCallError, HubClient, describeRefusal } from '../onboarding/hub-client'
import { runProgram } from '../onboarding/run-program'
import { AgentIdPattern, UsageError } from '../onboarding/cli-options'
import { systemdUnitPath } from '../onboarding/add-agent-steps'
import { normalizeHubUrl } from '../../relay/sidecar/onboarding/hub-urls'
import { PROGRESS_FILE } from '../../relay/sidecar/onboarding/onboarding-progress'
import { SERVICE_MANAGERS, SERVICE_MANAGER_ENV, detectServiceManager, removalCommands, serviceName } from '../../relay/sidecar/onboarding/service-units'

export interface RemoveAgentOptions {
  name: string
  hub: string
  adminToken?: string
  adminTokenFile?: string
  dir?: string
  serviceManager?: string
  /** false with --keep-files */
  files?: boolean
}

export function registerRemoveAgentCommand(program: Command): Command {
  return program
    .command('remove-agent')
    .description("tear an agent down: stop and remove its service, revoke its tokens at the hub, delete its install dir")
    .requiredOption('-n, --name <name>', 'the agent to remove')
    .requiredOption('--hub <url>', "the hub's HTTP base URL")
    .option('--admin-token <token>', 'admin token (env AGENTCOM_ADMIN_TOKEN)')
    .option('--admin-token-file <file>', 'file holding the admin token')
    .option('--dir <dir>', 'the install dir (default ~/.agentcom/<name>)')
    .addOption(
      new Option('--service-manager <name>', `pm2, systemd or none (default: whichever is on PATH; env ${SERVICE_MANAGER_ENV})`).choices([...SERVICE_MANAGERS]),
    )
    .option('--no-files', 'keep the install dir')
    .addHelpText('after', '\nExit status: 0 when the tokens were revoked and the files removed, 1 otherwise.')
    .action(async (opts: RemoveAgentOptions) => {
      process.exitCode = await runRemoveAgent(opts)
    })
}

type Outcome = { ok: boolean; text: string }

export async function runRemoveAgent(opts: RemoveAgentOptions, env: NodeJS.ProcessEnv = process.env, write = (t: string) => void process.stdout.write(t)): Promise<number> {
  let hubUrl: string
  let adminToken: string | undefined
  let manager
  try {
    if (!AgentIdPattern.test(opts.name)) throw new UsageError(`--name ${JSON.stringify(opts.name)} is not an agent name`)
    hubUrl = normalizeHubUrl(opts.hub)
    adminToken = findAdminToken(opts, env)
    if (!adminToken) throw new UsageError(NO_ADMIN_TOKEN)
    manager = detectServiceManager(opts.serviceManager ?? env[SERVICE_MANAGER_ENV])
  } catch (err) {
    // UsageError, AdminTokenError, HubUrlError, an unknown service manager: all one line
    process.stderr.write(`error: ${(err as Error).message}\n`)
    return 1
  }
  const home = env.HOME || homedir()
  const installDir = resolve(opts.dir ?? join(home, '.agentcom', opts.name))
  const name = serviceName(opts.name)

  write(`[1/3] Stopping the service ${name}...`)
  const stopped = await stopService(manager, name, home)
  write(` ${stopped.ok ? 'done' : 'FAILED'} (${stopped.text})\n`)

  write(`[2/3] Revoking the tokens of ${opts.name}...`)
  const revoked = await revoke(new HubClient({ baseUrl: hubUrl, token: adminToken }), opts.name)
  write(` ${revoked.ok ? 'done' : 'FAILED'} (${revoked.text})\n`)

  write(`[3/3] Removing ${installDir}...`)
  const removed = opts.files === false ? { ok: true, text: 'kept (--no-files)' } : removeInstallDir(installDir)
  write(` ${removed.ok ? 'done' : 'FAILED'} (${removed.text})\n`)

  const failed = [stopped, revoked, removed].filter((o) => !o.ok).length
  write(failed === 0 ? `Agent ${opts.name} removed.\n` : `Agent ${opts.name} only partly removed: ${failed} step(s) failed (see above).\n`)
  return revoked.ok && removed.ok ? 0 : 1
}

async function stopService(manager: ReturnType<typeof detectServiceManager>, name: string, home: string): Promise<Outcome> {
  if (manager === 'none') return { ok: true, text: 'no service manager in use: stop the sidecar process yourself if it runs' }
  const problems: string[] = []
  for (const command of removalCommands(manager, name)) {
    const result = await runProgram(command.argv, { timeoutMs: 30_000 })
    if (!result.ok) problems.push(result.reason)
  }
  if (manager === 'systemd') {
    rmSync(systemdUnitPath(home, name), { force: true })
    await runProgram(['systemctl', '--user', 'daemon-reload'], { timeoutMs: 30_000 })
  }
  // stopping something that is not running is not a failure of the teardown
  return { ok: true, text: problems.length === 0 ? manager : `${manager}; ignored: ${problems.join('; ')}` }
}

async function revoke(hub: HubClient, agentId: string): Promise<Outcome> {
  const path = `/admin/tokens/${encodeURIComponent(agentId)}`
  try {
    const reply = await hub.request('DELETE', path)
    if (reply.status === 200) return { ok: true, text: 'revoked; a live session of the agent is closed' }
    return { ok: false, text: describeRefusal('DELETE', path, reply) }
  } catch (err) {
    if (err instanceof HubCallError) return { ok: false, text: err.message }
    throw err
  }
}

/** Only a dir that onboarding made is deleted (a mistyped --dir must not rm -rf anything else). */
function removeInstallDir(dir: string): Outcome {
  if (!existsSync(dir)) return { ok: true, text: 'already removed' }
  if (!existsSync(join(dir, PROGRESS_FILE))) return { ok: false, text: `no ${PROGRESS_FILE} in it: not an onboarding install dir, left in place` }
  try {
    rmSync(dir, { recursive: true, force: true })
    return { ok: true, text: 'deleted' }
  } catch (err) {
    return { ok: false, text: (err as Error).message }
  }
}
