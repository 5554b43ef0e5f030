// Builds a TypeScript entry file and every project file it imports (relative imports, followed
// recursively) into a temp dir as CommonJS, transpiled without type-checking, so a child process
// starts with plain `node` in a fraction of the time a TS loader needs — and does not depend on
// unrelated folders compiling while others edit them. (Helper, no tests of its own.)
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

export const PROJECT_ROOT = resolve(__dirname, '..', '..')

export interface TranspiledBuild {
  /** absolute path of the built entry (first entry given) */
  script: string
  /** built path of each entry, in the order given */
  scripts: string[]
  /** env with NODE_PATH pointing at the project's node_modules */
  env: NodeJS.ProcessEnv
}

const IMPORT_PATTERN = /(?:from\s+|import\s+|require\()\s*['"](\.{1,2}\/[^'"]*)['"]/g

function resolveSource(fromFile: string, specifier: string): string | null {
  const base = resolve(dirname(fromFile), specifier)
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile() && candidate.endsWith('.ts')) return candidate
  }
  return null
}

/** Project files (absolute) reachable from `entries` through relative imports. */
export function importClosure(entries: string[]): string[] {
  const seen = new Set<string>()
  const pending = entries.map((e) => resolve(PROJECT_ROOT, e))
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(IMPORT_PATTERN)) {
      const target = resolveSource(file, match[1])
      if (target && !seen.has(target)) pending.push(target)
    }
  }
  return [...seen]
}

export function transpileClosure(entries: string[], outDir: string): TranspiledBuild {
  for (const file of importClosure(entries)) {
    const out = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    })
    const target = join(outDir, relative(PROJECT_ROOT, file).replace(/\.ts$/, '.js'))
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, out.outputText)
  }
  const scripts = entries.map((e) => join(outDir, e.replace(/\.ts$/, '.js')))
  return { script: scripts[0], scripts, env: { ...process.env, NODE_PATH: join(PROJECT_ROOT, 'node_modules') } }
}
