import t from 'tap'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  backup,
  backupName,
  backupResponse,
  backupTime,
  lastBackupTime,
  listBackups,
  openStorage,
  restoreEnvironment,
  verify,
  type Storage,
} from '../../storage'

// The verifier child with only the TypeScript loader (tap's coverage hooks double its start-up).
const LIGHT_VERIFIER = {
  childProcess: { execArgv: process.execArgv.filter((arg) => arg.includes('typescript')), env: { ...process.env, NODE_OPTIONS: '' } },
}

function tempDir(t: tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-backup-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function opened(t: tap.Test): Storage {
  const storage = openStorage({ dataDir: tempDir(t) })
  t.teardown(() => storage.close())
  return storage
}

const NOON = Date.parse('2025-03-04T12:00:00.250Z')

t.test('backup names sort by time and never collide within a second', async (t) => {
  t.equal(backupName(NOON, []), 'agentcom_2025-03-04T12-00-00Z_000.mdb')
  const first = backupName(NOON, [])
  const second = backupName(NOON + 500, [first])
  const third = backupName(NOON + 600, [first, second, 'notes.txt'])
  t.same([first, second, third], ['agentcom_2025-03-04T12-00-00Z_000.mdb', 'agentcom_2025-03-04T12-00-00Z_001.mdb', 'agentcom_2025-03-04T12-00-00Z_002.mdb'])
  t.equal(backupName(NOON + 1000, [first, second, third]), 'agentcom_2025-03-04T12-00-01Z_000.mdb')
  t.same([third, first, second].sort(), [first, second, third], 'plain string order is chronological')
  const afterClockStep = backupName(NOON - 3_600_000, [first])
  t.ok(afterClockStep > first, `a clock stepped back still names the newest backup last (${afterClockStep})`)
  t.equal(backupTime(first), Date.parse('2025-03-04T12:00:00Z'))
  t.equal(backupTime('task_queue_2025-03-04T12-00-00.dets'), null)
})

t.test('backup copies the environment; retention keeps exactly the 3 newest; other files untouched', async (t) => {
  const storage = opened(t)
  const dir = tempDir(t)
  writeFileSync(join(dir, 'README.txt'), 'operator notes')
  await storage.table<string, number>('agentcom_config').put('heartbeat_interval_ms', 15000)
  let clock = NOON
  const now = () => clock
  const names: string[] = []
  for (let run = 0; run < 5; run++) {
    clock += run === 2 ? 0 : 400 // two runs within the same second
    const result = await backup(storage, dir, { now })
    names.push(result.name)
    t.ok(result.sizeBytes > 0)
    t.equal(result.tables.find((table) => table.table === 'agentcom_config')?.recordCount, 1)
  }
  t.equal(new Set(names).size, 5, 'five distinct names')
  const kept = listBackups(dir).map((entry) => entry.name)
  t.same(kept, names.slice(2).reverse(), 'exactly the 3 newest remain, newest first')
  t.ok(existsSync(join(dir, 'README.txt')))
  t.same(
    readdirSync(dir).filter((name) => !kept.includes(name)),
    ['README.txt'],
    'no partial, lock or older backup files left',
  )
  t.equal(lastBackupTime(dir), backupTime(names[4]!))
  t.equal(lastBackupTime(tempDir(t)), null)
  await t.rejects(backup(storage, dir, { keep: 0 }), RangeError, 'a bad retention count is refused')
  const report = await verify(listBackups(dir)[0]!.path)
  t.ok(report.ok, 'the newest backup verifies clean')
  t.equal(report.tables.find((table) => table.table === 'agentcom_config')?.recordCount, 1)
})

t.test('a backup taken while writers run restores to a consistent state', async (t) => {
  const storage = opened(t)
  const dir = tempDir(t)
  // Two tables hold accounts; every transaction moves money between them. The total never changes.
  const left = storage.table<number, number>('agentcom_config')
  const right = storage.table<number, number>('repo_registry')
  const accounts = 50
  await storage.transaction(() => {
    for (let i = 0; i < accounts; i++) {
      void left.put(i, 100)
      void right.put(i, 100)
    }
  })
  const total = () => {
    let sum = 0
    for (const value of left.values()) sum += value
    for (const value of right.values()) sum += value
    return sum
  }
  let running = true
  let transfers = 0
  let seed = 42
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
  const mover = async () => {
    while (running) {
      const from = random(accounts)
      const to = random(accounts)
      const amount = random(10)
      await storage.transaction(() => {
        void left.put(from, left.get(from)! - amount)
        void right.put(to, right.get(to)! + amount)
      })
      transfers++
    }
  }
  const movers = Array.from({ length: 8 }, mover)
  await new Promise((resolve) => setTimeout(resolve, 30))
  const taken = await backup(storage, dir)
  const transfersAtBackup = transfers
  await new Promise((resolve) => setTimeout(resolve, 30))
  running = false
  await Promise.all(movers)
  t.ok(transfersAtBackup > 0 && transfers > transfersAtBackup, `writers ran before and after the copy (${transfersAtBackup}, ${transfers})`)
  t.equal(total(), accounts * 200)
  const afterWriters = Array.from(left.entries())

  const restored = await restoreEnvironment(storage, dir, Date.now(), LIGHT_VERIFIER)
  t.equal(restored.status, 'restored')
  t.equal(restored.status === 'restored' && restored.backupUsed, taken.name)
  t.equal(total(), accounts * 200, 'the restored state keeps the invariant: no half transaction')
  t.equal(left.count(), accounts)
  t.not(JSON.stringify(Array.from(left.entries())), JSON.stringify(afterWriters), 'and it is the earlier state, not the latest')
})

t.test('backupResponse has the wire shape of POST /api/admin/backup', async (t) => {
  const storage = opened(t)
  const result = await backup(storage, tempDir(t))
  const body = backupResponse(result)
  t.equal(body.status, 'complete')
  t.equal(body.tables_total, 10)
  t.equal(body.tables_success, 10)
  t.match(body.results[0], { table: 'task_queue', status: 'ok', path: result.path, size: Number })
  const failed = backupResponse(new Error('disk full'))
  t.equal(failed.tables_success, 0)
  t.match(failed.results[9], { table: 'repo_registry', status: 'error', reason: 'disk full' })
})
