import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STALE_BACKUP_AFTER_MS, healthStatus, isBackupStale, openStorage, storageHealth, type Storage } from '../../storage'

function opened(t: tap.Test): Storage {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-health-'))
  const storage = openStorage({ dataDir: dir })
  t.teardown(async () => {
    await storage.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return storage
}

const NOW = Date.parse('2025-06-01T12:00:00Z')
const HOUR = 3_600_000

t.test('status rules: stale backup after 48 h, high fragmentation above 0.5, both → unhealthy', async (t) => {
  t.ok(isBackupStale(null, NOW), 'no backup yet is stale')
  t.notOk(isBackupStale(NOW - 47 * HOUR, NOW))
  t.notOk(isBackupStale(NOW - STALE_BACKUP_AFTER_MS, NOW), 'exactly 48 h is not yet stale')
  t.ok(isBackupStale(NOW - 49 * HOUR, NOW))
  t.equal(healthStatus(false, false), 'healthy')
  t.equal(healthStatus(true, false), 'warning')
  t.equal(healthStatus(false, true), 'warning')
  t.equal(healthStatus(true, true), 'unhealthy')
})

t.test('the dets-health body from a live store', async (t) => {
  const storage = opened(t)
  const queue = storage.table<number, string>('task_queue')
  for (let i = 0; i < 50; i++) void queue.put(i, 'task')
  await storage.settled()

  const fresh = storageHealth(storage, { now: NOW, lastBackupAt: NOW - HOUR })
  t.equal(fresh.health_status, 'healthy')
  t.equal(fresh.stale_backup, false)
  t.equal(fresh.high_fragmentation, false)
  t.equal(fresh.last_backup_at, NOW - HOUR)
  t.equal(fresh.storage_mode, 'normal')
  t.notOk('degraded' in fresh)
  t.same(
    fresh.tables.map((table) => table.table),
    ['task_queue', 'task_dead_letter', 'agent_mailbox', 'message_history', 'agent_channels', 'channel_history', 'agentcom_config', 'thread_messages', 'thread_replies', 'repo_registry'],
  )
  t.match(fresh.tables[0], { table: 'task_queue', record_count: 50, file_size_bytes: Number, fragmentation_ratio: Number, status: 'ok' })
  t.ok(fresh.tables[0]!.file_size_bytes > 0)

  t.equal(storageHealth(storage, { now: NOW, lastBackupAt: null }).health_status, 'warning', 'a hub that never backed up warns')

  const history = storage.table<number, string>('message_history')
  for (let i = 0; i < 20_000; i++) void history.put(i, 'y'.repeat(200))
  await storage.settled()
  for (let i = 0; i < 20_000; i++) void history.remove(i)
  await storage.settled()
  const fragmented = storageHealth(storage, { now: NOW, lastBackupAt: null })
  t.ok(fragmented.tables[0]!.fragmentation_ratio > 0.5, `ratio ${fragmented.tables[0]!.fragmentation_ratio}`)
  t.equal(fragmented.high_fragmentation, true)
  t.equal(fragmented.health_status, 'unhealthy', 'stale and fragmented')
})

t.test('storage not open: every table unavailable with zeros', async (t) => {
  const body = storageHealth(null, { now: NOW, lastBackupAt: null })
  t.equal(body.tables.length, 10)
  t.ok(body.tables.every((table) => table.status === 'unavailable' && table.record_count === 0 && table.file_size_bytes === 0))
  t.equal(body.high_fragmentation, false, 'unavailable tables do not count as fragmented')
  t.equal(body.health_status, 'warning')
})
