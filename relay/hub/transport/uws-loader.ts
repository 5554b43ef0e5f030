// Loads uWebSockets.js's native binary directly. The package's own entry point silently falls
// back to a slow pure-JS imitation when the binary does not load; we would rather use `ws`.
import { dirname, join } from 'node:path'
import type * as Uws from '@trufflesuite/uws-js-unofficial'

export type UwsModule = typeof Uws

let cached: { module: UwsModule | null; error?: string } | undefined

export function loadUwsNative(): UwsModule | null {
  cached ??= tryLoad()
  return cached.module
}

/** Why the binary did not load, for the startup log line; undefined when it did. */
export function uwsLoadError(): string | undefined {
  loadUwsNative()
  return cached?.error
}

function tryLoad(): { module: UwsModule | null; error?: string } {
  try {
    const packageDir = dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'))
    const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`
    return { module: require(join(packageDir, 'binaries', binary)) as UwsModule }
  } catch (err) {
    return { module: null, error: err instanceof Error ? err.message : String(err) }
  }
}
