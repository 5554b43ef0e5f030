// The observability and rate-limit routes over real HTTP on a started hub (observability subtree
// included): the 429 shape and `retry-after`, admin-only routes (403 for agent tokens), the
// policy surviving a hub restart, /metrics parsing, alerts, thresholds through the config route,
// and the run-time log level with the winston logger.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { VirtualClock } from '../../actors/runtime'
import { ACTOR } from '../../actors/names'
import { startHub } from '../../relay/hub/start-hub'
import { createLogger } from '../../logging'
import { createToken, http, KINDS, startTestHub, tempDataDir } from '../hub/harness'
import { parseExposition, sampleValue } from './prometheus-text'

const kind = KINDS.includes('ws') ? 'ws' : KINDS[0]

t.test('GET /api/metrics: 120 per minute per IP, then 429 with retry-after; refills on the clock', async (t) => {
  const hub = await startTestHub(t, kind)
  for (let i = 0; i < 120; i++) {
    const res = await http(hub.port, 'GET', '/api/metrics')
    if (res.status !== 200) t.fail(`request ${i + 1}: ${res.status} ${res.text}`)
  }
  const denied = await http(hub.port, 'GET', '/api/metrics')
  t.equal(denied.status, 429)
  t.same(denied.body, { error: 'rate_limited', retry_after_ms: 1000, tier: 'light' })
  t.equal(denied.headers['retry-after'], '1')
  await hub.clock.advance(1_000)
  t.equal((await http(hub.port, 'GET', '/api/metrics')).status, 200, 'after retry_after_ms the request is served again')
})

t.test('/api/metrics shape and /metrics in the Prometheus format', async (t) => {
  const hub = await startTestHub(t, kind)
  const res = await http(hub.port, 'GET', '/api/metrics')
  t.equal(res.status, 200)
  t.match(res.body, { timestamp: Number, window_ms: 3_600_000, queue_depth: { current: 0 }, task_latency: {}, agent_utilization: { system: {} }, error_rates: { window: {}, cumulative: {} } })
  const prom = await http(hub.port, 'GET', '/metrics')
  t.equal(prom.status, 200)
  t.match(prom.headers['content-type'], /^text\/plain/)
  const families = parseExposition(prom.text)
  t.equal(sampleValue(families, 'agentcom_queue_depth'), 0)
  t.equal(sampleValue(families, 'agentcom_agents', { kind: 'online' }), 0)
})

t.test('alerts routes', async (t) => {
  const hub = await startTestHub(t, kind)
  const token = await createToken(hub, 'agent-1')
  const list = await http(hub.port, 'GET', '/api/alerts')
  t.same(list.body, { alerts: [], timestamp: hub.clock.now() })
  t.equal((await http(hub.port, 'POST', '/api/alerts/queue_growing/acknowledge')).status, 401)
  const ack = await http(hub.port, 'POST', '/api/alerts/queue_growing/acknowledge', { token })
  t.equal(ack.status, 404)
  t.same(ack.body, { error: 'alert_not_found' })
})

t.test('PUT /api/config/alert-thresholds is validated and reaches the alerter', async (t) => {
  const hub = await startTestHub(t, kind)
  const bad = await http(hub.port, 'PUT', '/api/config/alert-thresholds', { token: hub.adminToken, body: { error_count_hour: 'many' } })
  t.equal(bad.status, 422)
  const ok = await http(hub.port, 'PUT', '/api/config/alert-thresholds', { token: hub.adminToken, body: { error_count_hour: 3, cooldowns: { stuck_tasks: 1000 } } })
  t.same(ok.body, { status: 'updated', effective: 'next_check_cycle' })
  const thresholds = await hub.running.hub.system.byName(ACTOR.alerter).call({ type: 'thresholds' })
  t.match(thresholds, { error_count_hour: 3, failure_rate_pct: 50, cooldowns: { stuck_tasks: 1000, queue_growing: 300_000 } })
})

t.test('rate-limit admin routes: admin only; the policy survives a hub restart', async (t) => {
  const dataDir = tempDataDir(t)
  const clock = new VirtualClock({ start: 1_700_000_000_000 })
  const first = await startTestHub(t, kind, { dataDir, clock })
  const agentToken = await createToken(first, 'agent-1')
  const forbidden = await http(first.port, 'GET', '/api/admin/rate-limits', { token: agentToken })
  t.equal(forbidden.status, 403)
  t.equal((await http(first.port, 'PUT', '/api/admin/rate-limits/whitelist', { token: agentToken, body: { agent_ids: ['x'] } })).status, 403)
  t.equal((await http(first.port, 'GET', '/api/admin/rate-limits')).status, 401)

  const view = await http(first.port, 'GET', '/api/admin/rate-limits', { token: first.adminToken })
  t.same(view.body, {
    defaults: { light: { capacity: 120, refill_rate_per_min: 120 }, normal: { capacity: 60, refill_rate_per_min: 60 }, heavy: { capacity: 10, refill_rate_per_min: 10 } },
    overrides: {},
    whitelist: [],
  })
  const put = await http(first.port, 'PUT', '/api/admin/rate-limits/agent-1', { token: first.adminToken, body: { normal: { capacity: 5, refill_rate_per_min: 5 } } })
  t.same(put.body, { status: 'updated', agent_id: 'agent-1', overrides: { normal: { capacity: 5, refill_rate_per_min: 5 } } })
  const none = await http(first.port, 'PUT', '/api/admin/rate-limits/agent-1', { token: first.adminToken, body: {} })
  t.equal(none.status, 422)
  t.equal(none.body.error, 'invalid_overrides')
  t.same((await http(first.port, 'POST', '/api/admin/rate-limits/whitelist', { token: first.adminToken, body: { agent_id: 'ops' } })).body, { status: 'added', agent_id: 'ops' })
  t.equal((await http(first.port, 'POST', '/api/admin/rate-limits/whitelist', { token: first.adminToken, body: { agent_id: '' } })).status, 422)
  t.same((await http(first.port, 'PUT', '/api/admin/rate-limits/whitelist', { token: first.adminToken, body: { agent_ids: 'nope' } })).status, 422)
  t.same((await http(first.port, 'DELETE', '/api/admin/rate-limits/whitelist/nobody', { token: first.adminToken })).body, { status: 'removed', agent_id: 'nobody' })
  await first.running.close()

  const second = await startTestHub(t, kind, { dataDir, clock, adminToken: first.adminToken })
  const after = await http(second.port, 'GET', '/api/admin/rate-limits', { token: second.adminToken })
  t.same(after.body.whitelist, ['ops'])
  t.same(after.body.overrides, { 'agent-1': { normal: { capacity: 5000, refill_rate: 5000 / 60_000 } } })
  t.same((await http(second.port, 'GET', '/api/admin/rate-limits/whitelist', { token: second.adminToken })).body, { whitelist: ['ops'] })
  t.same((await http(second.port, 'DELETE', '/api/admin/rate-limits/agent-1', { token: second.adminToken })).body, { status: 'removed', agent_id: 'agent-1' })
})

t.test('PUT /api/admin/log-level with the winston logger; secrets stay out of the log file', async (t) => {
  const dataDir = tempDataDir(t)
  const logger = createLogger({ dataDir, stdout: false, level: 'info' })
  const running = await startHub({ port: 0, transport: kind, dataDir, clock: new VirtualClock({ start: 1_700_000_000_000 }), logger })
  t.teardown(async () => {
    await running.close()
    await logger.close()
  })
  const admin = running.newAdminToken!.token
  const agentToken = (await http(running.port, 'POST', '/admin/tokens', { token: admin, body: { agent_id: 'a1' } })).body.token as string
  t.equal((await http(running.port, 'PUT', '/api/admin/log-level', { token: agentToken, body: { level: 'debug' } })).status, 403)
  const bad = await http(running.port, 'PUT', '/api/admin/log-level', { token: admin, body: { level: 'loud' } })
  t.equal(bad.status, 422)
  t.same(bad.body, { error: 'invalid_level', valid: ['debug', 'info', 'notice', 'warning', 'error'] })
  const ok = await http(running.port, 'PUT', '/api/admin/log-level', { token: admin, body: { level: 'debug' } })
  t.same(ok.body, { status: 'ok', level: 'debug' })
  t.equal(logger.level, 'debug')
  logger.info('probe', { request: { headers: { authorization: `Bearer ${admin}` } } })
  await running.close()
  await logger.close()
  const text = readFileSync(logger.filePath!, 'utf8')
  t.match(text, /log_level_changed/)
  t.notOk(text.includes(admin), 'the admin token never reaches the file')
})

t.test('PUT /api/admin/log-level with a logger that cannot change level → 503', async (t) => {
  const hub = await startTestHub(t, kind)
  const res = await http(hub.port, 'PUT', '/api/admin/log-level', { token: hub.adminToken, body: { level: 'debug' } })
  t.equal(res.status, 503)
})
