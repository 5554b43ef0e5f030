// Builds the sidecar for child-process tests: sidecar-child.ts and every project file it imports
// (the relay, the actor runtime, the supervisors, logging…) transpiled (no type-check) to
// CommonJS in a temp dir, so each child starts in a fraction of the time a TS loader needs.
// (Helper, no tests of its own.)
import { join } from 'node:path'
import { transpileClosure } from '../sidecar-tree/transpiled-build'

export interface ChildBuild {
  script: string
  env: NodeJS.ProcessEnv
}

export function buildSidecarChild(outDir: string): ChildBuild {
  const build = transpileClosure([join('test', 'sidecar', 'sidecar-child.ts')], outDir)
  return { script: build.script, env: build.env }
}
