// `POST /api/admin/reset` (protocol.md §4.9): ~500 ms after the reply, every service of the hub
// tree is stopped (reverse start order) and started again (start order), as the original did;
// the HTTP listener stays up. Durable state comes back from LMDB; in-memory state (presence,
// rate buckets, sessions) is lost, so live agent sockets are closed (1001) and reconnect.
//
// Who may: an admin-role token, or an agent listed in env ADMIN_AGENTS (the original's only
// rule, kept for existing scripts). Anyone else with a valid token: 403 `admin_only`.
import { ADMIN_ONLY_RESET } from '../../protocol'
import { restartChild, terminateChild, whichChildren } from '../../../supervisors'
import { HUB_SUPERVISOR } from '../../../supervisors/hub-tree'
import type { RouteModule } from '../http/route-module'
import { AGENT_BEARER, requirePrincipal } from '../http/request-guards'
import type { Principal } from '../http/auth-guard'
import type { HubContext } from '../hub-context'
import { HttpError, json } from '../transport'

export const RESET_DELAY_MS = 500
/** Stopping one child may take its whole shutdown budget (sessions: every socket). */
const CHILD_CALL_TIMEOUT_MS = 60_000

/** Agent ids of env ADMIN_AGENTS (comma-separated, blanks ignored). */
export function adminAgentsFrom(env: string | undefined): Set<string> {
  return new Set((env ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))
}

export function mayReset(principal: Principal, adminAgents: ReadonlySet<string>): boolean {
  return principal.role === 'admin' || adminAgents.has(principal.agent_id)
}

export const adminResetRoutes: RouteModule = (router, hub) => {
  let inProgress: Promise<void> | null = null
  router.post('/api/admin/reset', async (req) => {
    const principal = await requirePrincipal(hub, req, AGENT_BEARER)
    if (!mayReset(principal, adminAgentsFrom(process.env.ADMIN_AGENTS))) throw new HttpError(403, { ...ADMIN_ONLY_RESET })
    hub.log.warn('hub reset requested', { triggered_by: principal.agent_id })
    if (inProgress === null) {
      hub.system.clock.schedule(RESET_DELAY_MS, () => {
        inProgress = restartHubServices(hub)
          .then(() => undefined)
          .catch((error: unknown) => hub.log.error('hub reset failed', { error: String(error) }))
          .finally(() => (inProgress = null))
      })
      inProgress = Promise.resolve() // a second request while one is scheduled joins it
    }
    return json(200, { status: 'reset_scheduled', triggered_by: principal.agent_id })
  })
}

/** Stops every child of the hub supervisor (last started first), then starts them in order. */
export async function restartHubServices(hub: HubContext): Promise<string[]> {
  const supervisor = hub.system.byName(HUB_SUPERVISOR)
  const children = await whichChildren(supervisor)
  const ids = children.map((c) => c.id)
  for (const id of [...ids].reverse()) await terminateChild(supervisor, id, { timeoutMs: CHILD_CALL_TIMEOUT_MS })
  for (const id of ids) await restartChild(supervisor, id, { timeoutMs: CHILD_CALL_TIMEOUT_MS })
  hub.log.warn('hub reset complete', { services: ids })
  return ids
}
