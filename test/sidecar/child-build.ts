// Builds the sidecar for child-process tests: every relay/sidecar/**/*.ts plus sidecar-child.ts is
// transpiled (no type-check) to CommonJS in a temp dir, so each child starts in a fraction of the
// time ts-node needs. (Helper, no tests of its own.)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(__dirname, '..', '..')

export interface ChildBuild {
  script: string
  env: NodeJS.ProcessEnv
}

function typescriptFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = join(dir, entry.name)
    if (entry.isDirectory()) return typescriptFiles(rel)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [rel] : []
  })
}

export function buildSidecarChild(outDir: string): ChildBuild {
  const files = [...typescriptFiles(join('relay', 'sidecar')), join('test', 'sidecar', 'sidecar-child.ts')]
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), 'utf8')
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    })
    const target = join(outDir, file.replace(/\.ts$/, '.js'))
    mkdirSync(join(target, '..'), { recursive: true })
    writeFileSync(target, out.outputText)
  }
  return {
    script: join(outDir, 'test', 'sidecar', 'sidecar-child.js'),
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
  }
}
