import t from 'tap'
import type { Test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { BackupActor, type BackupStatus, type IntegrityReport } from '../../actors/backup/actor'
import type { BackupCall } from '../../actors/backup/actor'
import { ACTOR, TOPIC } from '../../actors/names'
import { createTestSystem } from '../../actors/runtime'
import { asideDirOf, defaultBackupDir, listBackups, UnknownTableError, type BackupResponse, type RestoreResponse, type Storage } from '../../storage'
import { corrupt, LIGHT_VERIFIER, taskIds, tempStorage, writeTasks } from './fixtures'

const DAY = 24 * 60 * 60 * 1000

async function backupActor(t: Test, storage: Storage, dataDir: string, extra: { schedule?: string } = {}) {
  const ts = createTestSystem({ stuckAfterMs: 5000 })
  t.teardown(ts.shutdown)
  const events: Array<Record<string, unknown>> = []
  ts.system.bus.subscribe(TOPIC.backups, (event) => events.push(event as Record<string, unknown>))
  const ref = await ts.system.spawn(BackupActor, { storage, dataDir, verify: LIGHT_VERIFIER, ...extra }, { name: ACTOR.backup })
  const call = <R>(msg: BackupCall) => ref.call<R>(msg, { timeoutMs: 120_000 })
  return { ...ts, ref, call, events }
}

t.test('the daily schedule runs on the actor clock: a virtual day later a backup exists', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  await writeTasks(storage, 'a', 20)
  const { clock, call, events, system, ref } = await backupActor(t, storage, dataDir)
  t.match(await system.inspect(ref), { schedule: '0 3 * * *', last_backup_at: null }, 'console state: plain data')
  const before = await call<BackupStatus>({ type: 'status' })
  t.equal(before.schedule, '0 3 * * *')
  t.equal(before.next_backup_at, Date.parse('2025-01-01T03:00:00Z'))
  t.equal(before.last_backup_at, null)
  t.same(listBackups(defaultBackupDir(dataDir)), [])

  await clock.advance(2 * 60 * 60 * 1000)
  t.same(listBackups(defaultBackupDir(dataDir)), [], 'nothing before 03:00')
  await clock.advance(DAY - 2 * 60 * 60 * 1000)
  const backups = listBackups(defaultBackupDir(dataDir))
  t.equal(backups.length, 1, 'one backup after a day')
  t.equal(backups[0]!.takenAt, Date.parse('2025-01-01T03:00:00Z'), 'named with the virtual time')
  const complete = events.filter((e) => e.type === 'backup_complete')
  t.equal(complete.length, 1)
  t.equal(complete[0]!.timestamp, Date.parse('2025-01-01T03:00:00Z'))
  t.equal((complete[0]!.tables_backed_up as string[]).length, 10)
  t.equal(complete[0]!.backup_dir, defaultBackupDir(dataDir))
  const after = await call<BackupStatus>({ type: 'status' })
  t.equal(after.last_backup_at, Date.parse('2025-01-01T03:00:00Z'))
  t.equal(after.next_backup_at, Date.parse('2025-01-02T03:00:00Z'))
})

t.test('retention keeps exactly the 3 newest, scheduled and manual alike', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  await writeTasks(storage, 'a', 5)
  const { clock, call } = await backupActor(t, storage, dataDir, { schedule: '0 0 * * * *' }) // hourly
  await clock.advance(5 * 60 * 60 * 1000)
  let backups = listBackups(defaultBackupDir(dataDir))
  t.equal(backups.length, 3)
  t.same(
    backups.map((b) => new Date(b.takenAt).toISOString()),
    ['2025-01-01T05:00:00.000Z', '2025-01-01T04:00:00.000Z', '2025-01-01T03:00:00.000Z'],
    'the newest three survive',
  )
  const manual = await call<BackupResponse>({ type: 'backup' })
  t.equal(manual.status, 'complete')
  t.equal(manual.tables_total, 10)
  t.equal(manual.tables_success, 10)
  t.ok(manual.results.every((r) => r.status === 'ok' && existsSync(r.path)))
  backups = listBackups(defaultBackupDir(dataDir))
  t.equal(backups.length, 3)
  t.equal(backups[0]!.name, manual.results[0]!.status === 'ok' ? manual.results[0]!.path.split('/').pop() : '', 'the manual one is newest')
  t.equal(readdirSync(defaultBackupDir(dataDir)).filter((n) => n.endsWith('.mdb')).length, 3, 'no stray files either')
})

t.test('a bad schedule fails the start with a clear error', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  const ts = createTestSystem()
  t.teardown(ts.shutdown)
  await t.rejects(ts.system.spawn(BackupActor, { storage, dataDir, schedule: 'every day at 3' }), /not a valid cron expression/)
})

t.test('restore one table: from the newest good backup, or failed without one (table untouched)', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  await writeTasks(storage, 'kept', 10)
  const { call, events } = await backupActor(t, storage, dataDir)

  const none = await call<RestoreResponse>({ type: 'restore_table', table: 'task_queue' })
  t.equal(none.httpStatus, 500)
  t.same(none.body, { status: 'failed', table: 'task_queue', error: 'no_usable_backup' })
  t.equal(taskIds(storage).length, 10, 'no backup: the table is left as it was, not emptied')
  t.match(events.at(-1), { type: 'recovery_failed', table: 'task_queue', reason: 'no_usable_backup', trigger: 'manual' })

  await call({ type: 'backup' })
  await writeTasks(storage, 'later', 5)
  t.equal(taskIds(storage).length, 15)
  const restored = await call<RestoreResponse>({ type: 'restore_table', table: 'task_queue' })
  t.equal(restored.httpStatus, 200)
  t.match(restored.body, { status: 'restored', table: 'task_queue', record_count: 10 })
  t.equal(taskIds(storage).length, 10)
  t.ok(taskIds(storage).every((id) => id.startsWith('kept-')))
  t.match(events.at(-1), { type: 'recovery_complete', table: 'task_queue', record_count: 10, trigger: 'manual' })

  await t.rejects(call({ type: 'restore_table', table: 'tokens' }), UnknownTableError, 'only the ten managed tables')
  await t.rejects(call({ type: 'restore_table', table: 'nope' }), /unknown_table: nope/)
})

t.test('integrity check: a clean store is ok', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  await writeTasks(storage, 'a', 50)
  const { call } = await backupActor(t, storage, dataDir)
  const report = await call<IntegrityReport>({ type: 'integrity_check' })
  t.equal(report.status, 'ok')
  t.same(report.problems, [])
  t.equal(report.data_lost, false)
  t.equal(taskIds(storage).length, 50)
})

t.test('integrity check: a damaged live file is replaced by the newest good backup, kept aside', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  await writeTasks(storage, 'backed', 400)
  const { call, events } = await backupActor(t, storage, dataDir)
  const backupReply = await call<BackupResponse>({ type: 'backup' })
  t.equal(backupReply.tables_success, 10)
  await writeTasks(storage, 'lost', 400)
  const damagedFile = storage.dataFile
  corrupt(damagedFile)

  const report = await call<IntegrityReport>({ type: 'integrity_check' })
  t.equal(report.status, 'restored', JSON.stringify(report.problems))
  t.ok(report.problems.length > 0, 'the damage is named')
  t.match(report.backup_used, /^agentcom_.*\.mdb$/)
  t.ok(report.damaged_file_kept_at !== null && existsSync(report.damaged_file_kept_at), 'the damaged file is kept aside')
  t.not(storage.dataFile, damagedFile, 'a new data file is live')
  t.equal(storage.mode, 'normal')
  t.equal(taskIds(storage).length, 400)
  t.ok(taskIds(storage).every((id) => id.startsWith('backed-')))
  t.match(events.at(-1), { type: 'recovery_complete', table: 'all' })
  await writeTasks(storage, 'after', 3)
  t.equal(taskIds(storage).length, 403, 'the restored store takes writes')
})

t.test('integrity check: damaged and no backup → degraded mode, empty store, damaged file kept, loud log', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  await writeTasks(storage, 'doomed', 400)
  const { call, events, log } = await backupActor(t, storage, dataDir)
  corrupt(storage.dataFile)

  const report = await call<IntegrityReport>({ type: 'integrity_check' })
  t.equal(report.status, 'degraded')
  t.equal(report.data_lost, true)
  t.ok(report.damaged_file_kept_at !== null && existsSync(report.damaged_file_kept_at))
  t.ok(readdirSync(asideDirOf(dataDir)).some((name) => name.includes('damaged')))
  t.equal(storage.mode, 'degraded')
  t.match(storage.degraded, { reason: /no usable backup/, damagedFileKeptAt: report.damaged_file_kept_at })
  t.same(taskIds(storage), [])
  t.ok(log.entries.some((e) => e.level === 'error' && /CRITICAL: DEGRADED MODE, DATA LOST/.test(e.message)))
  t.match(events.at(-1), { type: 'recovery_failed', table: 'all', reason: 'no_usable_backup', data_lost: true })
})
