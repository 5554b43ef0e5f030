// `agentcom git <start-task|submit|status> [--json '{...}' | '{...}'] [--config FILE]` (spec
// sidecar.md §13.2): prints exactly one JSON object on stdout — `{"status":"ok",…}` with exit 0
// or `{"status":"error","error":<code>,…}` with exit 1 — whatever goes wrong, including the
// config (`config_not_found {path}`, `config_invalid {path, problems}`).
import type { Command } from 'commander'
import { ConfigError, loadSidecarConfig, type SidecarConfig } from '../../relay/sidecar/config'
import { runGitCommand, type GitResult } from '../../relay/sidecar/git-workflow'

export const DEFAULT_GIT_CONFIG = 'config.json'

export interface GitCliOptions {
  json?: string
  config?: string
}

export interface GitCliOutcome {
  exitCode: 0 | 1
  result: GitResult | ({ status: 'error'; error: string } & Record<string, unknown>)
}

/** The config part of the contract: a config problem is a result object, never a throw. */
export function loadGitConfig(path: string): { config: SidecarConfig } | { error: GitCliOutcome } {
  try {
    return { config: loadSidecarConfig(path) }
  } catch (err) {
    if (err instanceof ConfigError) {
      const error = err.code === 'config_not_found' ? 'config_not_found' : 'config_invalid'
      return { error: { exitCode: 1, result: { status: 'error', error, path: err.path ?? path, problems: err.problems } } }
    }
    return { error: { exitCode: 1, result: { status: 'error', error: 'unexpected_error', message: String(err) } } }
  }
}

export async function runGitCli(command: string, positionalJson: string | undefined, opts: GitCliOptions, env?: NodeJS.ProcessEnv): Promise<GitCliOutcome> {
  if (opts.json !== undefined && positionalJson !== undefined) {
    return { exitCode: 1, result: { status: 'error', error: 'invalid_args', message: 'give the arguments once: either --json or a positional JSON argument' } }
  }
  const loaded = loadGitConfig(opts.config ?? process.env.AGENTCOM_SIDECAR_CONFIG ?? DEFAULT_GIT_CONFIG)
  if ('error' in loaded) return loaded.error
  return runGitCommand(command, opts.json ?? positionalJson, loaded.config, env)
}

export function registerGitCommand(program: Command): Command {
  return program
    .command('git')
    .description("the agent's git workflow (start-task, submit, status); prints one JSON object, exit 0 ok / 1 error")
    .argument('<command>', 'start-task | submit | status')
    .argument('[json]', "arguments as a JSON object (same as --json)")
    .option('--json <object>', 'arguments as a JSON object, e.g. \'{"agent_id":"a","task_id":"t","description":"d"}\'')
    .option('--config <file>', `sidecar config file (env AGENTCOM_SIDECAR_CONFIG, default ./${DEFAULT_GIT_CONFIG})`)
    .action(async (command: string, json: string | undefined, opts: GitCliOptions) => {
      const outcome = await runGitCli(command, json, opts)
      process.stdout.write(`${JSON.stringify(outcome.result)}\n`)
      process.exitCode = outcome.exitCode
    })
}
