// The maintenance subtree (hub-tree slot `maintenance`): the backup actor (daily backups,
// restores, integrity checks) and the compaction actor (every 6 h). one_for_one: neither holds
// state the other needs; both reach storage directly and serialise through storage.exclusive.
//
// Settings come from the environment (the hub's flags do not cover them):
//   AGENTCOM_BACKUP_SCHEDULE         node-cron expression, UTC (default "0 3 * * *")
//   AGENTCOM_COMPACTION_INTERVAL_MS  default 21600000 (6 h)
// A bad value fails the hub's start with the actor's error message.
import { BackupActor, type BackupActorArgs } from '../../actors/backup/actor'
import { CompactionActor, type CompactionActorArgs } from '../../actors/compaction/actor'
import { ACTOR } from '../../actors/names'
import type { Storage } from '../../storage'
import { supervisorSpec, workerSpec, type ChildSpec } from '..'

export const MAINTENANCE_SUPERVISOR = 'maintenance'

export interface MaintenanceTreeDeps {
  storage: Storage
  dataDir: string
  /** supervisor name, default 'maintenance' */
  name?: string
  /** tests: backup actor settings beyond storage and data dir */
  backup?: Omit<BackupActorArgs, 'storage' | 'dataDir'>
  /** tests: compaction actor settings beyond storage */
  compaction?: Omit<CompactionActorArgs, 'storage'>
  /** Where the settings above are read from when not given; default process.env. */
  env?: NodeJS.ProcessEnv
}

export function maintenanceTree(deps: MaintenanceTreeDeps): ChildSpec {
  const env = deps.env ?? process.env
  const backup: BackupActorArgs = { storage: deps.storage, dataDir: deps.dataDir, ...scheduleFrom(env), ...deps.backup }
  const compaction: CompactionActorArgs = { storage: deps.storage, ...intervalFrom(env), ...deps.compaction }
  return supervisorSpec({
    name: deps.name ?? MAINTENANCE_SUPERVISOR,
    strategy: 'one_for_one',
    children: [workerSpec(BackupActor, backup, { name: ACTOR.backup }), workerSpec(CompactionActor, compaction, { name: ACTOR.compaction })],
  })
}

function scheduleFrom(env: NodeJS.ProcessEnv): { schedule?: string } {
  const schedule = env.AGENTCOM_BACKUP_SCHEDULE
  return schedule !== undefined && schedule.trim() !== '' ? { schedule } : {}
}

function intervalFrom(env: NodeJS.ProcessEnv): { intervalMs?: number } {
  const raw = env.AGENTCOM_COMPACTION_INTERVAL_MS
  return raw !== undefined && raw.trim() !== '' ? { intervalMs: Number(raw) } : {}
}
