// Runs every benchmark in sequence, each in its own process (one bench's sockets, timers and
// memory never colour the next), and passes their JSON lines and tables through. Every
// `bench/<name>.ts` is a benchmark; the known ones run in the order below, any others after.
// Run: npm run bench   (env BENCH_ONLY=name,name to run a subset; each bench's own env knobs apply)
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const ORDER = ['storage', 'runtime', 'relay-transport', 'relay-hub', 'scheduler-pass', 'pipeline', 'e2e-throughput', 'latency', 'scale']

/** The benchmark scripts beside this file, known ones first. */
export function benchNames(files: readonly string[]): string[] {
  const found = files.filter((f) => f.endsWith('.js') && f !== 'all.js').map((f) => f.slice(0, -'.js'.length))
  return [...ORDER.filter((n) => found.includes(n)), ...found.filter((n) => !ORDER.includes(n)).sort()]
}

function run(name: string): Promise<number | null> {
  return new Promise((resolve) => {
    console.log(`\n# bench ${name}`)
    const child = spawn(process.execPath, [join(__dirname, `${name}.js`)], { stdio: 'inherit' })
    child.on('exit', (code) => resolve(code))
  })
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean)
  const failed: string[] = []
  for (const name of benchNames(readdirSync(__dirname))) {
    if (only && !only.includes(name)) continue
    if ((await run(name)) !== 0) failed.push(name)
  }
  if (failed.length > 0) {
    console.error(`\nfailed: ${failed.join(', ')}`)
    process.exitCode = 1
  }
}

if (require.main === module) void main()
