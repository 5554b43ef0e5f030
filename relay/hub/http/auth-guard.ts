// HTTP authentication and roles (protocol.md §2 + the new admin role). Every protected route
// asks here; the `auth` actor is the only holder of (hashed) tokens.
import { ACTOR } from '../../../actors/names'
import { UNAUTHORIZED, UNAUTHORIZED_BEARER } from '../../protocol'
import { json } from '../transport/http-reply'
import { callActor } from './actor-call'
import type { HttpReply, HubRequest } from '../transport/types'
import type { HubContext } from '../hub-context'

export type Role = 'agent' | 'admin'

export interface Principal {
  agent_id: string
  role: Role
}

export interface AuthRequirement {
  /** `bearer`: Authorization header only (auth **B**); `token`: header or `?token=` (auth **T**). */
  style: 'bearer' | 'token'
  /** `admin` routes refuse agent tokens with 403; `agent` routes accept either role. */
  role: Role
}

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; reply: HttpReply }

export const FORBIDDEN_ADMIN_BODY = Object.freeze({ error: 'forbidden', detail: 'admin token required' })

/** The token a request presents, or null. Never logged. */
export function presentedToken(req: Pick<HubRequest, 'headers' | 'query'>, style: AuthRequirement['style']): string | null {
  const header = req.headers['authorization']
  if (header !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim())
    if (match) {
      const token = match[1]!.trim()
      if (token !== '') return token
    }
  }
  if (style === 'token') {
    const fromQuery = req.query.get('token')
    if (fromQuery !== null && fromQuery.trim() !== '') return fromQuery.trim()
  }
  return null
}

/** Resolves a token to its principal through the `auth` actor; null when unknown or revoked. */
export async function verifyToken(hub: HubContext, token: string): Promise<Principal | null> {
  return hub.system.byName(ACTOR.auth).call<Principal | null>({ type: 'verify', token })
}

export type AuthCheck = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; body: Record<string, unknown> }

/** The decision of `authorize`, as data (for callers that throw `HttpError`). */
export async function checkAuth(hub: HubContext, req: HubRequest, requirement: AuthRequirement): Promise<AuthCheck> {
  const token = presentedToken(req, requirement.style)
  // an auth actor that is down answers 503 (callActor), never "unauthorized"
  const principal = token === null ? null : await callActor<Principal | null>(hub, ACTOR.auth, { type: 'verify', token })
  if (principal === null) return { ok: false, status: 401, body: { ...(requirement.style === 'bearer' ? UNAUTHORIZED_BEARER : UNAUTHORIZED) } }
  if (requirement.role === 'admin' && principal.role !== 'admin') return { ok: false, status: 403, body: { ...FORBIDDEN_ADMIN_BODY } }
  return { ok: true, principal }
}

export async function authorize(hub: HubContext, req: HubRequest, requirement: AuthRequirement): Promise<AuthOutcome> {
  const check = await checkAuth(hub, req, requirement)
  return check.ok ? check : { ok: false, reply: json(check.status, check.body) }
}
