// Parts of the front door written by other areas (messaging routes and handlers, dashboard,
// subtrees) join when their files exist. Discovery is by folder and export-name convention
// (CONTRACTS.md "Integration points"), so adding a file is all it takes. A file that exists but
// fails to load is an error, never silently skipped.
import { existsSync, readdirSync } from 'node:fs'
import { basename, extname, join } from 'node:path'

/** Module files (`.ts` under ts-node/tap, `.js` when built) in `dir`, by base name, sorted. */
export function moduleFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return []
  const names = new Set<string>()
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.d.ts') || file.endsWith('.map')) continue
    const ext = extname(file)
    if (ext !== '.ts' && ext !== '.js') continue
    const base = basename(file, ext)
    if (base === 'index' || base.includes('.test')) continue
    names.add(base)
  }
  return [...names].sort().map((base) => join(dir, base))
}

/** The module at `pathWithoutExtension`, or undefined when no such file exists. */
export function loadOptionalModule(pathWithoutExtension: string): Record<string, unknown> | undefined {
  let resolved: string
  try {
    resolved = require.resolve(pathWithoutExtension)
  } catch {
    return undefined
  }
  return require(resolved) as Record<string, unknown>
}

/** Exported values of `mod` whose name ends with `suffix` (e.g. `Handlers`, `Routes`). */
export function exportsEndingWith(mod: Record<string, unknown>, suffix: string): Array<[string, unknown]> {
  return Object.entries(mod).filter(([name]) => name.endsWith(suffix))
}
