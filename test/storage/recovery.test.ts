import t from 'tap'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { corrupt } from '../maintenance/fixtures'
import { asideDirOf, backup, defaultBackupDir, listBackups, recoverStorage, restoreEnvironment, storageHealth, verify, type Storage } from '../../storage'

// The verifier child with only the TypeScript loader (tap's coverage hooks double its start-up).
const LIGHT_VERIFIER = {
  childProcess: { execArgv: process.execArgv.filter((arg) => arg.includes('typescript')), env: { ...process.env, NODE_OPTIONS: '' } },
}

function tempDir(t: tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-recovery-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}


async function writeTasks(storage: Storage, prefix: string, count: number): Promise<void> {
  const queue = storage.table<string, { body: string }>('task_queue')
  for (let i = 0; i < count; i++) void queue.put(`${prefix}-${i}`, { body: `${prefix} ${'x'.repeat(200)}` })
  await storage.settled()
}

function taskIds(storage: Storage): string[] {
  return Array.from(storage.table<string, unknown>('task_queue').keys())
}

const NOW = Date.parse('2025-06-01T08:00:00Z')
const now = () => NOW

t.test('no environment yet: a fresh empty one', async (t) => {
  const { storage, report } = await recoverStorage({ dataDir: tempDir(t), now, verify: LIGHT_VERIFIER })
  t.teardown(() => storage.close())
  t.equal(report.outcome, 'fresh')
  t.notOk(report.dataLost)
  await writeTasks(storage, 'a', 3)
  t.equal(taskIds(storage).length, 3)
})

t.test('a clean data file opens as it is', async (t) => {
  const dataDir = tempDir(t)
  const first = await recoverStorage({ dataDir, now, verify: LIGHT_VERIFIER })
  await writeTasks(first.storage, 'a', 50)
  await first.storage.close()
  const { storage, report } = await recoverStorage({ dataDir, now, verify: LIGHT_VERIFIER })
  t.teardown(() => storage.close())
  t.equal(report.outcome, 'clean')
  t.ok(report.verification?.ok)
  t.equal(taskIds(storage).length, 50)
})

t.test('a damaged data file is kept aside and the newest good backup restored', async (t) => {
  const dataDir = tempDir(t)
  const first = await recoverStorage({ dataDir, now, verify: LIGHT_VERIFIER })
  await writeTasks(first.storage, 'kept', 400)
  const older = await backup(first.storage, defaultBackupDir(first.storage.dataDir), { now: () => NOW - 2000 })
  await writeTasks(first.storage, 'newer', 400)
  const newest = await backup(first.storage, defaultBackupDir(dataDir), { now: () => NOW - 1000 })
  await writeTasks(first.storage, 'lost', 400)
  const damagedFile = first.storage.dataFile
  const damagedSize = statSync(damagedFile).size
  await first.storage.close()
  corrupt(damagedFile)
  corrupt(newest.path) // the newest backup is bad too: the older one must be used

  const { storage, report } = await recoverStorage({ dataDir, now, verify: LIGHT_VERIFIER })
  t.teardown(() => storage.close())
  t.equal(report.outcome, 'restored')
  t.notOk(report.dataLost)
  t.equal(report.backupUsed, older.name, 'fell back past the damaged newest backup')
  t.same(report.rejectedBackups.map((rejected) => rejected.name), [newest.name])
  t.notOk(report.verification?.ok)
  t.match(report.message, /damaged/)
  const ids = taskIds(storage)
  t.equal(ids.length, 400)
  t.ok(ids.every((id) => id.startsWith('kept-')), 'exactly the backed-up state')
  t.not(storage.dataFile, damagedFile, 'a new data file')
  t.ok(report.damagedFileKeptAt && existsSync(report.damagedFileKeptAt), 'damaged file kept')
  t.equal(statSync(report.damagedFileKeptAt!).size, damagedSize, 'kept whole')
  t.ok(report.damagedFileKeptAt!.startsWith(asideDirOf(dataDir)))
  t.equal(storage.mode, 'normal')
  await writeTasks(storage, 'after', 5)
  t.equal(taskIds(storage).length, 405, 'writable after restore')
  await storage.close()
  t.ok((await verify(storage.dataFile, LIGHT_VERIFIER)).ok, 'the restored file verifies clean')
})

t.test('damaged with no usable backup: degraded mode, empty store, damaged file kept, said loudly', async (t) => {
  const dataDir = tempDir(t)
  const first = await recoverStorage({ dataDir, now, verify: LIGHT_VERIFIER })
  await writeTasks(first.storage, 'doomed', 500)
  const damagedFile = first.storage.dataFile
  await first.storage.close()
  corrupt(damagedFile)

  const { storage, report } = await recoverStorage({ dataDir, now, verify: LIGHT_VERIFIER })
  t.equal(report.outcome, 'degraded')
  t.ok(report.dataLost)
  t.match(report.message, /DEGRADED MODE, DATA LOST/)
  t.ok(report.damagedFileKeptAt && existsSync(report.damagedFileKeptAt))
  t.same(readdirSync(asideDirOf(dataDir)).length, 1)
  t.equal(taskIds(storage).length, 0, 'starts empty')
  await writeTasks(storage, 'new', 3)
  t.equal(taskIds(storage).length, 3, 'and works')
  t.equal(storage.mode, 'degraded')
  const health = storageHealth(storage, { now: NOW, lastBackupAt: null })
  t.equal(health.health_status, 'unhealthy')
  t.equal(health.storage_mode, 'degraded')
  t.equal(health.degraded?.damaged_file_kept_at, report.damagedFileKeptAt)
  await storage.close()

  const again = await recoverStorage({ dataDir, now, verify: LIGHT_VERIFIER })
  t.equal(again.report.outcome, 'clean', 'the new file itself is fine')
  t.equal(again.storage.mode, 'degraded', 'degraded mode is remembered across restarts')
  await backup(again.storage, defaultBackupDir(dataDir), { now })
  const restored = await restoreEnvironment(again.storage, defaultBackupDir(dataDir), NOW, LIGHT_VERIFIER)
  t.equal(restored.status, 'restored')
  t.equal(again.storage.mode, 'normal', 'a successful restore ends degraded mode')
  t.equal(taskIds(again.storage).length, 3)
  again.storage.markDegraded({ reason: 'test', damagedFileKeptAt: null, since: NOW })
  again.storage.clearDegraded()
  t.equal(again.storage.mode, 'normal', 'an operator can clear it')
  await again.storage.close()
  t.equal(listBackups(defaultBackupDir(dataDir)).length, 1)
})
