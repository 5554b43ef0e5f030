import t, { type Test } from 'tap'
import { endpointBaseUrl, probeOllama } from '../../actors/llm-registry/health-probe'
import { applyHealthRound, probeAll } from '../../actors/llm-registry/health'
import { registerEndpoint, type EndpointRecord } from '../../actors/llm-registry/endpoint'
import { refusedPort, startFakeOllamaHealth, type FakeOllamaHealth, type HealthKnobs } from './fake-ollama-health'

async function fake(t: Test, knobs: Partial<HealthKnobs> = {}): Promise<FakeOllamaHealth> {
  const f = await startFakeOllamaHealth(knobs)
  t.teardown(() => f.close())
  return f
}

t.test('healthy: models from /api/tags, loaded models from /api/ps', async (t) => {
  const f = await fake(t, { loaded: [{ name: 'qwen2.5-coder:7b', size_vram: 5_000_000_000 }] })
  const r = await probeOllama(f)
  t.match(r, { ok: true, models: ['qwen2.5-coder:7b', 'llama3.2:latest'], loaded: [{ name: 'qwen2.5-coder:7b', size_vram: 5_000_000_000 }] })
  t.same([...f.hits].sort(), ['/api/ps', '/api/tags'])
  t.ok(r.latency_ms >= 0)
})

t.test('an unparseable tags body is still healthy, with no models (as the original)', async (t) => {
  const f = await fake(t, { tagsRawBody: '<html>proxy</html>' })
  t.match(await probeOllama(f), { ok: true, models: [] })
})

t.test('a failing /api/ps does not fail the probe', async (t) => {
  const f = await fake(t, { psStatus: 404 })
  t.match(await probeOllama(f), { ok: true, models: ['qwen2.5-coder:7b', 'llama3.2:latest'], loaded: null })
})

t.test('HTTP 500 on /api/tags is a failure', async (t) => {
  const f = await fake(t, { tagsStatus: 500 })
  t.match(await probeOllama(f), { ok: false, reason: 'http_500' })
})

t.test('a hung server times out (short timeout parameter)', async (t) => {
  const f = await fake(t, { hang: true })
  const started = Date.now()
  const r = await probeOllama(f, { timeoutMs: 150 })
  const took = Date.now() - started
  t.match(r, { ok: false, reason: 'timeout' })
  t.ok(took >= 140 && took < 2_000, `gave up after ~150 ms (${took} ms)`)
})

t.test('a refused connection is a failure, not a throw', async (t) => {
  const port = await refusedPort()
  const r = await probeOllama({ host: '127.0.0.1', port }, { timeoutMs: 2_000 })
  t.match(r, { ok: false, reason: 'connection_refused' })
})

t.test('base URLs', async (t) => {
  t.equal(endpointBaseUrl('127.0.0.1', 11434), 'http://127.0.0.1:11434')
  t.equal(endpointBaseUrl('::1', 11434), 'http://[::1]:11434')
  t.equal(endpointBaseUrl('[::1]', 11434), 'http://[::1]:11434')
})

t.test('a round over real servers: the state machine, a server going down mid-test and recovering', async (t) => {
  const up = await fake(t)
  const flaky = await fake(t)
  const dead = await refusedPort()
  const hung = await fake(t, { hang: true })
  const T0 = 1_700_000_000_000
  let records: EndpointRecord[] = [
    registerEndpoint(undefined, { host: up.host, port: up.port, name: null, source: 'manual', agent_id: null }, T0),
    registerEndpoint(undefined, { host: flaky.host, port: flaky.port, name: null, source: 'manual', agent_id: null }, T0),
    registerEndpoint(undefined, { host: '127.0.0.1', port: dead, name: null, source: 'manual', agent_id: null }, T0),
    registerEndpoint(undefined, { host: hung.host, port: hung.port, name: null, source: 'manual', agent_id: null }, T0),
  ]
  const probe = (e: Pick<EndpointRecord, 'host' | 'port'>) => probeOllama(e, { timeoutMs: 300 })

  let round = applyHealthRound(records, await probeAll(records, probe), T0 + 30_000)
  records = round.records
  t.same(records.map((r) => [r.status, r.consecutive_failures]), [['healthy', 0], ['healthy', 0], ['unknown', 1], ['unknown', 1]])
  t.same(round.changed, [records[0]!.id, records[1]!.id])
  t.same(records[0]!.models, ['qwen2.5-coder:7b', 'llama3.2:latest'])

  flaky.knobs.tagsStatus = 503
  round = applyHealthRound(records, await probeAll(records, probe), T0 + 60_000)
  records = round.records
  t.same(records.map((r) => r.status), ['healthy', 'healthy', 'unhealthy', 'unhealthy'], 'one miss keeps healthy; the second unhealthy')
  t.match(records[1]!.last_error, /^http_503/)

  round = applyHealthRound(records, await probeAll(records, probe), T0 + 90_000)
  records = round.records
  t.equal(records[1]!.status, 'unhealthy', 'second miss: unhealthy')
  t.same(round.changed, [records[1]!.id])

  flaky.knobs.tagsStatus = 200
  round = applyHealthRound(records, await probeAll(records, probe), T0 + 120_000)
  t.equal(round.records[1]!.status, 'healthy', 'immediate recovery on the first success')
  t.equal(round.records[1]!.last_checked_at, T0 + 120_000)
})
