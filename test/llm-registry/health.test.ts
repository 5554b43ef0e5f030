import t from 'tap'
import {
  applyDiscoveredModels,
  applyHealthRound,
  applyProbeResult,
  HEALTH_CHECK_INTERVAL_MS,
  HEALTH_PROBE_TIMEOUT_MS,
  probeAll,
  UNHEALTHY_AFTER_FAILURES,
  type ProbeResult,
} from '../../actors/llm-registry/health'
import { registerEndpoint, type EndpointRecord, type EndpointStatus } from '../../actors/llm-registry/endpoint'
import { VirtualClock } from '../../actors/runtime/clock'

const T0 = 1_700_000_000_000
const ok = (models: string[] = ['m']): ProbeResult => ({ ok: true, models, loaded: [{ name: models[0] ?? 'm', size_vram: 1 }], latency_ms: 2 })
const miss: ProbeResult = { ok: false, reason: 'timeout', detail: 'no answer within 5000 ms', latency_ms: 5000 }

function record(status: EndpointStatus, failures = 0, models: string[] = []): EndpointRecord {
  return { ...registerEndpoint(undefined, { host: 'h', port: 1, name: null, source: 'manual', agent_id: null }, T0), status, consecutive_failures: failures, models }
}

t.test('constants', async (t) => {
  t.equal(HEALTH_CHECK_INTERVAL_MS, 30_000)
  t.equal(HEALTH_PROBE_TIMEOUT_MS, 5_000)
  t.equal(UNHEALTHY_AFTER_FAILURES, 2)
})

t.test('state machine table', async (t) => {
  const table: Array<[EndpointStatus, number, ProbeResult, EndpointStatus, number, boolean]> = [
    // from, failures, event → to, failures, status_changed
    ['unknown', 0, ok(), 'healthy', 0, true],
    ['unknown', 0, miss, 'unknown', 1, false],
    ['unknown', 1, miss, 'unhealthy', 2, true],
    ['healthy', 0, miss, 'healthy', 1, false],
    ['healthy', 1, miss, 'unhealthy', 2, true],
    ['healthy', 1, ok(), 'healthy', 0, false],
    ['unhealthy', 2, miss, 'unhealthy', 3, false],
    ['unhealthy', 7, ok(), 'healthy', 0, true],
    ['healthy', 0, ok(), 'healthy', 0, false],
  ]
  for (const [from, failures, event, to, toFailures, changed] of table) {
    const r = applyProbeResult(record(from, failures, ['old']), event, T0 + 1)
    const name = `${from}/${failures} + ${event.ok ? 'success' : 'failure'}`
    t.equal(r.record.status, to, `${name} → ${to}`)
    t.equal(r.record.consecutive_failures, toFailures, `${name}: failures`)
    t.equal(r.status_changed, changed, `${name}: changed`)
    t.equal(r.record.last_checked_at, T0 + 1)
  }
})

t.test('success replaces models and loaded models; failure keeps them and records the error', async (t) => {
  const s = applyProbeResult(record('unknown', 0, ['old']), ok(['a', 'b']), T0).record
  t.same(s.models, ['a', 'b'])
  t.same(s.loaded_models, [{ name: 'a', size_vram: 1 }])
  t.equal(s.last_error, null)
  const psFailed = applyProbeResult(s, { ok: true, models: ['a'], loaded: null, latency_ms: 1 }, T0).record
  t.same(psFailed.loaded_models, [{ name: 'a', size_vram: 1 }], 'a failed /api/ps keeps the previous loaded list')
  const f = applyProbeResult(s, miss, T0 + 5).record
  t.same(f.models, ['a', 'b'])
  t.equal(f.last_error, 'timeout: no answer within 5000 ms')
  t.equal(applyProbeResult(s, { ok: false, reason: 'http_500', detail: '', latency_ms: 1 }, T0).record.last_error, 'http_500')
  const discovered = applyDiscoveredModels(record('unknown'), ['x'])
  t.match(discovered, { models: ['x'], status: 'unknown' }, 'discovery fills models, never the status')
})

t.test('a round: concurrent probes, results applied to current records', async (t) => {
  const a = { ...record('healthy', 0, ['m']), id: 'a:1', host: 'a', port: 1 }
  const b = { ...record('healthy', 1, ['m']), id: 'b:1', host: 'b', port: 1 }
  const c = { ...record('unknown'), id: 'c:1', host: 'c', port: 1 }
  let inFlight = 0
  let maxInFlight = 0
  const results = await probeAll([a, b, c], async (e) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    await new Promise((r) => setImmediate(r))
    inFlight--
    if (e.id === 'c:1') throw new Error('boom')
    return e.id === 'a:1' ? ok() : miss
  })
  t.equal(maxInFlight, 3, 'all probes in flight together')
  t.match(results.get('c:1'), { ok: false, reason: 'network_error', detail: 'boom' }, 'a throwing probe is a failure')
  const round = applyHealthRound([b, c], results, T0)
  t.same(round.records.map((r) => r.id), ['b:1', 'c:1'], 'a record removed during the round (a) stays removed')
  t.same(round.changed, ['b:1'])
  t.equal(round.records[0]!.status, 'unhealthy')
  const extra = { ...record('unknown'), id: 'd:1' }
  t.equal(applyHealthRound([extra], results, T0).records[0], extra, 'a record registered during the round is untouched')
})

t.test('health checks on the virtual clock: every 30 s, offline within two cycles, instant recovery', async (t) => {
  const clock = new VirtualClock({ start: T0 })
  let alive = true
  let endpoint = record('unknown')
  const changes: Array<[number, EndpointStatus]> = []
  const tick = async () => {
    const round = applyHealthRound([endpoint], await probeAll([endpoint], async () => (alive ? ok() : miss)), clock.now())
    endpoint = round.records[0]!
    if (round.changed.length) changes.push([clock.now() - T0, endpoint.status])
    clock.schedule(HEALTH_CHECK_INTERVAL_MS, () => void tick())
  }
  clock.schedule(HEALTH_CHECK_INTERVAL_MS, () => void tick())
  await clock.advance(60_000)
  alive = false
  await clock.advance(60_000)
  alive = true
  await clock.advance(30_000)
  t.same(changes, [[30_000, 'healthy'], [120_000, 'unhealthy'], [150_000, 'healthy']])
})
