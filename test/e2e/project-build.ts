// The project transpiled once per test process (test/fault/full-build.ts), as the e2e tests use
// it: `agentcom hub`, `agentcom sidecar` and the simulated agents run as plain node children.
// (Fixture, no tests of its own.)
import { join } from 'node:path'
import { FULL_BUILD_ENV, fullyBuiltCli, fullyBuiltRoot } from '../fault/full-build'

export const projectBuild = fullyBuiltRoot
export const builtCliPath = fullyBuiltCli

/** The built counterpart of a project .ts file, e.g. `test/e2e/bin/victim-agent.ts`. */
export function builtScript(projectPath: string): string {
  return join(projectBuild(), projectPath.replace(/\.ts$/, '.js'))
}

/** NODE_PATH lets the transpiled files find the project's node_modules. */
export const BUILD_ENV: NodeJS.ProcessEnv = FULL_BUILD_ENV
