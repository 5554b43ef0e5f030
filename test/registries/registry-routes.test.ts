// §11.3 registry routes over real HTTP on a real hub (start-hub, 127.0.0.1:0, temp LMDB): admin
// token 200/201, agent token 403, no token 401; error mapping; identify's ollama_url
// auto-registration; both registries survive a hub restart.
import t from 'tap'
import { KINDS, connectAgent, createToken, eventually, http, startTestHub } from '../hub/harness'
import { startFakeOllamaHealth } from '../llm-registry/fake-ollama-health'

const kind = KINDS[0]!

t.test('registry routes: auth, shapes, errors, auto-registration, restart', async (tt) => {
  const fake = await startFakeOllamaHealth({ models: ['qwen2.5-coder:7b', 'llama3:8b'] })
  tt.teardown(() => fake.close())
  const hub = await startTestHub(tt, kind)
  const admin = hub.adminToken
  const agentToken = await createToken(hub, 'worker-1')
  const id = `${fake.host}:${fake.port}`

  // auth: admin only
  tt.equal((await http(hub.port, 'GET', '/api/admin/llm-registry')).status, 401)
  const forbidden = await http(hub.port, 'GET', '/api/admin/llm-registry', { token: agentToken })
  tt.equal(forbidden.status, 403)
  tt.same(forbidden.body, { error: 'forbidden', detail: 'admin token required' })
  tt.equal((await http(hub.port, 'POST', '/api/admin/repo-registry', { token: agentToken, body: { url: 'https://github.com/a/b' } })).status, 403)
  tt.equal((await http(hub.port, 'GET', '/api/admin/llm-registry', { token: admin })).status, 200)

  // LLM registry
  const created = await http(hub.port, 'POST', '/api/admin/llm-registry', { token: admin, body: { host: fake.host, port: fake.port, name: 'gpu-box' } })
  tt.equal(created.status, 201)
  tt.match(created.body, { id, host: fake.host, port: fake.port, name: 'gpu-box', source: 'manual' })
  tt.equal((await http(hub.port, 'POST', '/api/admin/llm-registry', { token: admin, body: { port: 1 } })).status, 422, 'schema applied: host required')
  const badHost = await http(hub.port, 'POST', '/api/admin/llm-registry', { token: admin, body: { host: 'a b/c' } })
  tt.equal(badHost.status, 400)
  tt.equal(badHost.body.error, 'invalid_params')
  await eventually(async () => (await http(hub.port, 'GET', `/api/admin/llm-registry/${id}`, { token: admin })).body?.status === 'healthy', 3000, 'probed after registration')
  const snap = await http(hub.port, 'GET', '/api/admin/llm-registry/snapshot', { token: admin })
  tt.equal(snap.status, 200, 'snapshot wins over /:id')
  tt.same(snap.body.fleet_models, { 'llama3:8b': 1, 'qwen2.5-coder:7b': 1 })
  tt.same((await http(hub.port, 'GET', '/api/admin/llm-registry/nope:1', { token: admin })).body, { error: 'endpoint_not_found' })
  tt.equal((await http(hub.port, 'DELETE', '/api/admin/llm-registry/nope:1', { token: admin })).status, 404)

  // identify with ollama_url registers the agent's endpoint (auto)
  const other = await startFakeOllamaHealth({ models: ['phi3'] })
  tt.teardown(() => other.close())
  await connectAgent(tt, hub, 'worker-1', agentToken, { ollama_url: `http://127.0.0.1:${other.port}` })
  const autoId = `127.0.0.1:${other.port}`
  await eventually(async () => (await http(hub.port, 'GET', `/api/admin/llm-registry/${autoId}`, { token: admin })).status === 200, 3000, 'auto registration')
  const auto = await http(hub.port, 'GET', `/api/admin/llm-registry/${autoId}`, { token: admin })
  tt.match(auto.body, { source: 'auto', name: 'worker-1-local', host_agents: ['worker-1'] })
  const removed = await http(hub.port, 'DELETE', `/api/admin/llm-registry/${autoId}`, { token: admin })
  tt.same(removed.body, { status: 'removed', id: autoId })

  // repo registry
  const r1 = await http(hub.port, 'POST', '/api/admin/repo-registry', { token: admin, body: { url: 'https://github.com/acme/one.git' } })
  tt.equal(r1.status, 201)
  tt.match(r1.body, { id: 'acme-one', url: 'https://github.com/acme/one', status: 'active', added_by: 'admin' })
  const r2 = await http(hub.port, 'POST', '/api/admin/repo-registry', { token: admin, body: { url: 'https://github.com/acme/two', name: 'Two' } })
  tt.equal(r2.status, 201)
  const dup = await http(hub.port, 'POST', '/api/admin/repo-registry', { token: admin, body: { url: 'https://github.com/acme/one/' } })
  tt.equal(dup.status, 409)
  tt.same(dup.body, { error: 'repo_already_registered' })
  tt.equal((await http(hub.port, 'POST', '/api/admin/repo-registry', { token: admin, body: { name: 'x' } })).status, 422)
  tt.equal((await http(hub.port, 'POST', '/api/admin/repo-registry', { token: admin, body: { url: 'https://github.com/acme/three', name: '../etc' } })).status, 422)
  const up = await http(hub.port, 'PUT', '/api/admin/repo-registry/acme-two/move-up', { token: admin })
  tt.equal(up.status, 200)
  tt.same(up.body.repos.map((r: { id: string }) => r.id), ['acme-two', 'acme-one'])
  const down = await http(hub.port, 'PUT', '/api/admin/repo-registry/acme-two/move-down', { token: admin })
  tt.same(down.body.repos.map((r: { id: string }) => r.id), ['acme-one', 'acme-two'])
  tt.same((await http(hub.port, 'PUT', '/api/admin/repo-registry/acme-one/pause', { token: admin })).body, { status: 'paused' })
  tt.same((await http(hub.port, 'PUT', '/api/admin/repo-registry/acme-two/pause', { token: admin })).body, { status: 'paused' })
  tt.same((await http(hub.port, 'PUT', '/api/admin/repo-registry/acme-two/unpause', { token: admin })).body, { status: 'active' })
  const unknown = await http(hub.port, 'PUT', '/api/admin/repo-registry/ghost/pause', { token: admin })
  tt.equal(unknown.status, 404)
  tt.same(unknown.body, { error: 'not_found' })
  tt.same((await http(hub.port, 'DELETE', '/api/admin/repo-registry/ghost', { token: admin })).body, { error: 'not_found' })
  const third = await http(hub.port, 'POST', '/api/admin/repo-registry', { token: admin, body: { url: 'https://github.com/acme/three' } })
  tt.same((await http(hub.port, 'DELETE', `/api/admin/repo-registry/${third.body.id}`, { token: admin })).body, { status: 'removed' })

  // restart on the same data dir: both registries are still there
  await hub.running.close()
  const again = await startTestHub(tt, kind, { dataDir: hub.dataDir, adminToken: admin })
  const endpoints = await http(again.port, 'GET', '/api/admin/llm-registry', { token: admin })
  tt.same(endpoints.body.endpoints.map((e: { id: string }) => e.id), [id])
  tt.equal(endpoints.body.endpoints[0].name, 'gpu-box')
  const repos = await http(again.port, 'GET', '/api/admin/repo-registry', { token: admin })
  tt.same(
    repos.body.repos.map((r: { id: string; status: string }) => [r.id, r.status]),
    [['acme-one', 'paused'], ['acme-two', 'active']],
  )
})
