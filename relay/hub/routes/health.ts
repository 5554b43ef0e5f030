// §4.1 health and discovery. `/health` is liveness (hardening.md §6): always 200 while the
// listener serves, never authenticated or rate limited, and keeps the original body
// `{status:'ok', service:'agent_com', agents_connected}`. New, additive keys from real signals:
// `storage` only when it is not normal (`degraded` with `storage_detail` — a hub running on
// emptied tables after data loss says so where monitoring looks first — or `closed`),
// `uptime_ms`, and
// `health` — the dashboard's readiness verdict `{status, conditions}` (hardening.md §7.3) when
// the dashboard-state actor answers within HEALTH_VERDICT_TIMEOUT_MS (absent otherwise), reused
// for HEALTH_VERDICT_TTL_MS so a monitor polling hard costs one presence call per request.
import { ACTOR } from '../../../actors/names'
import type { DashboardHealth } from '../../../actors/health'
import { schemasDiscovery } from '../../protocol'
import { callOptionalActor } from '../http/actor-call'
import type { RouteModule } from '../http/route-module'
import type { HubContext } from '../hub-context'
import { json } from '../transport'

/** `/health` must answer fast even when the dashboard's sources are slow. */
export const HEALTH_VERDICT_TIMEOUT_MS = 1000
/** The verdict is recomputed at most this often (hub clock). */
export const HEALTH_VERDICT_TTL_MS = 5000

export type StorageState = 'degraded' | 'closed'

export interface HealthBody {
  status: 'ok'
  service: 'agent_com'
  agents_connected: number
  storage?: StorageState
  storage_detail?: string
  uptime_ms: number
  health?: DashboardHealth
}

export interface HealthSignals {
  agentsConnected: number
  storage: { closed: boolean; degradedReason: string | null }
  uptimeMs: number
  verdict: DashboardHealth | null
}

export function healthBody(signals: HealthSignals): HealthBody {
  const body: HealthBody = { status: 'ok', service: 'agent_com', agents_connected: signals.agentsConnected, uptime_ms: Math.max(0, signals.uptimeMs) }
  if (signals.storage.closed) body.storage = 'closed'
  else if (signals.storage.degradedReason !== null) {
    body.storage = 'degraded'
    body.storage_detail = signals.storage.degradedReason
  }
  if (signals.verdict !== null) body.health = signals.verdict
  return body
}

export const healthRoutes: RouteModule = (router, hub) => {
  const startedAt = hub.now()
  const verdicts = cachedVerdict(hub)
  router.get('/health', async () => {
    const [connected, verdict] = await Promise.all([
      callOptionalActor<number>(hub, ACTOR.presence, { type: 'count' }, 0),
      verdicts(),
    ])
    return json(
      200,
      healthBody({
        agentsConnected: typeof connected === 'number' ? connected : 0,
        storage: { closed: hub.storage.isClosed, degradedReason: hub.storage.mode === 'degraded' ? degradedReasonOf(hub) : null },
        uptimeMs: hub.now() - startedAt,
        verdict,
      }),
    )
  })

  const discovery = schemasDiscovery() // pure and constant: computed once
  router.get('/api/schemas', () => json(200, discovery))
}

/** One verdict computation in flight at most; its result reused for HEALTH_VERDICT_TTL_MS. */
function cachedVerdict(hub: HubContext): () => Promise<DashboardHealth | null> {
  let cached: { at: number; verdict: Promise<DashboardHealth | null> } | null = null
  return () => {
    const now = hub.now()
    if (cached === null || now - cached.at >= HEALTH_VERDICT_TTL_MS) cached = { at: now, verdict: dashboardVerdict(hub) }
    return cached.verdict
  }
}

async function dashboardVerdict(hub: HubContext): Promise<DashboardHealth | null> {
  const actor = hub.system.whereis(ACTOR.dashboardState)
  if (!actor) return null
  try {
    const verdict = await actor.call<DashboardHealth>({ type: 'health' }, { timeoutMs: HEALTH_VERDICT_TIMEOUT_MS })
    return isVerdict(verdict) ? verdict : null
  } catch {
    return null // liveness never fails because readiness could not be computed
  }
}

function isVerdict(value: unknown): value is DashboardHealth {
  const v = value as Partial<DashboardHealth> | null
  return typeof v === 'object' && v !== null && typeof v.status === 'string' && Array.isArray(v.conditions)
}

function degradedReasonOf(hub: HubContext): string {
  const reason = hub.storage.degraded?.reason
  return typeof reason === 'string' && reason !== '' ? reason : 'storage started without its data'
}
