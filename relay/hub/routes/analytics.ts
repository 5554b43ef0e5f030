// HTTP analytics (protocol.md §4.8, the analytics rows; no auth, as the original). The counters
// are fed by live traffic (every routed message, presence events).
import type { RouteModule } from '../http/route-module'
import { json } from '../transport/http-reply'
import { ACTOR } from '../../../actors/names'
import type { AgentStats, AnalyticsCall, AnalyticsSummary, HourlyBucket } from '../../../actors/analytics'

export const analyticsRoutes: RouteModule = (router, hub) => {
  const analytics = hub.system.byName<AnalyticsCall>(ACTOR.analytics)

  router.get('/api/analytics/summary', async () => json(200, await analytics.call<AnalyticsSummary>({ type: 'summary' })))

  router.get('/api/analytics/agents', async () => json(200, { agents: await analytics.call<AgentStats[]>({ type: 'agents' }) }))

  router.get('/api/analytics/agents/:agent_id/hourly', async (req) => {
    const hourly = await analytics.call<HourlyBucket[]>({ type: 'hourly', agent_id: req.params.agent_id })
    return json(200, { agent_id: req.params.agent_id, hourly })
  })
}
