// §4.1 health and discovery.
import { ACTOR } from '../../../actors/names'
import { schemasDiscovery } from '../../protocol'
import { callOptionalActor } from '../http/actor-call'
import type { RouteModule } from '../http/route-module'
import { json } from '../transport'

export const healthRoutes: RouteModule = (router, hub) => {
  router.get('/health', async () => {
    const connected = await callOptionalActor<number>(hub, ACTOR.presence, { type: 'count' }, 0)
    const body: Record<string, unknown> = { status: 'ok', service: 'agent_com', agents_connected: connected }
    // new: a hub that started without its data says so where monitoring looks first
    if (hub.storage.mode === 'degraded') body.storage = 'degraded'
    return json(200, body)
  })

  const discovery = schemasDiscovery() // pure and constant: computed once
  router.get('/api/schemas', () => json(200, discovery))
}
