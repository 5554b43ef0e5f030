// The on-demand integrity check on a running hub: verifyLive of the live file; damaged (bytes
// overwritten under the running hub) → the newest good backup is swapped in and every table
// owner restarts on it.
import t from 'tap'
import { existsSync } from 'node:fs'
import type { IntegrityReport } from '../../actors/backup/actor'
import { ACTOR } from '../../actors/names'
import { createToken, http, KINDS, startTestHub, type TestHub } from '../hub/harness'
import { corrupt, submitTasks } from './fixtures'

const kind = KINDS[0]!

async function taskStatus(hub: TestHub, token: string, id: string): Promise<number> {
  return (await http(hub.port, 'GET', `/api/tasks/${id}`, { token })).status
}

t.test('integrity check on a running hub: clean → ok; damaged → the backup swapped in, owners reloaded', async (t) => {
  const hub = await startTestHub(t, kind)
  const agentToken = await createToken(hub, 'worker-1')
  const backedUp = await submitTasks(hub, agentToken, 'backed', 30)
  const backupActor = hub.running.hub.system.byName(ACTOR.backup)
  const clean = await backupActor.call<IntegrityReport>({ type: 'integrity_check' }, { timeoutMs: 120_000 })
  t.equal(clean.status, 'ok', JSON.stringify(clean.problems))
  t.equal((await http(hub.port, 'POST', '/api/admin/backup', { token: hub.adminToken })).status, 200)
  const lost = await submitTasks(hub, agentToken, 'lost', 3)
  await hub.running.hub.storage.settled()
  const damaged = hub.running.hub.storage.dataFile
  corrupt(damaged)

  const res = await http(hub.port, 'POST', '/api/admin/integrity-check', { token: hub.adminToken })
  t.equal(res.status, 200, res.text)
  const report = res.body as IntegrityReport
  t.equal(report.status, 'restored', JSON.stringify(report))
  t.ok(report.damaged_file_kept_at !== null && existsSync(report.damaged_file_kept_at), 'the damaged file is kept aside')
  t.not(hub.running.hub.storage.dataFile, damaged)
  t.equal(await taskStatus(hub, agentToken, backedUp[0]!), 200, 'the task queue reloaded from the restored file')
  t.equal(await taskStatus(hub, agentToken, lost[0]!), 404)
  await submitTasks(hub, agentToken, 'after', 1)
})
