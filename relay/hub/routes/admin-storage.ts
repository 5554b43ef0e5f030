// §4.9 storage administration (admin token only): backup, health, compaction, table restore,
// and (new) the integrity check.
// The work happens in the backup and compaction actors; health is read straight from storage
// and the backup directory (no actor involved, so it answers even while a backup runs).
import type { IntegrityReport } from '../../../actors/backup/actor'
import { ACTOR } from '../../../actors/names'
import type { RestoreResponse } from '../../../storage'
import { defaultBackupDir, isManagedTable, lastBackupTime, storageHealth } from '../../../storage'
import { callActor } from '../http/actor-call'
import { ADMIN_BEARER, requirePrincipal } from '../http/request-guards'
import type { RouteModule } from '../http/route-module'
import { HttpError, json } from '../transport'
import type { HubRequest } from '../transport'

/** Backups, compactions and restores of a large store take minutes, not the default 5 s. */
const MAINTENANCE_CALL_TIMEOUT_MS = 30 * 60 * 1000

export const adminStorageRoutes: RouteModule = (router, hub) => {
  router.post('/api/admin/backup', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    return json(200, await callActor(hub, ACTOR.backup, { type: 'backup' }, MAINTENANCE_CALL_TIMEOUT_MS))
  })

  router.get('/api/admin/dets-health', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    const lastBackupAt = lastBackupTime(defaultBackupDir(hub.options.dataDir))
    return json(200, storageHealth(hub.storage.isClosed ? null : hub.storage, { now: hub.now(), lastBackupAt }))
  })

  router.post('/api/admin/compact', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    return json(200, await callActor(hub, ACTOR.compaction, { type: 'compact', force: forced(req) }, MAINTENANCE_CALL_TIMEOUT_MS))
  })

  router.post('/api/admin/compact/:table', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    const table = managedTable(req.params.table)
    return json(200, await callActor(hub, ACTOR.compaction, { type: 'compact', table, force: forced(req) }, MAINTENANCE_CALL_TIMEOUT_MS))
  })

  // Unlike the original, no usable backup answers 500 `failed` (`no_usable_backup`), the table
  // untouched; never 200 "restored" over an emptied table.
  router.post('/api/admin/restore/:table', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    const table = managedTable(req.params.table)
    const reply = await callActor<RestoreResponse>(hub, ACTOR.backup, { type: 'restore_table', table, trigger: 'manual' }, MAINTENANCE_CALL_TIMEOUT_MS)
    return json(reply.httpStatus, reply.body)
  })

  // New (not in the original): the on-demand integrity check. Verifies a snapshot of the live
  // file; damaged → the newest good backup is swapped in, or degraded mode without one. The
  // body is the backup actor's IntegrityReport; 500 when data was lost.
  router.post('/api/admin/integrity-check', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    const report = await callActor<IntegrityReport>(hub, ACTOR.backup, { type: 'integrity_check' }, MAINTENANCE_CALL_TIMEOUT_MS)
    return json(report.data_lost ? 500 : 200, report)
  })
}

/** The `:table` segment when it names one of the ten managed tables, else the documented 404. */
function managedTable(table: string | undefined): string {
  if (table === undefined || !isManagedTable(table)) throw new HttpError(404, { error: 'unknown_table', table: table ?? null })
  return table
}

/** New: `?force=true` compacts even below the 10 % threshold (the CLI's --force through the API). */
function forced(req: HubRequest): boolean {
  const value = req.query.get('force')
  return value === 'true' || value === '1'
}
