// `agentcom sidecar --config FILE`: runs one sidecar (its supervision tree) until SIGTERM/SIGINT.
// A config it cannot use is one line on stderr and exit 1.
import type { Command } from 'commander'
import { runSidecarProcess } from '../../relay/sidecar/sidecar'

export function registerSidecarCommand(program: Command): Command {
  return program
    .command('sidecar')
    .description("run an agent's sidecar: hub connection, durable local queue, executors (stops cleanly on SIGTERM/SIGINT)")
    .requiredOption('--config <file>', 'sidecar config file (JSON; see relay/sidecar/README.md)')
    .action(async (opts: { config: string }) => {
      await runSidecarProcess(opts.config)
    })
}
