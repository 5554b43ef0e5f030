// The two registry actors on their own (real LMDB temp dirs, virtual clock, fake Ollama on
// 127.0.0.1), and the router hook without a registry / with an empty one.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { Actor, createTestSystem, type ActorSystem, type VirtualClock } from '../../actors/runtime'
import { openStorage, type Storage } from '../../storage'
import { ACTOR, TOPIC } from '../../actors/names'
import { LlmRegistryActor, type RegisterReply, type RemoveReply, type RoutingInputs } from '../../actors/llm-registry/actor'
import { RepoRegistryActor, type RepoReply } from '../../actors/repo-registry/actor'
import { createRouterHook } from '../../actors/routing/router-hook'
import type { EndpointRecord } from '../../actors/llm-registry/endpoint'
import type { Task } from '../../actors/task-queue/task'
import { refusedPort, startFakeOllamaHealth } from '../llm-registry/fake-ollama-health'

interface World {
  system: ActorSystem
  clock: VirtualClock
  storage: Storage
  events: Array<{ topic: string; event: Record<string, unknown> }>
  stop(): Promise<void>
}

async function world(tt: Test, dataDir?: string): Promise<World & { dataDir: string }> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'agentcom-registries-'))
  if (!dataDir) tt.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const storage = openStorage({ dataDir: dir })
  const ts = createTestSystem()
  const events: World['events'] = []
  for (const topic of [TOPIC.llmRegistry, TOPIC.repoRegistry]) ts.system.bus.subscribe(topic, (e) => void events.push({ topic, event: e as Record<string, unknown> }))
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await ts.shutdown()
    await storage.close()
  }
  tt.teardown(stop)
  return { system: ts.system, clock: ts.clock, storage, events, stop, dataDir: dir }
}

t.test('llm-registry: registration sources, errors, removal, events, restart resets status', async (tt) => {
  const fake = await startFakeOllamaHealth({ models: ['m1'] })
  tt.teardown(() => fake.close())
  const w = await world(tt)
  const reg = await w.system.spawn(LlmRegistryActor, { storage: w.storage }, { name: ACTOR.llmRegistry })

  const bad = await reg.call<RegisterReply>({ type: 'register', host: '', port: 1 })
  tt.match(bad, { ok: false, error: 'invalid_params' })
  tt.match(await reg.call<RegisterReply>({ type: 'register', host: 'h', port: 70000 }), { ok: false, error: 'invalid_params' })
  tt.match(await reg.call<RegisterReply>({ type: 'register_local', agent_id: 'a', ollama_url: 'ftp://x' }), { ok: false, error: 'invalid_ollama_url' })
  tt.match(await reg.call<RegisterReply>({ type: 'register_local', agent_id: '', ollama_url: 'http://x' }), { ok: false, error: 'invalid_params' })
  tt.equal(w.events.length, 0, 'refusals announce nothing')

  // a loopback ollama_url from a remote sidecar names the sidecar's host
  const remote = await reg.call<RegisterReply>({ type: 'register_local', agent_id: 'far', ollama_url: 'http://localhost:11434', peer_address: '::ffff:10.1.2.3' })
  tt.match(remote, { ok: true, endpoint: { id: '10.1.2.3:11434', source: 'auto', name: 'far-local', host_agents: ['far'] } })
  // the same agent reporting another URL moves its host link
  const moved = await reg.call<RegisterReply>({ type: 'register_local', agent_id: 'far', ollama_url: `http://${fake.host}:${fake.port}` })
  tt.ok(moved.ok)
  tt.same((await reg.call<EndpointRecord>({ type: 'get', id: '10.1.2.3:11434' })).host_agents, [])

  const manual = await reg.call<RegisterReply>({ type: 'register', host: `http://${fake.host}:${fake.port}/`, name: 'mine' })
  tt.match(manual, { ok: true, endpoint: { id: `${fake.host}:${fake.port}`, source: 'manual', name: 'mine', host_agents: ['far'] } })
  tt.ok(w.events.every((e) => e.event.type === 'llm_registry_update' && e.event.detail === 'endpoint_changed'))

  const after = await reg.call<EndpointRecord[]>({ type: 'check_now' })
  tt.equal(after.find((e) => e.id === `${fake.host}:${fake.port}`)?.status, 'healthy')
  tt.same(after.find((e) => e.id === `${fake.host}:${fake.port}`)?.models, ['m1'])

  tt.match(await reg.call<RemoveReply>({ type: 'remove', id: '10.1.2.3:11434' }), { ok: true })
  tt.match(await reg.call<RemoveReply>({ type: 'remove', id: '10.1.2.3:11434' }), { ok: false, error: 'not_found' })

  // restart: records kept, statuses reset to unknown until the start-up round
  await w.stop()
  const w2 = await world(tt, w.dataDir)
  const reg2 = await w2.system.spawn(LlmRegistryActor, { storage: w2.storage, probe: () => new Promise(() => {}) }, { name: ACTOR.llmRegistry })
  const list = await reg2.call<EndpointRecord[]>({ type: 'list' })
  tt.same(list.map((e) => [e.id, e.status, e.name]), [[`${fake.host}:${fake.port}`, 'unknown', 'mine']])
  tt.same(list[0]!.models, ['m1'], 'models survive the restart')
})

t.test('llm-registry: start-up round, 30 s rounds against a refused port, never blocks readers', async (tt) => {
  const port = await refusedPort()
  const w = await world(tt)
  let probes = 0
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const reg = await w.system.spawn(
    LlmRegistryActor,
    {
      storage: w.storage,
      probe: async () => {
        probes++
        await gate
        return { ok: false, reason: 'connection_refused', detail: 'refused', latency_ms: 0 }
      },
    },
    { name: ACTOR.llmRegistry },
  )
  await reg.call({ type: 'register', host: '127.0.0.1', port })
  tt.equal(probes, 1, 'probed right after registration')
  // a hung probe does not block readers
  const inputs = await reg.call<RoutingInputs>({ type: 'routing_inputs' }, { timeoutMs: 500 })
  tt.equal(inputs.endpoints.length, 1)
  release()
  await w.clock.advance(30_000)
  await w.clock.settle()
  tt.ok(probes >= 2, 'the 30 s tick probes again')
})

t.test('repo-registry: operations persist, announce, trigger the scheduler, survive restart', async (tt) => {
  const w = await world(tt)
  const triggers: string[] = []
  class SchedulerStub extends Actor<never, { type: 'trigger'; reason?: string }> {
    override handleCast(msg: { type: 'trigger'; reason?: string }): void {
      triggers.push(String(msg.reason))
    }
  }
  await w.system.spawn(SchedulerStub, undefined, { name: ACTOR.scheduler })
  const repos = await w.system.spawn(RepoRegistryActor, { storage: w.storage }, { name: ACTOR.repoRegistry })
  const a = await repos.call<RepoReply>({ type: 'add', url: 'https://github.com/o/a', added_by: 'dash' })
  const b = await repos.call<RepoReply>({ type: 'add', url: 'https://gitlab.com/o/a' })
  tt.match(a, { ok: true, repo: { id: 'o-a', added_by: 'dash' } })
  tt.match(b, { ok: true, repo: { id: 'gitlab.com-o-a', added_by: 'admin' } })
  tt.match(await repos.call<RepoReply>({ type: 'add', url: 'https://github.com/o/a.git' }), { ok: false, error: 'already_exists' })
  tt.match(await repos.call<RepoReply>({ type: 'add', url: 42 }), { ok: false, error: 'invalid_url' })
  tt.match(await repos.call<RepoReply>({ type: 'move_up', repo_id: 'nope' }), { ok: false, error: 'not_found' })
  await repos.call({ type: 'pause', repo_id: 'o-a' })
  tt.same(await repos.call({ type: 'paused_repos' }), ['https://github.com/o/a'])
  tt.equal(await repos.call({ type: 'top_active_repo' }), 'https://gitlab.com/o/a')
  await repos.call({ type: 'move_down', repo_id: 'o-a' })
  await repos.call({ type: 'unpause', repo_id: 'o-a' })
  await w.clock.settle()
  tt.same(triggers, ['repo_add', 'repo_add', 'repo_pause', 'repo_move_down', 'repo_unpause'])
  tt.equal(w.events.filter((e) => e.topic === TOPIC.repoRegistry).length, 5, 'one update per successful operation')
  tt.ok(w.events.every((e) => e.event.type === 'repo_registry_update' && e.event.detail === 'changed'))

  await w.stop()
  const w2 = await world(tt, w.dataDir)
  const repos2 = await w2.system.spawn(RepoRegistryActor, { storage: w2.storage }, { name: ACTOR.repoRegistry })
  const list = await repos2.call<Array<{ id: string; status: string }>>({ type: 'list' })
  tt.same(list.map((r) => [r.id, r.status]), [['gitlab.com-o-a', 'active'], ['o-a', 'active']])
})

t.test('router hook: no registry → no decision; empty registry → standard undecided, others routed', async (tt) => {
  const w = await world(tt)
  const hook = createRouterHook()
  hook.attach({ system: w.system, clock: w.clock, publish: (topic, event) => w.system.bus.publish(topic, event) })
  const task = (tier: string) => ({ id: `t-${tier}`, repo: null, complexity: { effective_tier: tier, explicit_tier: tier, source: 'explicit', inferred: null } }) as unknown as Task
  await hook.beginPass(w.clock.now())
  tt.same(hook.route(task('complex'), w.clock.now()), { action: 'assign', decision: null }, 'no registry: v1.1 behaviour')

  await w.system.spawn(LlmRegistryActor, { storage: w.storage }, { name: ACTOR.llmRegistry })
  await hook.beginPass(w.clock.now())
  tt.same(hook.route(task('standard'), w.clock.now()), { action: 'assign', decision: null }, 'no endpoint at all: standard undecided')
  const complex = hook.route(task('complex'), w.clock.now())
  tt.match(complex, { action: 'assign', decision: { target_type: 'claude', selected_endpoint: 'claude_api' } })
  const trivial = hook.route(task('trivial'), w.clock.now())
  tt.match(trivial, { action: 'assign', decision: { target_type: 'sidecar', estimated_cost_tier: 'free' } })
  tt.equal(hook.pending().length, 0)
})
