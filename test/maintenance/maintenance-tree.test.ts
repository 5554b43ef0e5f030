import t from 'tap'
import type { BackupStatus } from '../../actors/backup/actor'
import type { CompactionStatus } from '../../actors/compaction/actor'
import { ACTOR } from '../../actors/names'
import { createTestSystem } from '../../actors/runtime'
import { startSupervisor, whichChildren } from '../../supervisors'
import { maintenanceTree } from '../../supervisors/trees/maintenance-tree'
import { tempStorage } from './fixtures'

t.test('the subtree runs both actors; settings from the environment', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const env = { AGENTCOM_BACKUP_SCHEDULE: '0 30 * * * *', AGENTCOM_COMPACTION_INTERVAL_MS: '3600000' }
  const root = await startSupervisor(system, { name: 'root', children: [maintenanceTree({ storage, dataDir, env })] })
  const [maintenance] = await whichChildren(root)
  t.match(maintenance, { id: 'maintenance', type: 'supervisor', status: 'running' })
  const children = await whichChildren(system.byName('maintenance'))
  t.same(children.map((c) => c.name), [ACTOR.backup, ACTOR.compaction])
  t.equal((await system.byName(ACTOR.backup).call<BackupStatus>({ type: 'status' })).schedule, '0 30 * * * *')
  t.equal((await system.byName(ACTOR.compaction).call<CompactionStatus>({ type: 'status' })).interval_ms, 3_600_000)
})

t.test('defaults: daily at 03:00 UTC, every 6 h', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  await startSupervisor(system, { name: 'root', children: [maintenanceTree({ storage, dataDir, env: {} })] })
  t.equal((await system.byName(ACTOR.backup).call<BackupStatus>({ type: 'status' })).schedule, '0 3 * * *')
  t.equal((await system.byName(ACTOR.compaction).call<CompactionStatus>({ type: 'status' })).interval_ms, 6 * 3_600_000)
})

t.test('a bad setting fails the start with the reason', async (t) => {
  const { storage, dataDir } = tempStorage(t)
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  await t.rejects(startSupervisor(system, { name: 'root', children: [maintenanceTree({ storage, dataDir, env: { AGENTCOM_BACKUP_SCHEDULE: 'nightly' } })] }), /not a valid cron expression/)
  await t.rejects(startSupervisor(system, { name: 'root2', children: [maintenanceTree({ storage, dataDir, env: { AGENTCOM_COMPACTION_INTERVAL_MS: '6h' } })] }), /intervalMs must be a positive number/)
})
