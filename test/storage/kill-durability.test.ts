// A child process writes under load and acknowledges each committed write on stdout; we kill
// it with SIGKILL at random moments, many times. After every kill the environment must verify
// clean and hold every acknowledged write, and no task may be in both tables or in neither.
//
// This file is also the child: with AGENTCOM_KILL_WRITER set it runs the writer instead of tests.
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Tap from 'tap'
import { openStorage, verify, walkLmdbFile } from '../../storage'
import { readCurrentDataFile } from '../../storage/data-files'

interface Task {
  id: string
  run: number
  payload: string
}

const WRITER_FLAG = 'AGENTCOM_KILL_WRITER'

if (process.env[WRITER_FLAG] !== undefined) {
  void runWriter(process.env[WRITER_FLAG]!, Number(process.env.AGENTCOM_KILL_RUN))
} else {
  tests(require('tap') as typeof Tap)
}

/** Child: puts and two-table moves, many in flight, each acknowledged after its commit. */
async function runWriter(dataDir: string, run: number): Promise<void> {
  const storage = openStorage({ dataDir })
  const queue = storage.table<string, Task>('task_queue')
  const dead = storage.table<string, Task>('task_dead_letter')
  const movable: string[] = []
  let n = 0
  const ack = (line: string) => process.stdout.write(`${line}\n`)
  const worker = async () => {
    for (;;) {
      if (movable.length > 0 && n % 3 === 0) {
        const id = movable.shift()!
        await storage.transaction(() => {
          const task = queue.get(id)
          if (task === undefined) throw new Error(`writer lost ${id}`)
          void dead.put(id, task)
          void queue.remove(id)
        })
        ack(`move ${id}`)
      } else {
        const id = `r${run}-${n++}`
        // Now and then a value big enough for overflow pages.
        const payload = n % 50 === 0 ? 'B'.repeat(9000) : 'x'.repeat(n % 200)
        await queue.put(id, { id, run, payload })
        movable.push(id)
        ack(`put ${id}`)
      }
    }
  }
  ack('ready')
  await Promise.all(Array.from({ length: 24 }, worker))
}

function tests(t: typeof Tap): void {
  t.test('SIGKILL under load never loses an acknowledged write nor damages the store', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentcom-kill-'))
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
    const acknowledgedPuts = new Set<string>()
    const acknowledgedMoves = new Set<string>()
    const kills = 10
    let random = 20240611
    const nextRandom = () => (random = (random * 1103515245 + 12345) % 2147483648) / 2147483648

    for (let run = 1; run <= kills; run++) {
      // Kill at a random moment: sometimes before the first ack, mostly mid-stream.
      const killAfterAcks = run === 1 ? 0 : Math.floor(nextRandom() * 600)
      const { puts, moves, signal } = await writeUntilKilled(t, dataDir, run, killAfterAcks)
      t.equal(signal, 'SIGKILL', `run ${run}: the writer died by SIGKILL`)
      for (const id of puts) acknowledgedPuts.add(id)
      for (const id of moves) acknowledgedMoves.add(id)

      const dataFile = join(dataDir, 'lmdb', readCurrentDataFile(join(dataDir, 'lmdb'))!)
      const walk = walkLmdbFile(dataFile)
      t.same(walk.problems, [], `run ${run}: structure intact after the kill`)
      // The full check (child process, decodes every record) on some runs and the last.
      if (run % 5 === 0) {
        const report = await verify(dataFile, { childProcess: { execArgv: process.execArgv.filter((arg) => arg.includes('typescript')), env: { ...process.env, NODE_OPTIONS: '' } } })
        t.ok(report.ok, `run ${run}: verify clean ${report.problems.join('; ')}`)
      }

      const storage = openStorage({ dataDir })
      const queue = storage.table<string, Task>('task_queue')
      const dead = storage.table<string, Task>('task_dead_letter')
      const missing = [...acknowledgedPuts].filter((id) => !queue.has(id) && !dead.has(id))
      const movedBack = [...acknowledgedMoves].filter((id) => !dead.has(id) || queue.has(id))
      const inBoth = Array.from(dead.keys()).filter((id) => queue.has(id))
      t.same(missing, [], `run ${run}: all ${acknowledgedPuts.size} acknowledged puts present`)
      t.same(movedBack, [], `run ${run}: all ${acknowledgedMoves.size} acknowledged moves present`)
      t.same(inBoth, [], `run ${run}: no task in both tables`)
      const sample = [...acknowledgedPuts].slice(-1)[0]
      if (sample !== undefined) t.equal((queue.get(sample) ?? dead.get(sample))?.id, sample, `run ${run}: records decode`)
      await storage.close()
    }
    t.ok(acknowledgedPuts.size > 500, `${acknowledgedPuts.size} puts and ${acknowledgedMoves.size} moves acknowledged across ${kills} kills`)
  })
}

function writeUntilKilled(
  t: tap.Test,
  dataDir: string,
  run: number,
  killAfterAcks: number,
): Promise<{ puts: string[]; moves: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    // Only the TypeScript loader: coverage hooks would slow every child start.
    const execArgv = process.execArgv.filter((arg) => arg.includes('typescript'))
    const child = fork(__filename, [], {
      execArgv,
      env: { ...process.env, NODE_OPTIONS: '', [WRITER_FLAG]: dataDir, AGENTCOM_KILL_RUN: String(run) },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    })
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    const puts: string[] = []
    const moves: string[] = []
    let acks = 0
    let pending = ''
    let killed = false
    const kill = () => {
      if (!killed) {
        killed = true
        child.kill('SIGKILL')
      }
    }
    const watchdog = setTimeout(kill, 15_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString()
      const lines = pending.split('\n')
      pending = lines.pop()!
      for (const line of lines) {
        const [kind, id] = line.split(' ')
        if (kind === 'put') puts.push(id!)
        else if (kind === 'move') moves.push(id!)
        else if (kind === 'ready' && killAfterAcks === 0) kill()
        else continue
        if (kind !== 'ready' && ++acks >= killAfterAcks) kill()
      }
    })
    child.on('error', reject)
    child.on('close', (_code, signal) => {
      clearTimeout(watchdog)
      resolve({ puts, moves, signal })
    })
  })
}
