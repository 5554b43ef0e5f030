// §4.2 agents and presence, and onboarding.
import { ACTOR } from '../../../actors/names'
import type { AgentInfo } from '../../protocol'
import type { RegisterReply } from '../../../actors/auth'
import { callActor, callOptionalActor } from '../http/actor-call'
import { ADMIN_BEARER, AGENT_BEARER, checkHttpRate, requirePrincipal, validBody } from '../http/request-guards'
import type { RouteModule } from '../http/route-module'
import { HttpError, json, type HubRequest } from '../transport'
import type { HubContext } from '../hub-context'

/** The `agents` actor's AgentState (CONTRACTS.md). */
interface AgentState {
  agent_id: string
  name: string
  fsm_state: string
  current_task_id: string | null
  capabilities: unknown[]
  flags: string[]
  connected_at: number
  last_state_change: number
}

export const agentRoutes: RouteModule = (router, hub) => {
  router.get('/api/agents', async (req) => {
    await checkHttpRate(hub, 'get_agents', req, { agentId: null })
    const [present, states] = await Promise.all([callActor<AgentInfo[]>(hub, ACTOR.presence, { type: 'list' }), agentStates(hub)])
    const fsmOf = new Map(states.map((s) => [s.agent_id, s.fsm_state]))
    const agents = present.map((a) => ({ ...a, fsm_state: fsmOf.get(a.agent_id) ?? 'unknown' }))
    return json(200, { agents })
  })

  router.get('/api/agents/states', async (req) => {
    await requirePrincipal(hub, req, AGENT_BEARER)
    const agents = (await agentStates(hub)).map(({ last_state_change: _l, ...rest }) => rest)
    return json(200, { agents })
  })

  router.get('/api/agents/:agent_id/state', async (req) => {
    await requirePrincipal(hub, req, AGENT_BEARER)
    const state = hub.system.whereis(ACTOR.agents)
      ? await callActor<AgentState | null>(hub, ACTOR.agents, { type: 'get', agent_id: req.params.agent_id })
      : null
    if (state === null) throw new HttpError(404, { error: 'agent_not_found' })
    return json(200, state)
  })

  router.get('/api/agents/:agent_id/subscriptions', async (req) => {
    const channels = await callOptionalActor<unknown>(hub, ACTOR.channels, { type: 'memberships', agent_id: req.params.agent_id }, [])
    return json(200, { agent_id: req.params.agent_id, channels: Array.isArray(channels) ? channels : [] })
  })

  router.post('/api/onboard/register', async (req) => {
    // admin token required unless --open-registration (the original let anyone register)
    if (!hub.options.openRegistration) await requirePrincipal(hub, req, ADMIN_BEARER)
    await checkHttpRate(hub, 'post_onboard_register', req, { agentId: null })
    const { body } = validBody(req, 'post_onboard_register')
    const reply = await callActor<RegisterReply>(hub, ACTOR.auth, { type: 'register', agent_id: body.agent_id })
    if (!reply.ok) throw new HttpError(409, { error: 'agent_id already registered' })
    const origin = requestOrigin(hub, req)
    const defaultRepo = await defaultRepoOf(hub)
    return json(201, {
      agent_id: reply.agent_id,
      token: reply.token,
      hub_ws_url: `ws://${origin}/ws`,
      hub_api_url: `http://${origin}`,
      default_repo: defaultRepo,
    })
  })
}

async function agentStates(hub: HubContext): Promise<AgentState[]> {
  return callOptionalActor<AgentState[]>(hub, ACTOR.agents, { type: 'list' }, [])
}

/** host[:port] the client used to reach us (the original took it from the request). */
function requestOrigin(hub: HubContext, req: HubRequest): string {
  const host = req.headers['host']
  if (host && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) return host
  return `${hub.options.host}:${hub.options.port}`
}

/** The configured default repo; `config` call contract in CONTRACTS.md; null when unset or no config actor. */
async function defaultRepoOf(hub: HubContext): Promise<string | null> {
  const value = await callOptionalActor<unknown>(hub, ACTOR.config, { type: 'get', key: 'default_repo' }, null)
  return typeof value === 'string' ? value : null
}
