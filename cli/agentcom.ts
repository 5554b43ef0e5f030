#!/usr/bin/env node
// The `agentcom` command. Thin: parses flags with commander, then calls into the folders below.
import { Command, InvalidArgumentError } from 'commander'
import { runHub } from './commands/hub'
import { runConsole } from './commands/console'

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

  return program
}

if (require.main === module) {
  buildProgram().parseAsync(process.argv).catch((err: unknown) => {
    console.error(`agentcom: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  })
}
