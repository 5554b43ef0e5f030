// Runs every ```sh runnable block of docs/setup.md, in order, in one temp dir — a real hub and a
// real sidecar as background processes, the `agentcom` command on PATH — and requires each block
// to exit 0, so the setup guide cannot rot. Blocks run with `bash -euo pipefail`, PORT set to a
// free port and HOME pointing into the temp dir. AGENTCOM_SHOW_OUTPUT=1 prints each block's output
// (to refresh the outputs pasted in the guide).
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import t from 'tap'
import { fullyBuiltCli } from '../fault/full-build'

const ROOT = resolve(__dirname, '..', '..')
const SETUP_MD = join(ROOT, 'docs', 'setup.md')
const BLOCK_TIMEOUT_MS = 60_000

/** The bodies of the ```sh runnable fenced blocks, in document order. */
export function runnableBlocks(markdown: string): string[] {
  const blocks: string[] = []
  const fence = /^```sh runnable[^\n]*\n([\s\S]*?)^```[ \t]*$/gm
  for (let match = fence.exec(markdown); match !== null; match = fence.exec(markdown)) blocks.push(match[1]!)
  return blocks
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
}

interface BlockRun {
  code: number | null
  signal: NodeJS.Signals | null
  output: string
}

t.test('runnableBlocks finds only the marked blocks', async (t) => {
  const md = ['```sh', 'not me', '```', '```sh runnable', 'echo one', '```', 'text', '```sh runnable', 'a', 'b', '```', ''].join('\n')
  t.same(runnableBlocks(md), ['echo one\n', 'a\nb\n'])
})

/** The guide's prerequisites (section 1); a machine without them cannot run it. */
const MISSING_TOOLS = ['bash', 'curl', 'jq', 'timeout'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)

t.test('every runnable block of docs/setup.md exits 0, in order', { skip: MISSING_TOOLS.length > 0 ? `missing ${MISSING_TOOLS.join(', ')} (apt-get install curl jq)` : false }, async (t) => {
  const blocks = runnableBlocks(readFileSync(SETUP_MD, 'utf8'))
  t.ok(blocks.length >= 8, `setup.md has runnable blocks (${blocks.length})`)

  const work = mkdtempSync(join(tmpdir(), 'agentcom-setup-md-'))
  const groups: number[] = []
  // background processes started by a block stay in its process group: kill each group, then the dir
  t.teardown(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL')
      } catch {
        // the group is gone already
      }
    }
    rmSync(work, { recursive: true, force: true })
  })

  const bin = join(work, '.bin')
  mkdirSync(bin)
  const cli = fullyBuiltCli()
  writeFileSync(join(bin, 'agentcom'), `#!/bin/sh\nunset NODE_OPTIONS\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} "$@"\n`)
  chmodSync(join(bin, 'agentcom'), 0o755)
  const home = join(work, 'home')
  mkdirSync(home)
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    PORT: String(await freePort()),
    NODE_PATH: join(ROOT, 'node_modules'),
    LANG: 'C.UTF-8',
  }
  const runDir = join(work, 'demo')
  mkdirSync(runDir)

  const runBlock = (script: string): Promise<BlockRun> =>
    new Promise((resolveRun, reject) => {
      const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: runDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      if (child.pid !== undefined) groups.push(child.pid)
      let output = ''
      // only the block's own shell is awaited: its background children inherit these pipes, so
      // waiting for 'close' would wait for the hub to exit
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_TIMEOUT_MS)
      child.on('error', reject)
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        // let the last buffered output arrive
        setImmediate(() => resolveRun({ code, signal, output }))
      })
    })

  for (const [index, block] of blocks.entries()) {
    const run = await runBlock(block)
    const firstLine = block.split('\n')[0]
    if (process.env.AGENTCOM_SHOW_OUTPUT === '1') t.comment(`--- block ${index + 1}: ${firstLine}\n${run.output}`)
    t.equal(run.code, 0, `block ${index + 1} (${firstLine}) exits 0`)
    if (run.code !== 0) {
      t.comment(run.output.slice(-3000))
      break
    }
  }
})
