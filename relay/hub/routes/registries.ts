// LLM and repository registry administration (smart-pipeline.md §11.3): admin token required
// (403 for an agent token — deviation: the original accepted any agent token), not
// rate-limited. Every change is answered by the owning actor after its LMDB commit. The POST
// schemas `post_llm_registry` / `post_repo` are applied (422; the original skipped the former).
// `/snapshot` is a static segment, so find-my-way matches it before `/:id`.
import type { RouteModule } from '../http/route-module'
import { ADMIN_BEARER, requirePrincipal, validBody } from '../http/request-guards'
import { callActor } from '../http/actor-call'
import { json, type HttpReply } from '../transport'
import { ACTOR } from '../../../actors/names'
import type { EndpointRecord } from '../../../actors/llm-registry/endpoint'
import type { LlmRegistrySnapshot } from '../../../actors/llm-registry/snapshot'
import type { RegisterReply, RemoveReply } from '../../../actors/llm-registry/actor'
import type { RepoEntry } from '../../../actors/repo-registry/repo-entry'
import type { RepoReply } from '../../../actors/repo-registry/actor'
import type { HubRequest } from '../transport'

const ENDPOINT_NOT_FOUND = { error: 'endpoint_not_found' }

/** A refused repo operation → its HTTP reply. */
export function repoErrorReply(reply: Extract<RepoReply, { ok: false }>): HttpReply {
  switch (reply.error) {
    case 'not_found':
      return json(404, { error: 'not_found' })
    case 'already_exists':
      return json(409, { error: 'repo_already_registered' })
    default:
      return json(422, { error: reply.error, detail: reply.detail })
  }
}

export const registryRoutes: RouteModule = (router, hub) => {
  const admin = (req: HubRequest) => requirePrincipal(hub, req, ADMIN_BEARER)
  const llm = <R>(msg: object) => callActor<R>(hub, ACTOR.llmRegistry, msg)
  const repos = <R>(msg: object) => callActor<R>(hub, ACTOR.repoRegistry, msg)

  router.get('/api/admin/llm-registry', async (req) => {
    await admin(req)
    return json(200, { endpoints: await llm<EndpointRecord[]>({ type: 'list' }) })
  })
  router.get('/api/admin/llm-registry/snapshot', async (req) => {
    await admin(req)
    return json(200, await llm<LlmRegistrySnapshot>({ type: 'snapshot' }))
  })
  router.get('/api/admin/llm-registry/:id', async (req) => {
    await admin(req)
    const endpoint = await llm<EndpointRecord | null>({ type: 'get', id: req.params.id })
    return endpoint ? json(200, endpoint) : json(404, ENDPOINT_NOT_FOUND)
  })
  router.post('/api/admin/llm-registry', async (req) => {
    await admin(req)
    const { body } = validBody(req, 'post_llm_registry')
    const b = body as { host?: unknown; port?: unknown; name?: unknown }
    const reply = await llm<RegisterReply>({ type: 'register', host: b.host, port: b.port, name: b.name, source: 'manual' })
    return reply.ok ? json(201, reply.endpoint) : json(400, { error: 'invalid_params', detail: reply.detail })
  })
  router.delete('/api/admin/llm-registry/:id', async (req) => {
    await admin(req)
    const reply = await llm<RemoveReply>({ type: 'remove', id: req.params.id })
    return reply.ok ? json(200, { status: 'removed', id: reply.id }) : json(404, ENDPOINT_NOT_FOUND)
  })

  router.get('/api/admin/repo-registry', async (req) => {
    await admin(req)
    return json(200, { repos: await repos<RepoEntry[]>({ type: 'list' }) })
  })
  router.post('/api/admin/repo-registry', async (req) => {
    const principal = await admin(req)
    const { body } = validBody(req, 'post_repo')
    const b = body as { url?: unknown; name?: unknown }
    const reply = await repos<RepoReply>({ type: 'add', url: b.url, name: b.name, added_by: principal.agent_id })
    return reply.ok ? json(201, reply.repo) : repoErrorReply(reply)
  })
  router.delete('/api/admin/repo-registry/:repo_id', async (req) => {
    await admin(req)
    const reply = await repos<RepoReply>({ type: 'remove', repo_id: req.params.repo_id })
    return reply.ok ? json(200, { status: 'removed' }) : repoErrorReply(reply)
  })
  const move = (op: 'move_up' | 'move_down') => async (req: HubRequest & { params: { repo_id: string } }) => {
    await admin(req)
    const reply = await repos<RepoReply>({ type: op, repo_id: req.params.repo_id })
    return reply.ok ? json(200, { repos: reply.repos }) : repoErrorReply(reply)
  }
  const setStatus = (op: 'pause' | 'unpause', status: 'paused' | 'active') => async (req: HubRequest & { params: { repo_id: string } }) => {
    await admin(req)
    const reply = await repos<RepoReply>({ type: op, repo_id: req.params.repo_id })
    return reply.ok ? json(200, { status }) : repoErrorReply(reply)
  }
  router.put('/api/admin/repo-registry/:repo_id/move-up', move('move_up'))
  router.put('/api/admin/repo-registry/:repo_id/move-down', move('move_down'))
  router.put('/api/admin/repo-registry/:repo_id/pause', setStatus('pause', 'paused'))
  router.put('/api/admin/repo-registry/:repo_id/unpause', setStatus('unpause', 'active'))
}

