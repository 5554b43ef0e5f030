// Transpiles every source folder of the project (no type-check) to CommonJS in a temp dir, once
// per test process, with the non-TypeScript files (ui/ assets) copied alongside, so a hub process
// under test serves everything it serves in production. (Fixture, no tests.)
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(__dirname, '..', '..')
// plus the simulated agents of the benchmarks and the e2e child scripts
const SOURCE_DIRS = ['actors', 'cli', 'logging', 'relay', 'storage', 'supervisors', 'ui', join('bench', 'sim'), join('test', 'e2e', 'bin')]
let built: string | undefined

/** The root of the transpiled tree (built on first use; removed at process exit). */
export function fullyBuiltRoot(): string {
  if (built) return built
  const outDir = mkdtempSync(join(tmpdir(), 'agentcom-test-build-'))
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }))
  for (const dir of SOURCE_DIRS) copyTree(join(ROOT, dir), outDir)
  built = outDir
  return built
}

/** The path of the transpiled cli/agentcom.js. */
export function fullyBuiltCli(): string {
  return join(fullyBuiltRoot(), 'cli', 'agentcom.js')
}

function copyTree(dir: string, outDir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') copyTree(path, outDir)
      continue
    }
    const dest = join(outDir, relative(ROOT, path))
    mkdirSync(dirname(dest), { recursive: true })
    if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const out = ts.transpileModule(readFileSync(path, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: path,
      })
      writeFileSync(dest.replace(/\.ts$/, '.js'), out.outputText)
    } else {
      copyFileSync(path, dest)
    }
  }
}

/** NODE_PATH lets the transpiled files find the project's node_modules. */
export const FULL_BUILD_ENV = { NODE_PATH: join(ROOT, 'node_modules'), NODE_OPTIONS: '' }
