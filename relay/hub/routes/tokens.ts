// §4.3 tokens (admin only; the original accepted any agent's token here).
import { ACTOR } from '../../../actors/names'
import type { CreatedToken, ResetReply, TokenListing } from '../../../actors/auth'
import { callActor } from '../http/actor-call'
import { ADMIN_BEARER, requirePrincipal, validBody } from '../http/request-guards'
import type { RouteModule } from '../http/route-module'
import { HttpError, json } from '../transport'

export const tokenRoutes: RouteModule = (router, hub) => {
  router.post('/admin/tokens', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    const { body } = validBody(req, 'post_admin_token')
    // new: `"role":"admin"` issues another admin token (unknown fields are ignored otherwise)
    const role = (body as { role?: unknown }).role === 'admin' ? 'admin' : 'agent'
    const created = await callActor<CreatedToken>(hub, ACTOR.auth, { type: 'create', agent_id: body.agent_id, role })
    return json(201, { agent_id: created.agent_id, token: created.token })
  })

  router.get('/admin/tokens', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    const tokens = await callActor<TokenListing[]>(hub, ACTOR.auth, { type: 'list' })
    return json(200, { tokens })
  })

  router.delete('/admin/tokens/:agent_id', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    await callActor(hub, ACTOR.auth, { type: 'revoke', agent_id: req.params.agent_id })
    return json(200, { status: 'revoked', agent_id: req.params.agent_id })
  })

  router.post('/api/admin/agents/:agent_id/reset-token', async (req) => {
    await requirePrincipal(hub, req, ADMIN_BEARER)
    const agentId = req.params.agent_id
    const reply = await callActor<ResetReply>(hub, ACTOR.auth, { type: 'reset', agent_id: agentId })
    if (!reply.ok) throw new HttpError(404, { error: 'agent_not_found', agent_id: agentId })
    return json(201, {
      agent_id: reply.agent_id,
      token: reply.token,
      hint: `Use with: node add-agent.js --rejoin --name ${reply.agent_id} --token ${reply.token}`,
    })
  })
}
