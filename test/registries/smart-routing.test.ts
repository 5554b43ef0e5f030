// The registries plugged into the real `tasks` tree (task queue + FSMs + scheduler with the
// router hook) on a virtual clock, a real LMDB temp dir and a fake Ollama on 127.0.0.1:
// health flips, fallback then escalation to Claude, paused repos, resource-driven choices.
import t from 'tap'
import { startPipeline, eventually, type Pipeline } from '../pipeline-actors/harness'
import { startFakeOllamaHealth, type FakeOllamaHealth } from '../llm-registry/fake-ollama-health'
import { startSupervisor } from '../../supervisors'
import { registriesTree } from '../../supervisors/trees/registries-tree'
import { ACTOR } from '../../actors/names'
import type { EndpointRecord } from '../../actors/llm-registry/endpoint'
import type { RegisterReply } from '../../actors/llm-registry/actor'
import type { RepoReply } from '../../actors/repo-registry/actor'
import type { RoutingDecision } from '../../actors/task-queue/task'
import type { Test } from 'tap'

async function withRegistries(tt: Test): Promise<Pipeline> {
  const p = await startPipeline(tt, { scheduler: true })
  await startSupervisor(p.system, { name: 'registries-root', children: [registriesTree({ storage: p.storage, llm: { probeTimeoutMs: 1000 } })] })
  return p
}

async function fakeOllama(tt: Test, models = ['qwen2.5-coder:7b']): Promise<FakeOllamaHealth> {
  const fake = await startFakeOllamaHealth({ models })
  tt.teardown(() => fake.close())
  return fake
}

const llm = (p: Pipeline) => p.system.byName(ACTOR.llmRegistry)
const repos = (p: Pipeline) => p.system.byName(ACTOR.repoRegistry)
const endpoint = (p: Pipeline, id: string) => llm(p).call<EndpointRecord | null>({ type: 'get', id })
const decisionOf = (p: Pipeline, taskId: string) => p.stored(taskId)?.routing_decision as RoutingDecision | null | undefined

async function waitForEndpoint(p: Pipeline, id: string, check: (e: EndpointRecord) => boolean, what: string): Promise<EndpointRecord> {
  let last: EndpointRecord | null = null
  await eventually(() => {
    void endpoint(p, id).then((e) => (last = e))
    return last !== null && check(last)
  }, what)
  return last!
}

t.test('health flips after two misses, routing falls back, escalates to Claude, recovers at once', async (tt) => {
  const p = await withRegistries(tt)
  const fake = await fakeOllama(tt)
  const reg = await llm(p).call<RegisterReply>({ type: 'register', host: fake.host, port: fake.port, name: 'box' })
  tt.ok(reg.ok)
  const id = `${fake.host}:${fake.port}`
  // probed right after registration, not 30 s later
  await waitForEndpoint(p, id, (e) => e.status === 'healthy', 'healthy after registration')

  await p.connect('a1', [], { autoWork: true })
  const first = await p.submit({ description: 'refactor the parser module', complexity_tier: 'standard' })
  await eventually(() => p.sessions.get('a1')?.completed.includes(first.id), 'first task done')
  const d1 = decisionOf(p, first.id)!
  tt.equal(d1.target_type, 'ollama')
  tt.equal(d1.selected_endpoint, id)
  tt.equal(d1.selected_model, 'qwen2.5-coder:7b')
  tt.equal(d1.fallback_used, false)

  // the fake goes down mid-test
  fake.knobs.tagsStatus = 500
  await p.clock.advance(30_000)
  const miss1 = await waitForEndpoint(p, id, (e) => e.consecutive_failures === 1, 'first miss')
  tt.equal(miss1.status, 'healthy', 'one miss is tolerated')
  await p.clock.advance(30_000)
  const down = await waitForEndpoint(p, id, (e) => e.status === 'unhealthy', 'unhealthy after two misses')
  tt.equal(down.consecutive_failures, 2)
  tt.match(down.last_error, /http_500/)

  const second = await p.submit({ description: 'refactor the lexer module', complexity_tier: 'standard' })
  await p.settle()
  tt.equal(p.stored(second.id)?.status, 'queued', 'waits while no Ollama endpoint is healthy')
  const waits = p.telemetry.filter((e) => e.event === 'agent_com.scheduler.route' && e.metadata.task_id === second.id)
  tt.ok(waits.length >= 1, 'route telemetry for the waiting task')
  tt.equal(waits[0]!.metadata.fallback_used, true)

  await p.clock.advance(5_000)
  await eventually(() => p.sessions.get('a1')?.completed.includes(second.id), 'escalated task done')
  const d2 = decisionOf(p, second.id)!
  tt.equal(d2.target_type, 'claude')
  tt.equal(d2.effective_tier, 'complex')
  tt.equal(d2.fallback_used, true)
  tt.equal(d2.fallback_from_tier, 'standard')
  tt.equal(d2.fallback_reason, 'no_healthy_ollama_endpoints')
  tt.ok(p.telemetry.some((e) => e.event === 'agent_com.scheduler.fallback' && e.metadata.task_id === second.id && e.measurements.wait_ms === 5000))
  const snapshot = await llm(p).call<{ endpoints: EndpointRecord[] }>({ type: 'snapshot' })
  tt.equal(snapshot.endpoints.find((e) => e.id === id)?.status, 'unhealthy', 'the registry shows it')

  // recovery is immediate on the first success
  fake.knobs.tagsStatus = 200
  const after = await llm(p).call<EndpointRecord[]>({ type: 'check_now' })
  tt.equal(after.find((e) => e.id === id)?.status, 'healthy')
  const third = await p.submit({ description: 'refactor the emitter module', complexity_tier: 'standard' })
  await eventually(() => p.sessions.get('a1')?.completed.includes(third.id), 'third task done')
  tt.equal(decisionOf(p, third.id)!.selected_endpoint, id)
})

t.test('paused repo tasks wait and resume on unpause; nil repo inherits the top active repo', async (tt) => {
  const p = await withRegistries(tt)
  const added = await repos(p).call<RepoReply>({ type: 'add', url: 'https://github.com/acme/widgets.git/', added_by: 'admin' })
  tt.ok(added.ok)
  if (!added.ok) return
  tt.equal(added.repo.url, 'https://github.com/acme/widgets')
  await p.settle()
  const inherited = await p.submit({ description: 'echo hi', complexity_tier: 'trivial' })
  tt.equal(inherited.repo, 'https://github.com/acme/widgets', 'nil repo inherits the top active repo')

  await repos(p).call({ type: 'pause', repo_id: added.repo.id })
  const held = await p.submit({ description: 'echo held', complexity_tier: 'trivial', repo: 'https://github.com/acme/widgets' })
  const free = await p.submit({ description: 'echo free', complexity_tier: 'trivial', repo: 'https://github.com/acme/other' })
  await p.connect('a1', [], { autoWork: true })
  await eventually(() => p.sessions.get('a1')?.completed.includes(free.id), 'ad-hoc repo task runs')
  await p.settle()
  tt.equal(p.stored(held.id)?.status, 'queued', 'paused repo task waits')
  tt.equal(p.stored(inherited.id)?.status, 'queued', 'inherited task waits too')
  tt.equal(decisionOf(p, free.id)?.target_type, 'sidecar')

  const unpaused = await repos(p).call<RepoReply>({ type: 'unpause', repo_id: added.repo.id })
  tt.ok(unpaused.ok)
  // no other event: the registry's trigger alone starts the pass
  await eventually(() => p.sessions.get('a1')?.completed.includes(held.id) && p.sessions.get('a1')?.completed.includes(inherited.id), 'paused tasks resume')
})

t.test('a resource_report drives the routing choice end to end', async (tt) => {
  const p = await withRegistries(tt)
  const fakeA = await fakeOllama(tt)
  const fakeB = await fakeOllama(tt)
  // two sidecars report their Ollama (as identify/ollama_report do)
  await llm(p).call({ type: 'register_local', agent_id: 'host-a', ollama_url: `http://${fakeA.host}:${fakeA.port}` })
  await llm(p).call({ type: 'register_local', agent_id: 'host-b', ollama_url: `http://${fakeB.host}:${fakeB.port}` })
  const idA = `${fakeA.host}:${fakeA.port}`
  const idB = `${fakeB.host}:${fakeB.port}`
  await llm(p).call({ type: 'check_now' })

  const busy = { cpu_percent: 95, ram_used_bytes: 15e9, ram_total_bytes: 16e9, vram_used_bytes: 7.5e9, vram_total_bytes: 8e9 }
  const idle = { cpu_percent: 5, ram_used_bytes: 2e9, ram_total_bytes: 64e9, vram_used_bytes: 1e9, vram_total_bytes: 24e9 }
  llm(p).cast({ type: 'resource_report', agent_id: 'host-a', report: busy })
  llm(p).cast({ type: 'resource_report', agent_id: 'host-b', report: idle })
  await p.settle()

  await p.connect('host-a', [], { autoWork: true })
  const t1 = await p.submit({ description: 'refactor the parser module', complexity_tier: 'standard' })
  await eventually(() => p.sessions.get('host-a')?.completed.includes(t1.id), 't1 done')
  tt.equal(decisionOf(p, t1.id)!.selected_endpoint, idB, 'the idle host wins')
  tt.equal(decisionOf(p, t1.id)!.candidate_count, 2)

  llm(p).cast({ type: 'resource_report', agent_id: 'host-a', report: idle })
  llm(p).cast({ type: 'resource_report', agent_id: 'host-b', report: busy })
  await p.settle()
  const t2 = await p.submit({ description: 'refactor the lexer module', complexity_tier: 'standard' })
  await eventually(() => p.sessions.get('host-a')?.completed.includes(t2.id), 't2 done')
  tt.equal(decisionOf(p, t2.id)!.selected_endpoint, idA, 'the new report flips the choice')

  // resources go stale: swept after 90 s without a report
  await p.clock.advance(150_000)
  await p.settle()
  const snap = await llm(p).call<{ resources: Record<string, unknown> }>({ type: 'snapshot' })
  tt.same(Object.keys(snap.resources), [], 'stale resources swept')
})
