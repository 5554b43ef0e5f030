// Rate-limit administration (protocol.md §4.10): admin token required (403 otherwise). Every
// change is answered by the rate-limiter actor after the new policy committed to LMDB.
// `/whitelist` is a static segment, so find-my-way matches it before `/:agent_id`.
import type { RouteModule } from '../http/route-module'
import { ADMIN_BEARER, requirePrincipal } from '../http/request-guards'
import { callActor } from '../http/actor-call'
import { json } from '../transport'
import { ACTOR } from '../../../actors/names'
import type { AdminReply, RateLimiterCall } from '../../../actors/rate-limiter/actor'
import type { HubContext } from '../hub-context'
import type { HubRequest } from '../transport'

export const rateLimitRoutes: RouteModule = (router, hub) => {
  const admin = async (req: HubRequest, msg: RateLimiterCall) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    return adminCall(hub, msg)
  }

  router.get('/api/admin/rate-limits', (req) => admin(req, { type: 'admin_view' }))
  router.get('/api/admin/rate-limits/whitelist', (req) => admin(req, { type: 'whitelist_view' }))
  router.put('/api/admin/rate-limits/whitelist', (req) => admin(req, { type: 'put_whitelist', body: req.json() }))
  router.post('/api/admin/rate-limits/whitelist', (req) => admin(req, { type: 'post_whitelist', body: req.json() }))
  router.delete('/api/admin/rate-limits/whitelist/:agent_id', (req) => admin(req, { type: 'delete_whitelist', agent_id: req.params.agent_id }))
  router.put('/api/admin/rate-limits/:agent_id', (req) => admin(req, { type: 'put_overrides', agent_id: req.params.agent_id, body: req.json() }))
  router.delete('/api/admin/rate-limits/:agent_id', (req) => admin(req, { type: 'delete_overrides', agent_id: req.params.agent_id }))
}

async function adminCall(hub: HubContext, msg: RateLimiterCall) {
  const reply = await callActor<AdminReply>(hub, ACTOR.rateLimiter, msg)
  return json(reply.status, reply.body)
}
