// The project's runtime folders transpiled to CommonJS in a temp dir (no type-check), once per
// test process, so `agentcom hub`, `agentcom sidecar` and the simulated agents run as plain node
// children. Whole folders, not an import closure: the hub loads its route modules, subtrees and
// frame handlers by discovery, which an import walk would miss. (Fixture, no tests of its own.)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(__dirname, '..', '..')
const FOLDERS = ['actors', 'supervisors', 'storage', 'relay', 'logging', 'cli', join('bench', 'sim'), join('test', 'e2e', 'bin')]

let built: string | undefined

function tsFiles(dir: string): string[] {
  let out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out = out.concat(tsFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The root of the transpiled tree (built on first use, removed at process exit). */
export function projectBuild(): string {
  if (built) return built
  const outDir = mkdtempSync(join(tmpdir(), 'agentcom-e2e-build-'))
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }))
  for (const folder of FOLDERS) {
    for (const file of tsFiles(join(ROOT, folder))) {
      const out = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: file,
      })
      const dest = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js')
      mkdirSync(dirname(dest), { recursive: true })
      writeFileSync(dest, out.outputText)
    }
  }
  built = outDir
  return built
}

export function builtCliPath(): string {
  return join(projectBuild(), 'cli', 'agentcom.js')
}

/** The built counterpart of a project .ts file, e.g. `test/e2e/bin/victim-agent.ts`. */
export function builtScript(projectPath: string): string {
  return join(projectBuild(), projectPath.replace(/\.ts$/, '.js'))
}

/** NODE_PATH lets the transpiled files find the project's node_modules. */
export const BUILD_ENV: NodeJS.ProcessEnv = { NODE_PATH: join(ROOT, 'node_modules') }
