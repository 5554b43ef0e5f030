import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import {
  cleanHost,
  endpointId,
  EndpointRecordSchema,
  hostAgentsOf,
  hostFromPeerAddress,
  isLoopbackHost,
  isRoutable,
  parseAgentRegistration,
  parseManualRegistration,
  parseOllamaUrl,
  registerEndpoint,
  resetForStartup,
  splitEndpointId,
  withoutHostAgent,
  type EndpointRecord,
} from '../../actors/llm-registry/endpoint'
import { applyProbeResult } from '../../actors/llm-registry/health'

const T0 = 1_700_000_000_000

t.test('ids are host:port and split on the last colon', async (t) => {
  t.equal(endpointId('10.0.0.5', 11434), '10.0.0.5:11434')
  t.same(splitEndpointId('10.0.0.5:11434'), { host: '10.0.0.5', port: 11434 })
  t.same(splitEndpointId('[::1]:8080'), { host: '[::1]', port: 8080 })
  t.equal(splitEndpointId('nohost'), null)
  t.equal(splitEndpointId('h:0'), null)
  t.equal(splitEndpointId('h:x'), null)
})

t.test('host cleaning', async (t) => {
  const table: Array<[string, ReturnType<typeof cleanHost>]> = [
    ['gpu-box', { host: 'gpu-box', port: null }],
    ['http://gpu-box/', { host: 'gpu-box', port: null }],
    ['HTTPS://gpu-box//', { host: 'gpu-box', port: null }],
    ['  10.0.0.5  ', { host: '10.0.0.5', port: null }],
    ['gpu-box:8080', { host: 'gpu-box', port: 8080 }],
    ['http://gpu-box:8080/', { host: 'gpu-box', port: 8080 }],
    ['[::1]:11434', { host: '[::1]', port: 11434 }],
    ['[fe80::1]', { host: '[fe80::1]', port: null }],
    ['gpu-box:99999', null],
    ['http://gpu-box/api', null],
    ['gpu box', null],
    ['user@gpu-box', null],
    ['', null],
    ['http://', null],
  ]
  for (const [raw, expected] of table) t.same(cleanHost(raw), expected, JSON.stringify(raw))
})

t.test('manual registration (HTTP / dashboard)', async (t) => {
  t.same(parseManualRegistration({ host: 'http://gpu-box/' }), {
    ok: true, value: { host: 'gpu-box', port: 11434, name: 'gpu-box:11434', source: 'manual', agent_id: null },
  }, 'port defaults to 11434, name to the id')
  t.same(parseManualRegistration({ host: 'gpu-box', port: 8080, name: 'Big GPU' }), {
    ok: true, value: { host: 'gpu-box', port: 8080, name: 'Big GPU', source: 'manual', agent_id: null },
  })
  t.match(parseManualRegistration({ host: 'gpu-box', port: '8080' }), { ok: true, value: { port: 8080 } }, 'a numeric string port is read as a number (same id)')
  t.match(parseManualRegistration({ host: 'gpu-box:9000' }), { ok: true, value: { port: 9000 } })
  t.match(parseManualRegistration({ host: 'gpu-box:9000', port: 9000 }), { ok: true })
  const refusals: unknown[] = [
    {}, { host: '' }, { host: '   ' }, { host: 7 }, { host: 'gpu-box', port: 11434.5 }, { host: 'gpu-box', port: 0 },
    { host: 'gpu-box', port: 70000 }, { host: 'gpu-box', port: 'abc' }, { host: 'gpu-box:9000', port: 9001 },
    { host: 'gpu-box', name: 5 }, { host: 'a/b' }, null, [], 'gpu-box',
  ]
  for (const body of refusals) t.match(parseManualRegistration(body), { ok: false, error: 'invalid_params' }, JSON.stringify(body))
})

t.test('ollama_url parsing (identify / ollama_report)', async (t) => {
  const table: Array<[string, { host: string; port: number }]> = [
    ['http://localhost:11434', { host: 'localhost', port: 11434 }],
    ['http://gpu-box:11434/', { host: 'gpu-box', port: 11434 }],
    ['http://gpu-box', { host: 'gpu-box', port: 80 }],
    ['https://gpu-box', { host: 'gpu-box', port: 443 }],
    ['gpu-box', { host: 'gpu-box', port: 11434 }],
    ['gpu-box:8000', { host: 'gpu-box', port: 8000 }],
    ['http://[::1]:11434', { host: '[::1]', port: 11434 }],
    ['  http://10.1.2.3:11434  ', { host: '10.1.2.3', port: 11434 }],
  ]
  for (const [url, expected] of table) t.same(parseOllamaUrl(url), { ok: true, value: expected }, url)
  for (const bad of ['', '   ', 42, null, 'ftp://gpu-box', 'http://exa mple:1']) {
    t.match(parseOllamaUrl(bad), { ok: false, error: 'invalid_ollama_url' }, JSON.stringify(bad))
  }
})

t.test('a loopback ollama_url from a remote sidecar names the sidecar host (deviation)', async (t) => {
  t.same(parseOllamaUrl('http://localhost:11434', { peerAddress: '10.0.0.5' }), { ok: true, value: { host: '10.0.0.5', port: 11434 } })
  t.same(parseOllamaUrl('http://127.0.0.1:11434', { peerAddress: '::ffff:10.0.0.5' }), { ok: true, value: { host: '10.0.0.5', port: 11434 } })
  t.same(parseOllamaUrl('http://localhost:11434', { peerAddress: 'fe80::2' }), { ok: true, value: { host: '[fe80::2]', port: 11434 } })
  t.same(parseOllamaUrl('http://localhost:11434', { peerAddress: '127.0.0.1' }), { ok: true, value: { host: 'localhost', port: 11434 } }, 'a local sidecar keeps it')
  t.same(parseOllamaUrl('http://localhost:11434', { peerAddress: '::1' }), { ok: true, value: { host: 'localhost', port: 11434 } })
  t.same(parseOllamaUrl('http://gpu-box:11434', { peerAddress: '10.0.0.5' }), { ok: true, value: { host: 'gpu-box', port: 11434 } }, 'a real host name is kept')
  t.same(parseOllamaUrl('http://localhost:11434', { peerAddress: null }), { ok: true, value: { host: 'localhost', port: 11434 } })
  for (const h of ['localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '0.0.0.0', 'box.localhost']) t.ok(isLoopbackHost(h), h)
  for (const h of ['10.0.0.1', 'gpu-box', 'localhost.example.com']) t.notOk(isLoopbackHost(h), h)
  t.equal(hostFromPeerAddress('::ffff:192.168.1.2'), '192.168.1.2')
})

t.test('agent registration: auto, <agent_id>-local, host agent recorded', async (t) => {
  t.same(parseAgentRegistration('forge', 'http://gpu-box:11434'), {
    ok: true, value: { host: 'gpu-box', port: 11434, name: 'forge-local', source: 'auto', agent_id: 'forge' },
  })
  t.match(parseAgentRegistration('forge', 'nope://x'), { ok: false, error: 'invalid_ollama_url' })
})

t.test('registration upsert keeps health; new records start unknown', async (t) => {
  const reg = { host: 'gpu-box', port: 11434, name: 'forge-local', source: 'auto' as const, agent_id: 'forge' }
  const fresh = registerEndpoint(undefined, reg, T0)
  t.same(fresh, {
    id: 'gpu-box:11434', host: 'gpu-box', port: 11434, name: 'forge-local', source: 'auto', status: 'unknown', models: [],
    registered_at: T0, last_checked_at: null, consecutive_failures: 0, host_agents: ['forge'], loaded_models: [], last_error: null,
  })
  t.ok(Value.Check(EndpointRecordSchema, fresh))
  t.notOk(isRoutable(fresh))

  const healthy = applyProbeResult(fresh, { ok: true, models: ['m1'], loaded: [], latency_ms: 1 }, T0 + 10).record
  t.ok(isRoutable(healthy))
  const again = registerEndpoint(healthy, reg, T0 + 20)
  t.equal(again.status, 'healthy', 'a reconnecting sidecar does not make its endpoint un-routable (deviation)')
  t.same(again.models, ['m1'])
  t.equal(again.registered_at, T0)
  t.same(again.host_agents, ['forge'], 'each agent once')

  const second = registerEndpoint(again, { ...reg, name: 'anvil-local', agent_id: 'anvil' }, T0 + 30)
  t.same(second.host_agents, ['forge', 'anvil'])
  t.equal(second.name, 'anvil-local')

  const manual = registerEndpoint(second, { host: 'gpu-box', port: 11434, name: 'Big GPU', source: 'manual', agent_id: null }, T0 + 40)
  t.match(manual, { source: 'manual', name: 'Big GPU', host_agents: ['forge', 'anvil'], status: 'healthy' })
  const autoAfterManual = registerEndpoint(manual, reg, T0 + 50)
  t.match(autoAfterManual, { source: 'manual', name: 'Big GPU' }, 'an auto report never demotes a manual record')

  t.same(withoutHostAgent(second, 'forge').host_agents, ['anvil'])
  t.equal(withoutHostAgent(second, 'nobody'), second)
  t.match(resetForStartup(second), { status: 'unknown', consecutive_failures: 0, models: ['m1'] })
})

t.test('host agents of records stored without them fall back to the <agent>-local name', async (t) => {
  const base = registerEndpoint(undefined, { host: 'h', port: 1, name: 'forge-local', source: 'auto', agent_id: null }, T0)
  t.same(hostAgentsOf(base), ['forge'])
  t.same(hostAgentsOf({ ...base, source: 'manual' }), [], 'a manual name means nothing')
  t.same(hostAgentsOf({ ...base, name: '-local' }), [])
  t.same(hostAgentsOf({ ...base, name: null }), [])
  t.same(hostAgentsOf({ ...base, host_agents: ['anvil'] }), ['anvil'], 'explicit host agents win')
  const legacy = { ...base } as Partial<EndpointRecord>
  delete legacy.host_agents
  t.same(hostAgentsOf(legacy as EndpointRecord), ['forge'], 'older record without the field')
})
