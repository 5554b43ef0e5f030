// Transpiles cli/agentcom.ts and every project file it reaches (no type-check) to CommonJS in a
// temp dir, once per test process, so each `agentcom` child starts as plain node instead of
// paying the TypeScript loader per process. (Fixture, no tests of its own.)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(__dirname, '..', '..')
let built: string | undefined

/** The path of the transpiled agentcom.js (built on first use; removed at process exit). */
export function builtCli(): string {
  if (built) return built
  const outDir = mkdtempSync(join(tmpdir(), 'c1-cli-build-'))
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }))
  const pending = [join(ROOT, 'cli', 'agentcom.ts')]
  const done = new Set<string>()
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (done.has(file)) continue
    done.add(file)
    const source = readFileSync(file, 'utf8')
    for (const ref of ts.preProcessFile(source, true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue
      const target = resolveTs(resolve(dirname(file), ref.fileName))
      if (target) pending.push(target)
    }
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    })
    const dest = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(dest), { recursive: true })
    writeFileSync(dest, out.outputText)
  }
  built = join(outDir, 'cli', 'agentcom.js')
  return built
}

function resolveTs(base: string): string | undefined {
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate
  return undefined
}

/** NODE_PATH lets the transpiled files find the project's node_modules. */
export const BUILT_CLI_ENV = { NODE_PATH: join(ROOT, 'node_modules'), NODE_OPTIONS: '' }
