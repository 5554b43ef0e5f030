// `agentcom backup | compact [table] | restore [table]`: the storage maintenance operations,
// offline on a data dir no hub is using, or through a running hub's admin API (--hub URL).
// A hub running on the data dir is never bypassed: compaction and restore swap its data file.

import { join, resolve } from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { consoleSocketPath, ADMIN_TOKEN_FILE } from '../../actors/console/paths'
import { somebodyListens } from '../../actors/console/socket-path'
import {
  backup,
  backupResponse,
  compact,
  compactResponse,
  compactTableResponse,
  defaultBackupDir,
  isManagedTable,
  lmdbDirOf,
  MANAGED_TABLES,
  openStorage,
  restoreEnvironment,
  restoreResponse,
  restoreTable,
  type Storage,
} from '../../storage'

export type MaintenanceAction = 'backup' | 'compact' | 'restore'

export interface MaintenanceOptions {
  dataDir: string
  hub?: string
  token?: string
  tokenFile?: string
  force?: boolean
}

export class MaintenanceError extends Error {
  override readonly name = 'MaintenanceError'
}

/** Runs the action, returns the reply body (protocol.md §4.9 shapes) and whether it succeeded. */
export async function runMaintenance(action: MaintenanceAction, table: string | undefined, opts: MaintenanceOptions): Promise<{ ok: boolean; body: unknown }> {
  if (table !== undefined && !isManagedTable(table)) {
    throw new MaintenanceError(`unknown table ${table} (one of: ${MANAGED_TABLES.join(', ')})`)
  }
  if (opts.hub !== undefined) return throughHub(action, table, opts)
  return offline(action, table, resolve(opts.dataDir), opts.force ?? false)
}

async function offline(action: MaintenanceAction, table: string | undefined, dataDir: string, force: boolean): Promise<{ ok: boolean; body: unknown }> {
  if (!existsSync(join(lmdbDirOf(dataDir), 'CURRENT'))) throw new MaintenanceError(`no hub data in ${dataDir} (pass --data-dir)`)
  if (await somebodyListens(consoleSocketPath(dataDir))) {
    throw new MaintenanceError(`a hub is running on ${dataDir}: use --hub URL (its admin API) instead of working on its files`)
  }
  process.stderr.write(`${action} (offline, ${dataDir})...\n`)
  const storage = openStorage({ dataDir })
  try {
    return await offlineAction(storage, action, table, dataDir, force)
  } finally {
    await storage.settled()
    await storage.close()
  }
}

async function offlineAction(storage: Storage, action: MaintenanceAction, table: string | undefined, dataDir: string, force: boolean): Promise<{ ok: boolean; body: unknown }> {
  const backups = defaultBackupDir(dataDir)
  switch (action) {
    case 'backup': {
      const body = backupResponse(await backup(storage, backups).catch((err: Error) => err))
      return { ok: body.tables_success === body.tables_total, body }
    }
    case 'compact': {
      const result = await compact(storage, { force })
      const body = table === undefined ? compactResponse(result) : compactTableResponse(table as never, result)
      return { ok: result.status !== 'error', body }
    }
    case 'restore': {
      if (table === undefined) {
        const result = await restoreEnvironment(storage, backups, Date.now())
        return { ok: result.status === 'restored', body: result }
      }
      const result = await restoreTable(storage, table as never, backups)
      return { ok: result.status === 'restored', body: restoreResponse(result).body }
    }
  }
}

async function throughHub(action: MaintenanceAction, table: string | undefined, opts: MaintenanceOptions): Promise<{ ok: boolean; body: unknown }> {
  if (action === 'restore' && table === undefined) {
    throw new MaintenanceError('the admin API restores one table at a time: agentcom restore <table> --hub URL (a whole-environment restore is offline only)')
  }
  const path = action === 'backup' ? '/api/admin/backup' : action === 'compact' ? `/api/admin/compact${table ? `/${table}` : ''}${opts.force ? '?force=true' : ''}` : `/api/admin/restore/${table}`
  const token = opts.token ?? readTokenFile(opts.tokenFile ?? join(resolve(opts.dataDir), ADMIN_TOKEN_FILE))
  process.stderr.write(`${action} through ${opts.hub}...\n`)
  let res: Response
  try {
    res = await fetch(new URL(path, opts.hub), { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  } catch (err) {
    throw new MaintenanceError(`cannot reach the hub at ${opts.hub}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`)
  }
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: shown as text
  }
  return { ok: res.ok && !reportsFailure(body), body }
}

/** A 200 reply can still carry failures: a table whose backup or compaction errored. */
function reportsFailure(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  const reply = body as { status?: unknown; results?: unknown; tables_total?: unknown; tables_success?: unknown }
  if (reply.status === 'error') return true
  if (typeof reply.tables_success === 'number' && reply.tables_success !== reply.tables_total) return true
  return Array.isArray(reply.results) && reply.results.some((r: { status?: unknown }) => r?.status === 'error')
}

function readTokenFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    throw new MaintenanceError(`no admin token: pass --token, or --token-file (${file} not readable)`)
  }
}
