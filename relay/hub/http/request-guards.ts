// Building blocks of a protected route: authentication (auth-guard), the HTTP rate check
// (hardening.md §5, after auth), and schema validation of the body (422).
import { ACTOR } from '../../../actors/names'
import type { RateDecision } from '../../../actors/rate-limiter'
import { HTTP_ACTION_TIERS, validateHttpBody, type HttpAction, type HttpBodyKey, type HttpBodyOf } from '../../protocol'
import { HttpError } from '../transport'
import type { HubRequest } from '../transport'
import type { HubContext } from '../hub-context'
import { checkAuth, type AuthRequirement, type Principal } from './auth-guard'

export const AGENT_BEARER: AuthRequirement = { style: 'bearer', role: 'agent' }
export const ADMIN_BEARER: AuthRequirement = { style: 'bearer', role: 'admin' }

/** The caller's principal, or throws the 401/403 reply. */
export async function requirePrincipal(hub: HubContext, req: HubRequest, requirement: AuthRequirement): Promise<Principal> {
  const check = await checkAuth(hub, req, requirement)
  if (!check.ok) throw new HttpError(check.status, check.body)
  return check.principal
}

export interface RateCaller {
  /** null on unauthenticated routes (the bucket is then `ip:<addr>`) */
  agentId: string | null
  role?: 'agent' | 'admin'
}

/**
 * The HTTP rate check of `action` (hardening.md §5, after auth). NO-OP until the `rate-limiter`
 * actor runs (contract in CONTRACTS.md). Throws the 429 (with `retry-after`) on deny.
 */
export async function checkHttpRate(hub: HubContext, action: HttpAction, req: HubRequest, caller: RateCaller): Promise<void> {
  if (!HTTP_ACTION_TIERS[action].enforced) return
  const limiter = hub.system.whereis(ACTOR.rateLimiter)
  if (!limiter) return
  let decision: RateDecision
  try {
    decision = await limiter.call<RateDecision>({ type: 'check_http', action, agent_id: caller.agentId, remote_address: req.remoteIp, role: caller.role ?? 'agent' })
  } catch (error) {
    hub.log.warn('rate-limiter unavailable; request allowed', { action, error: String(error) })
    return
  }
  if (decision.result !== 'deny') return
  throw new HttpError(decision.http.status, { ...decision.http.body }, { ...decision.http.headers })
}

/** The body validated against schema `key`, or throws the route's 422. */
export function validBody<K extends HttpBodyKey>(req: HubRequest, key: K): { body: HttpBodyOf<K>; warnings: string[] } {
  const result = validateHttpBody(key, req.json())
  if (!result.ok) throw new HttpError(result.status, { ...result.response })
  return { body: result.body, warnings: result.warnings }
}
