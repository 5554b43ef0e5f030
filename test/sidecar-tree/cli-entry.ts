// The `agentcom` program with just the commands of this area, for the child-process tests
// (cli/agentcom.ts registers the same functions). Runs only with AGENTCOM_CLI_ENTRY=1 (tap
// runs every file of this folder as a test; without the variable this file does nothing).
// (Helper, no tests of its own.)
import { Command } from 'commander'
import { registerGitCommand } from '../../cli/commands/git'
import { registerSidecarCommand } from '../../cli/commands/sidecar'

if (process.env.AGENTCOM_CLI_ENTRY === '1') {
  const program = new Command().name('agentcom')
  registerSidecarCommand(program)
  registerGitCommand(program)
  program.parseAsync(process.argv).catch((err: unknown) => {
    console.error(`agentcom: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  })
}
