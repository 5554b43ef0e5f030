// §4.9 over a real hub (both transports when uWS loads): admin token, agent token (403), no
// token (401), unknown table (404), and a restore the task queue really reloads from.
import t from 'tap'
import { DEFAULT_BACKUP_SCHEDULE, nextFireTime, parseCronSchedule } from '../../actors/backup/cron-schedule'
import { listBackups, defaultBackupDir } from '../../storage'
import { createToken, http, KINDS, startTestHub, type TestHub } from '../hub/harness'

const TABLES = ['task_queue', 'task_dead_letter', 'agent_mailbox', 'message_history', 'agent_channels', 'channel_history', 'agentcom_config', 'thread_messages', 'thread_replies', 'repo_registry']

const ROUTES: Array<[string, string]> = [
  ['POST', '/api/admin/backup'],
  ['GET', '/api/admin/dets-health'],
  ['POST', '/api/admin/compact'],
  ['POST', '/api/admin/compact/task_queue'],
  ['POST', '/api/admin/restore/task_queue'],
  ['POST', '/api/admin/integrity-check'],
]

async function submitTask(hub: TestHub, token: string, description: string): Promise<string> {
  const res = await http(hub.port, 'POST', '/api/tasks', { token, body: { description } })
  if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.text}`)
  return res.body.task_id as string
}

for (const kind of KINDS) {
  t.test(`admin storage routes (${kind})`, async (t) => {
    const hub = await startTestHub(t, kind)
    const agentToken = await createToken(hub, 'worker-1')
    const admin = { token: hub.adminToken }

    t.test('no token → 401, agent token → 403, on every route', async (t) => {
      for (const [method, path] of ROUTES) {
        const anonymous = await http(hub.port, method, path)
        t.equal(anonymous.status, 401, `${method} ${path} without a token`)
        const agent = await http(hub.port, method, path, { token: agentToken })
        t.equal(agent.status, 403, `${method} ${path} with an agent token`)
        t.same(agent.body, { error: 'forbidden', detail: 'admin token required' })
      }
    })

    t.test('unknown table → 404 unknown_table, before any work', async (t) => {
      for (const path of ['/api/admin/compact/tokens', '/api/admin/restore/tokens', '/api/admin/restore/no_such_table']) {
        const res = await http(hub.port, 'POST', path, admin)
        t.equal(res.status, 404, path)
        t.same(res.body, { error: 'unknown_table', table: path.split('/').pop() })
      }
      const agent = await http(hub.port, 'POST', '/api/admin/restore/no_such_table', { token: agentToken })
      t.equal(agent.status, 403, 'auth comes first')
    })

    t.test('dets-health before any backup: stale, warning, ten ok tables', async (t) => {
      const res = await http(hub.port, 'GET', '/api/admin/dets-health', admin)
      t.equal(res.status, 200)
      t.match(res.body, { health_status: 'warning', stale_backup: true, high_fragmentation: false, last_backup_at: null, storage_mode: 'normal' })
      t.same(res.body.tables.map((x: { table: string }) => x.table), TABLES)
      t.ok(res.body.tables.every((x: { status: string; fragmentation_ratio: number }) => x.status === 'ok' && x.fragmentation_ratio >= 0 && x.fragmentation_ratio <= 1))
    })

    t.test('restore without a backup → 500 failed, never "restored"', async (t) => {
      const res = await http(hub.port, 'POST', '/api/admin/restore/task_queue', admin)
      t.equal(res.status, 500)
      t.same(res.body, { status: 'failed', table: 'task_queue', error: 'no_usable_backup' })
    })

    t.test('backup → health healthy; restore brings the task queue back to the backup', async (t) => {
      const before = await submitTask(hub, agentToken, 'in the backup')
      const backup = await http(hub.port, 'POST', '/api/admin/backup', admin)
      t.equal(backup.status, 200)
      t.match(backup.body, { status: 'complete', tables_total: 10, tables_success: 10 })
      t.same(backup.body.results.map((r: { table: string }) => r.table), TABLES)
      t.ok(backup.body.results.every((r: { status: string; path: string; size: number }) => r.status === 'ok' && typeof r.path === 'string' && typeof r.size === 'number'))
      t.equal(listBackups(defaultBackupDir(hub.dataDir)).length, 1)

      const health = await http(hub.port, 'GET', '/api/admin/dets-health', admin)
      t.match(health.body, { health_status: 'healthy', stale_backup: false, last_backup_at: hub.clock.now() - (hub.clock.now() % 1000) })

      const after = await submitTask(hub, agentToken, 'after the backup')
      t.equal((await http(hub.port, 'GET', `/api/tasks/${after}`, { token: agentToken })).status, 200)
      const restore = await http(hub.port, 'POST', '/api/admin/restore/task_queue', admin)
      t.equal(restore.status, 200, restore.text)
      t.match(restore.body, { status: 'restored', table: 'task_queue', backup_used: /^agentcom_.*\.mdb$/, record_count: 1 })
      t.type(restore.body.file_size, 'number')
      t.equal((await http(hub.port, 'GET', `/api/tasks/${before}`, { token: agentToken })).status, 200, 'the backed-up task is there')
      t.equal((await http(hub.port, 'GET', `/api/tasks/${after}`, { token: agentToken })).status, 404, 'the owner reloaded: the later task is gone')
      await submitTask(hub, agentToken, 'the queue works after the restore')
    })

    t.test('integrity check (new route): a clean store is ok', async (t) => {
      const res = await http(hub.port, 'POST', '/api/admin/integrity-check', admin)
      t.equal(res.status, 200)
      t.match(res.body, { status: 'ok', problems: [], data_lost: false, backup_used: null })
    })

    t.test('compact all and one table', async (t) => {
      const all = await http(hub.port, 'POST', '/api/admin/compact', admin)
      t.equal(all.status, 200)
      t.match(all.body, { status: 'complete', tables_total: 10, tables_skipped: 10, tables_compacted: 0 })
      t.ok(all.body.results.every((r: { status: string; reason: string }) => r.status === 'skipped' && r.reason === 'below_threshold'))
      const one = await http(hub.port, 'POST', '/api/admin/compact/agent_mailbox', admin)
      t.equal(one.status, 200)
      t.match(one.body, { table: 'agent_mailbox', status: 'skipped' })
      t.type(one.body.duration_ms, 'number')
      const forced = await http(hub.port, 'POST', '/api/admin/compact/task_queue?force=true', admin)
      t.match(forced.body, { table: 'task_queue', status: 'compacted' })
      t.equal((await http(hub.port, 'GET', '/api/tasks', { token: agentToken })).status, 200)
    })

    t.test('the backup schedule runs on the hub clock: at the next 03:00 UTC there is a new backup', async (t) => {
      const count = listBackups(defaultBackupDir(hub.dataDir)).length
      // (a whole virtual day of every hub timer takes ~8 s here; the actor test advances a day)
      const due = nextFireTime(parseCronSchedule(DEFAULT_BACKUP_SCHEDULE), hub.clock.now())!
      await hub.clock.advanceTo(due - 1000)
      t.equal(listBackups(defaultBackupDir(hub.dataDir)).length, count, 'not yet')
      await hub.clock.advanceTo(due)
      t.equal(listBackups(defaultBackupDir(hub.dataDir)).length, count + 1)
    })
  })
}
