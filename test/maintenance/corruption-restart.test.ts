// A hub's data file damaged while the hub is down (bytes overwritten): the next start restores
// the newest good backup; without one it starts degraded, says so in /health and dets-health,
// and keeps the damaged file aside.
import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { asideDirOf, lmdbDirOf } from '../../storage'
import { createToken, http, KINDS, startTestHub, tempDataDir, type TestHub } from '../hub/harness'
import { corrupt, submitTasks } from './fixtures'

const kind = KINDS[0]!

function liveDataFile(dataDir: string): string {
  const lmdbDir = lmdbDirOf(dataDir)
  return join(lmdbDir, readFileSync(join(lmdbDir, 'CURRENT'), 'utf8').trim())
}

async function taskStatus(hub: TestHub, token: string, id: string): Promise<number> {
  return (await http(hub.port, 'GET', `/api/tasks/${id}`, { token })).status
}

t.test('damaged data file + a backup → the restart restores the backup', async (t) => {
  const dataDir = tempDataDir(t)
  const first = await startTestHub(t, kind, { dataDir })
  const agentToken = await createToken(first, 'worker-1')
  const backedUp = await submitTasks(first, agentToken, 'backed', 40)
  t.equal((await http(first.port, 'POST', '/api/admin/backup', { token: first.adminToken })).status, 200)
  const lost = await submitTasks(first, agentToken, 'lost', 5)
  await first.running.close()
  const damaged = liveDataFile(dataDir)
  corrupt(damaged)

  const second = await startTestHub(t, kind, { dataDir, adminToken: first.adminToken })
  t.equal(second.running.storageReport.outcome, 'restored', second.running.storageReport.message)
  t.notOk(second.running.storageReport.dataLost)
  t.ok(readdirSync(asideDirOf(dataDir)).some((name) => name.includes('damaged')), 'the damaged file is kept aside')
  t.notOk(existsSync(damaged), 'and no longer live')
  for (const id of backedUp) t.equal(await taskStatus(second, agentToken, id), 200, `task ${id} came back`)
  t.equal(await taskStatus(second, agentToken, lost[0]!), 404, 'writes after the backup are gone (they were only in the damaged file)')
  const health = await http(second.port, 'GET', '/health')
  t.equal(health.body.storage, undefined, 'not degraded')
  const dets = await http(second.port, 'GET', '/api/admin/dets-health', { token: second.adminToken })
  t.match(dets.body, { storage_mode: 'normal', health_status: 'healthy', stale_backup: false, last_backup_at: Number })
})

t.test('damaged data file and no backup → degraded mode, reported by /health and dets-health', async (t) => {
  const dataDir = tempDataDir(t)
  const first = await startTestHub(t, kind, { dataDir })
  const agentToken = await createToken(first, 'worker-1')
  const ids = await submitTasks(first, agentToken, 'doomed', 40)
  await first.running.close()
  corrupt(liveDataFile(dataDir))

  const second = await startTestHub(t, kind, { dataDir, adminToken: first.adminToken })
  const report = second.running.storageReport
  t.equal(report.outcome, 'degraded')
  t.ok(report.dataLost)
  t.ok(second.log.entries.some((e) => e.level === 'error' && /CRITICAL: DEGRADED MODE, DATA LOST/.test(e.message)), 'loud in the log')
  t.ok(report.damagedFileKeptAt !== null && existsSync(report.damagedFileKeptAt), 'the damaged file is kept aside')

  const health = await http(second.port, 'GET', '/health')
  t.equal(health.status, 200)
  t.equal(health.body.storage, 'degraded')
  const dets = await http(second.port, 'GET', '/api/admin/dets-health', { token: second.adminToken })
  t.equal(dets.status, 200)
  t.match(dets.body, { health_status: 'unhealthy', storage_mode: 'degraded', degraded: { damaged_file_kept_at: report.damagedFileKeptAt, reason: /no usable backup/ } })

  // the hub keeps working on its empty store
  const newToken = await createToken(second, 'worker-2')
  t.equal(await taskStatus(second, newToken, ids[0]!), 404, 'the data is gone')
  await submitTasks(second, newToken, 'fresh', 1)
  const restore = await http(second.port, 'POST', '/api/admin/restore/task_queue', { token: second.adminToken })
  t.equal(restore.status, 500, 'no backup: the restore does not claim "restored"')
  t.equal(restore.body.status, 'failed')
})
