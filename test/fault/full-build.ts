// Transpiles every source folder of the project (no type-check) to CommonJS in a temp dir, once
// per test process. test/cli/cli-build.ts follows static imports only, which misses the modules
// the hub discovers at run time (route modules, subtrees, frame handlers): a hub built that way
// answers 404 on most routes. Non-TypeScript files are copied alongside. (Fixture, no tests.)
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(__dirname, '..', '..')
const SOURCE_DIRS = ['actors', 'cli', 'logging', 'relay', 'storage', 'supervisors', 'ui']
let built: string | undefined

/** The path of the transpiled cli/agentcom.js (built on first use; removed at process exit). */
export function fullyBuiltCli(): string {
  if (built) return built
  const outDir = mkdtempSync(join(tmpdir(), 'z1-full-build-'))
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }))
  for (const dir of SOURCE_DIRS) copyTree(join(ROOT, dir), outDir)
  built = join(outDir, 'cli', 'agentcom.js')
  return built
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
