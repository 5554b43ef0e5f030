#!/usr/bin/env node
// The `agentcom` command. Thin: parses flags with commander, then calls into the folders below.
import { Command, InvalidArgumentError, Option } from 'commander'
import { runHub } from './commands/hub'
import { runConsole } from './commands/console'
import { runTokenCommand, type TokenCliOptions } from './commands/token'
import { registerSidecarCommand } from './commands/sidecar'
import { runMaintenance, type MaintenanceAction, type MaintenanceOptions } from './commands/maintenance'
import { registerGitCommand } from './commands/git'
import { registerAddAgentCommand } from './commands/add-agent'
import { registerRemoveAgentCommand } from './commands/remove-agent'
import { registerSubmitCommand } from './commands/submit'

export function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`)
  }
  return port
}

export function buildProgram(): Command {
  const program = new Command()
  program
    .name('agentcom')
    .description('AgentCom: a hub and sidecars coordinating a fleet of autonomous AI coding agents')
    .showHelpAfterError('(run with --help for usage)')

  program
    .command('hub')
    .description('start the hub (HTTP API, agent and dashboard WebSockets) under its supervision tree')
    .option('--port <port>', 'port to listen on (env PORT)', parsePort, process.env.PORT ? parsePort(process.env.PORT) : 4000)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'directory for everything durable (env AGENTCOM_DATA_DIR)', process.env.AGENTCOM_DATA_DIR ?? './data')
    .option('--transport <name>', 'uws or ws (default: uws when its binary loads)')
    .option('--open-registration', 'allow POST /api/onboard/register without an admin token', false)
    .action(async (opts) => {
      await runHub(opts)
    })

  program
    .command('console')
    .description('attach a REPL to the running hub (like iex --remsh): tree(), actors(), state(name), kill(name), ...')
    .option('--data-dir <dir>', 'the hub\'s data directory (env AGENTCOM_DATA_DIR)', process.env.AGENTCOM_DATA_DIR ?? './data')
    .option('--socket <path>', 'console socket (default <data-dir>/console.sock)')
    .option('--token-file <file>', 'admin token file (default admin.token beside the socket)')
    .option('-e, --eval <expression>', 'evaluate one expression, print the result and exit (1 if it throws)')
    .option('--json', 'with --eval: print the result as JSON')
    .option('--history <file>', 'REPL history file (default ~/.agentcom_console_history)')
    .option('--no-history', 'keep no history file')
    .action(async (opts) => {
      process.exitCode = await runConsole(opts)
      if (opts.eval === undefined) process.exit(process.exitCode)
    })

  registerSidecarCommand(program)
  registerGitCommand(program)
  registerAddAgentCommand(program)
  registerRemoveAgentCommand(program)
  registerSubmitCommand(program)

  const token = program
    .command('token')
    .description('create, list and revoke tokens: through --hub URL, through the running hub, or offline on the data dir')
  const tokenTarget = (cmd: Command): Command =>
    cmd
      .option('--data-dir <dir>', 'the hub\'s data directory (env AGENTCOM_DATA_DIR)', process.env.AGENTCOM_DATA_DIR ?? './data')
      .option('--hub <url>', 'use the hub\'s HTTP API at this URL (e.g. http://127.0.0.1:4000)')
      .option('--token <token>', 'admin token for --hub or the console (default: <data-dir>/admin.token)')
      .option('--token-file <file>', 'file holding the admin token')
      .option('--json', 'print JSON')
  tokenTarget(token.command('create').description('issue a new token for an agent (printed once)').argument('<agent_id>'))
    .addOption(new Option('--role <role>', 'agent or admin').choices(['agent', 'admin']).default('agent'))
    .action(async (agentId: string, opts: TokenCliOptions) => {
      process.exitCode = await runTokenCommand('create', agentId, opts)
    })
  tokenTarget(token.command('list').description('list tokens (agent, role, first 8 characters, created)')).action(async (opts: TokenCliOptions) => {
    process.exitCode = await runTokenCommand('list', undefined, opts)
  })
  tokenTarget(token.command('revoke').description("revoke every token of an agent (its live session is closed)").argument('<agent_id>')).action(
    async (agentId: string, opts: TokenCliOptions) => {
      process.exitCode = await runTokenCommand('revoke', agentId, opts)
    },
  )

  const maintenance = (action: MaintenanceAction, description: string, tableArg: boolean): void => {
    const cmd = program.command(action).description(description)
    if (tableArg) cmd.argument('[table]', 'one managed table (default: all)')
    cmd
      .option('--data-dir <dir>', 'the hub\'s data directory, worked on offline (env AGENTCOM_DATA_DIR)', process.env.AGENTCOM_DATA_DIR ?? './data')
      .option('--hub <url>', 'ask a running hub through its admin API instead')
      .option('--token <token>', 'admin token for --hub (default: <data-dir>/admin.token)')
      .option('--token-file <file>', 'file holding the admin token')
    if (action === 'compact') cmd.option('--force', 'compact even below the fragmentation threshold (offline)')
    cmd.action(async (...args: unknown[]) => {
      const table = tableArg ? (args[0] as string | undefined) : undefined
      const opts = (tableArg ? args[1] : args[0]) as MaintenanceOptions
      const { ok, body } = await runMaintenance(action, table, opts)
      process.stdout.write(JSON.stringify(body, null, 2) + '\n')
      process.exitCode = ok ? 0 : 1
    })
  }
  maintenance('backup', 'back up the LMDB environment into <data-dir>/backups (keeps the 3 newest)', false)
  maintenance('compact', 'compact the LMDB environment (skipped below 10 % fragmentation unless --force)', true)
  maintenance('restore', 'restore a table (or, offline, the whole environment) from the newest backup that verifies clean', true)

  return program
}

if (require.main === module) {
  buildProgram().parseAsync(process.argv).catch((err: unknown) => {
    console.error(`agentcom: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  })
}
