// Observability routes (protocol.md §4.8, plus `/metrics` in the Prometheus text format, beyond
// the original). Reads are open (`/api/metrics` rate-limited by IP as `get_metrics`); acknowledging
// an alert needs a bearer token; changing the log level needs an admin token (403 otherwise).
import type { RouteModule } from '../http/route-module'
import { ADMIN_BEARER, AGENT_BEARER, checkHttpRate, requirePrincipal } from '../http/request-guards'
import { callActor } from '../http/actor-call'
import { HttpError, json } from '../transport'
import { ACTOR } from '../../../actors/names'
import type { Logger } from '../../../actors/runtime'
import { putLogLevel, type AgentcomLogger } from '../../../logging'
import type { MetricsSnapshot, PrometheusExposition } from '../../../actors/metrics'
import type { Alert } from '../../../actors/alerter'

export const observabilityRoutes: RouteModule = (router, hub) => {
  router.get('/api/metrics', async (req) => {
    await checkHttpRate(hub, 'get_metrics', req, { agentId: null })
    return json(200, await callActor<MetricsSnapshot>(hub, ACTOR.metrics, { type: 'snapshot' }))
  })

  router.get('/metrics', async (req) => {
    await checkHttpRate(hub, 'get_metrics', req, { agentId: null })
    const exposition = await callActor<PrometheusExposition>(hub, ACTOR.metrics, { type: 'prometheus' })
    return { status: 200, headers: { 'content-type': exposition.contentType }, body: exposition.body }
  })

  router.get('/api/alerts', async () => {
    return json(200, await callActor<{ alerts: Alert[]; timestamp: number }>(hub, ACTOR.alerter, { type: 'alerts' }))
  })

  router.post('/api/alerts/:rule_id/acknowledge', async (req) => {
    await requirePrincipal(hub, req, AGENT_BEARER)
    const reply = await callActor<{ status: number; body: Record<string, unknown> }>(hub, ACTOR.alerter, { type: 'acknowledge', rule_id: req.params.rule_id })
    return json(reply.status, reply.body)
  })

  router.put('/api/admin/log-level', async (req) => {
    const principal = await requirePrincipal(hub, req, ADMIN_BEARER)
    const logger = adjustableLogger(hub.log)
    if (logger === null) throw new HttpError(503, { error: 'service_unavailable', service: 'logger', detail: 'the hub logger has no adjustable level' })
    const reply = putLogLevel(logger, req.json(), principal.agent_id)
    return json(reply.status, reply.body)
  })
}

/** The hub's logger when it is the winston one of logging/ (it is, when started by the CLI). */
function adjustableLogger(log: Logger): AgentcomLogger | null {
  const candidate = log as Partial<AgentcomLogger>
  return typeof candidate.setLevel === 'function' && typeof candidate.notice === 'function' && typeof candidate.level === 'string' ? (log as AgentcomLogger) : null
}
