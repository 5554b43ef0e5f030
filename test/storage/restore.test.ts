// Per-table and whole-environment restore. This file is also a child process (with
// AGENTCOM_RESTORE_CHILD set) that runs a table restore and gets killed in the middle of it.
import { fork } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Tap from 'tap'
import { backup, defaultBackupDir, openStorage, restoreResponse, restoreTable, type Storage } from '../../storage'

const CHILD_FLAG = 'AGENTCOM_RESTORE_CHILD'

// The verifier child with only the TypeScript loader (tap's coverage hooks double its start-up).
const LIGHT_VERIFIER = {
  childProcess: { execArgv: process.execArgv.filter((arg) => arg.includes('typescript')), env: { ...process.env, NODE_OPTIONS: '' } },
}

if (process.env[CHILD_FLAG] !== undefined) {
  void restoreInChild(process.env[CHILD_FLAG]!, process.env.AGENTCOM_VERIFIER_STUB!)
} else {
  tests(require('tap') as typeof Tap)
}

async function restoreInChild(dataDir: string, verifierStub: string): Promise<void> {
  const storage = openStorage({ dataDir })
  const result = await restoreTable(storage, 'task_queue', defaultBackupDir(dataDir), { verifierScript: verifierStub })
  process.stdout.write(`${result.status}\n`)
  await storage.close()
}

function tempDir(t: tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-restore-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function corrupt(file: string): void {
  const size = statSync(file).size
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, Buffer.alloc(Math.floor(size / 2), 0x5a), 0, Math.floor(size / 2), Math.floor(size / 4))
  } finally {
    closeSync(fd)
  }
}

function tests(t: typeof Tap): void {
  const opened = (t: tap.Test, dataDir = tempDir(t)): Storage => {
    const storage = openStorage({ dataDir })
    t.teardown(() => storage.close())
    return storage
  }

  t.test('restoring one table brings back exactly its backed-up records and leaves other tables alone', async (t) => {
    const storage = opened(t)
    const dir = defaultBackupDir(storage.dataDir)
    const queue = storage.table<string, { v: number }>('task_queue')
    const mailbox = storage.table<string, string>('agent_mailbox')
    for (let i = 0; i < 300; i++) void queue.put(`t${i}`, { v: i })
    await mailbox.put('m1', 'before backup')
    const older = await backup(storage, dir, { now: () => Date.parse('2025-01-01T00:00:00Z') })
    const expected = JSON.stringify(Array.from(queue.entries()))
    for (let i = 0; i < 300; i += 2) void queue.remove(`t${i}`)
    void queue.put('t1', { v: -1 })
    void queue.put('extra', { v: 0 })
    await mailbox.put('m2', 'after backup')
    await storage.settled()

    await storage.table('task_queue_checkpoint').put('checkpoint', { version: 1 })
    const result = await restoreTable(storage, 'task_queue', dir, LIGHT_VERIFIER)
    t.equal(result.status, 'restored', JSON.stringify(result))
    t.equal(storage.table('task_queue_checkpoint').count(), 0, "a restored task table clears the queue's checkpoint (a view of the old table)")
    t.match(result, { table: 'task_queue', backupUsed: older.name, recordCount: 300 })
    t.equal(JSON.stringify(Array.from(queue.entries())), expected, 'byte-for-byte the backed-up table')
    t.same(Array.from(mailbox.keys()), ['m1', 'm2'], 'other tables untouched')
    const response = restoreResponse(result)
    t.equal(response.httpStatus, 200)
    t.match(response.body, { status: 'restored', table: 'task_queue', backup_used: older.name, record_count: 300, file_size: Number })

    await queue.put('later', { v: 1 })
    const newest = await backup(storage, dir, { now: () => Date.parse('2025-01-02T00:00:00Z') })
    await queue.remove('later')
    corrupt(newest.path)
    const fallback = await restoreTable(storage, 'task_queue', dir, LIGHT_VERIFIER)
    t.equal(fallback.status === 'restored' && fallback.backupUsed, older.name, 'a damaged newer backup is skipped')
    t.same(fallback.rejectedBackups.map((rejected) => rejected.name), [newest.name])
    t.notOk(queue.has('later'))
  })

  t.test('without a usable backup the table stays as it is and the answer is failed, not restored', async (t) => {
    const storage = opened(t)
    const queue = storage.table<string, number>('task_queue')
    await queue.put('precious', 1)
    const result = await restoreTable(storage, 'task_queue', join(storage.dataDir, 'no-backups-here'))
    t.match(result, { status: 'failed', table: 'task_queue', error: 'no_usable_backup' })
    t.equal(queue.get('precious'), 1, 'nothing wiped')
    t.same(restoreResponse(result), { httpStatus: 500, body: { status: 'failed', table: 'task_queue', error: 'no_usable_backup' } })
    const unknown = await restoreTable(storage, 'not_a_table' as never, join(storage.dataDir, 'backups'))
    t.match(unknown, { status: 'failed', error: 'unknown_table' }, 'an unknown table name is refused, not created')
  })

  t.test('a table restore killed at any moment leaves the old table or the restored one, never a mix', async (t) => {
    const dataDir = tempDir(t)
    const stub = join(tempDir(t), 'verifier-stub.js')
    // Stands in for the verifier (the real one is tested elsewhere): answers "clean" at once and
    // leaves a marker file, so we know the copy is about to start.
    writeFileSync(
      stub,
      "require('fs').writeFileSync(process.env.AGENTCOM_RESTORE_MARKER, '')\nprocess.send({ problems: [], tables: [], pageWalk: null }, () => process.exit(0))\n",
    )
    const rows = 80_000
    const setup = openStorage({ dataDir })
    const queue = setup.table<string, string>('task_queue')
    for (let i = 0; i < rows; i++) void queue.put(`backed-${i}`, 'b'.repeat(100))
    await setup.settled()
    await backup(setup, defaultBackupDir(dataDir))
    await setup.transaction(() => {
      for (const key of Array.from(queue.keys())) void queue.remove(key)
      for (let i = 0; i < rows / 2; i++) void queue.put(`live-${i}`, 'l'.repeat(100))
    })
    await setup.close()

    // One uninterrupted run to learn how long the copy takes (a noisy guide on a shared
    // machine: kills that land after the commit just yield the restored outcome).
    const calibration = await runChild(t, dataDir, stub, null)
    t.equal(calibration.lastLine, 'restored', `an uninterrupted copy took ${calibration.elapsedMs} ms after verification`)
    const copyMs = calibration.elapsedMs
    const outcomes: string[] = []
    for (const fraction of [0.15, 0.4, 0.7]) {
      await resetToLive(dataDir, rows)
      const run = await runChild(t, dataDir, stub, Math.round(copyMs * fraction))
      // Late kill points may find the child already done; that is a valid outcome too.
      t.comment(`kill at ${Math.round(fraction * 100)} %: ${run.signal === 'SIGKILL' ? 'killed' : `finished first (${run.lastLine})`}`)
      const storage = openStorage({ dataDir })
      const keys = Array.from(storage.table<string, string>('task_queue').keys())
      await storage.close()
      const backed = keys.filter((key) => key.startsWith('backed-')).length
      const live = keys.filter((key) => key.startsWith('live-')).length
      const whole = (backed === rows && live === 0) || (backed === 0 && live === rows / 2)
      t.ok(whole, `all or nothing: ${backed} restored rows, ${live} old rows`)
      outcomes.push(backed === rows ? 'restored' : 'old')
    }
    t.comment(`outcomes by kill point: ${outcomes.join(', ')}`)
  })
}

/** Puts the live table back to the "old" state before another kill. */
async function resetToLive(dataDir: string, rows: number): Promise<void> {
  const storage = openStorage({ dataDir })
  const queue = storage.table<string, string>('task_queue')
  await storage.transaction(() => {
    for (const key of Array.from(queue.keys())) void queue.remove(key)
    for (let i = 0; i < rows / 2; i++) void queue.put(`live-${i}`, 'l'.repeat(100))
  })
  await storage.close()
}

/** Runs the child restore; times (and kills) from the moment verification is done. */
function runChild(
  t: tap.Test,
  dataDir: string,
  stub: string,
  killAfterMs: number | null,
): Promise<{ lastLine: string; elapsedMs: number; signal: NodeJS.Signals | null }> {
  const marker = join(dataDir, `verified-${Date.now()}`)
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], {
      execArgv: process.execArgv.filter((arg) => arg.includes('typescript')),
      env: { ...process.env, NODE_OPTIONS: '', [CHILD_FLAG]: dataDir, AGENTCOM_VERIFIER_STUB: stub, AGENTCOM_RESTORE_MARKER: marker },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    })
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    let verifiedAt = 0
    let lastLine = ''
    const poll = setInterval(() => {
      if (verifiedAt === 0 && existsSync(marker)) {
        verifiedAt = Date.now()
        clearInterval(poll)
        if (killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      }
    }, 1)
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lastLine = line
    })
    child.on('error', reject)
    child.on('close', (_code, signal) => {
      clearInterval(poll)
      rmSync(marker, { force: true })
      resolve({ lastLine, elapsedMs: Date.now() - (verifiedAt || Date.now()), signal })
    })
  })
}
