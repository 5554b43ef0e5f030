import t, { type Test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import {
  classificationReason,
  CLAUDE_ENDPOINT,
  fallbackClassificationReason,
  fallbackDown,
  fallbackUp,
  modelFor,
  pickAgentForDecision,
  resolveTier,
  route,
  type RouteResult,
} from '../../actors/routing/tier-router'
import { FallbackTimers } from '../../actors/routing/fallback-timers'
import { classifyComplexity } from '../../actors/routing/complexity'
import type { EndpointRecord, EndpointStatus } from '../../actors/llm-registry/endpoint'
import type { ResourceEntry } from '../../actors/llm-registry/host-resources'
import { RoutingDecisionSchema as StoredDecisionSchema } from '../../actors/task-queue/task'
import {
  AssignRoutingDecisionSchema,
  RoutingDecisionSchema as WireDecisionSchema,
  toAssignRoutingDecision,
} from '../../relay/protocol/ws-outbound'
import { VirtualClock } from '../../actors/runtime/clock'

const T0 = 1_700_000_000_000
const FOURTEEN = 'Add a new endpoint that returns the list of active users sorted by name'

function endpoint(id: string, status: EndpointStatus = 'healthy', models = ['llama3.2:latest', 'qwen2.5-coder:7b'], hostAgents: string[] = []): EndpointRecord {
  const at = id.lastIndexOf(':')
  return {
    id, host: id.slice(0, at), port: Number(id.slice(at + 1)), name: null, source: 'manual', status, models,
    registered_at: T0, last_checked_at: T0, consecutive_failures: 0, host_agents: hostAgents, loaded_models: [], last_error: null,
  }
}

function resource(cpu: number): ResourceEntry {
  return { cpu_percent: cpu, ram_used_bytes: null, ram_total_bytes: null, vram_used_bytes: null, vram_total_bytes: null, source_agent_id: null, reported_at: T0, repo: null }
}

const trivialTask = { complexity: classifyComplexity({ description: 'fix typo in readme' }) }
const standardTask = { complexity: classifyComplexity({ description: FOURTEEN, file_hints: [{ path: 'a' }, { path: 'b' }] }) }
const complexTask = { complexity: classifyComplexity({ description: 'refactor the authentication architecture' }) }

function assigned(r: RouteResult) {
  if (r.action !== 'assign') throw new Error(`expected assign, got ${r.action}`)
  return r
}

function checkWireShapes(t: Test, d: unknown) {
  t.ok(Value.Check(StoredDecisionSchema, d), 'fits the stored task schema')
  t.ok(Value.Check(WireDecisionSchema, d), 'fits the 11-field wire schema')
  t.ok(Value.Check(AssignRoutingDecisionSchema, toAssignRoutingDecision(d as never)), 'its 8-field task_assign form is valid')
}

t.test('tier resolution and the one-step chains', async (t) => {
  t.equal(resolveTier({ effective_tier: 'trivial' }), 'trivial')
  t.equal(resolveTier({ effective_tier: 'standard' }), 'standard')
  t.equal(resolveTier({ effective_tier: 'complex' }), 'complex')
  t.equal(resolveTier({ effective_tier: 'unknown' }), 'standard')
  t.equal(resolveTier(null), 'standard')
  t.equal(resolveTier(undefined), 'standard')
  t.same([fallbackUp('trivial'), fallbackUp('standard'), fallbackUp('complex')], ['standard', 'complex', null])
  t.same([fallbackDown('complex'), fallbackDown('standard'), fallbackDown('trivial')], ['standard', 'trivial', null])
})

t.test('trivial → sidecar, exact decision', async (t) => {
  const r = assigned(route(trivialTask, [endpoint('h:1')], {}, { now: T0 }))
  t.same(r.decision, {
    effective_tier: 'trivial', target_type: 'sidecar', selected_endpoint: null, selected_model: null,
    fallback_used: false, fallback_from_tier: null, fallback_reason: null, candidate_count: 0,
    classification_reason: 'inferred:trivial (confidence 0.90, word_count=4, files=0)', estimated_cost_tier: 'free', decided_at: T0,
  })
  t.same(r.scores, [])
  checkWireShapes(t, r.decision)
})

t.test('complex → claude, exact decision (no endpoints needed)', async (t) => {
  const r = assigned(route(complexTask, [], {}, { now: T0 }))
  t.same(r.decision, {
    effective_tier: 'complex', target_type: 'claude', selected_endpoint: CLAUDE_ENDPOINT, selected_model: 'claude',
    fallback_used: false, fallback_from_tier: null, fallback_reason: null, candidate_count: 0,
    classification_reason: 'inferred:complex (confidence 0.70, word_count=4, files=0)', estimated_cost_tier: 'api', decided_at: T0,
  })
  checkWireShapes(t, r.decision)
})

t.test('standard → best healthy endpoint with models', async (t) => {
  const endpoints = [
    endpoint('10.0.0.1:11434', 'healthy', ['llama3.2:latest'], ['busy']),
    endpoint('10.0.0.2:11434', 'unhealthy', ['llama3.2:latest'], ['idle-but-down']),
    endpoint('10.0.0.3:11434', 'unknown', ['llama3.2:latest']),
    endpoint('10.0.0.4:11434', 'healthy', [], ['no-models']),
    endpoint('10.0.0.5:11434', 'healthy', ['mistral:7b', 'qwen2.5-coder:7b'], ['quiet']),
  ]
  const resources = { busy: resource(90), 'idle-but-down': resource(0), 'no-models': resource(0), quiet: resource(10) }
  const r = assigned(route(standardTask, endpoints, resources, { now: T0 }))
  t.same(r.decision, {
    effective_tier: 'standard', target_type: 'ollama', selected_endpoint: '10.0.0.5:11434', selected_model: 'mistral:7b',
    fallback_used: false, fallback_from_tier: null, fallback_reason: null, candidate_count: 2,
    classification_reason: 'inferred:standard (confidence 0.67, word_count=14, files=2)', estimated_cost_tier: 'local', decided_at: T0,
  })
  t.same(r.scores.map((s) => s.endpoint_id), ['10.0.0.5:11434', '10.0.0.1:11434'], 'only routable endpoints are scored')
  checkWireShapes(t, r.decision)

  const withDefault = assigned(route(standardTask, endpoints, resources, { now: T0, defaultModel: 'qwen2.5-coder:7b' }))
  t.equal(withDefault.decision.selected_model, 'qwen2.5-coder:7b', 'the configured default model is preferred when present')
  t.equal(modelFor({ models: ['a', 'b'] }, 'c'), 'a', 'otherwise the first model')

  const noResources = assigned(route(standardTask, endpoints, {}, { now: T0 }))
  t.equal(noResources.decision.selected_endpoint, '10.0.0.1:11434', 'without resources the first candidate wins')

  const unknownTier = assigned(route({ complexity: classifyComplexity({}) }, endpoints, resources, { now: T0 }))
  t.equal(unknownTier.decision.effective_tier, 'standard')
  t.equal(unknownTier.decision.classification_reason, 'inferred:unknown (confidence 0.00, word_count=0, files=0)')

  const none = assigned(route({ complexity: null }, endpoints, resources, { now: T0 }))
  t.equal(none.decision.classification_reason, 'none:standard (no complexity data)')
  t.equal(none.decision.target_type, 'ollama')
})

t.test('affinity and warm inputs change the choice', async (t) => {
  const endpoints = [endpoint('a:1', 'healthy', ['llama3.2:latest'], ['a']), endpoint('b:1', 'healthy', ['qwen2.5-coder:7b'], ['b'])]
  const resources = { a: resource(50), b: { ...resource(50), repo: 'https://github.com/o/r' } }
  t.equal(assigned(route({ ...standardTask, repo: 'https://github.com/o/r' }, endpoints, resources, { now: T0 })).decision.selected_endpoint, 'b:1', 'warm workspace wins')
  t.equal(assigned(route(standardTask, endpoints, resources, { now: T0, defaultModel: 'qwen2.5-coder:7b' })).decision.selected_endpoint, 'b:1', 'warm model wins')
  t.equal(assigned(route(standardTask, endpoints, resources, { now: T0 })).decision.selected_endpoint, 'a:1')
})

t.test('fallback: wait 5 s, then escalate to claude with the reason (deviation)', async (t) => {
  const down = [endpoint('h:1', 'unhealthy')]
  const first = route(standardTask, down, {}, { now: T0 })
  if (first.action !== 'wait') throw new Error('expected wait')
  t.same(first.fallback, { original_tier: 'standard', fallback_tier: 'complex', reason: 'no_healthy_ollama_endpoints', since: T0, due_at: T0 + 5_000 })
  t.same(first.telemetry_decision, {
    effective_tier: 'standard', target_type: 'ollama', selected_endpoint: null, selected_model: null,
    fallback_used: true, fallback_from_tier: 'standard', fallback_reason: 'no_healthy_ollama_endpoints', candidate_count: 0,
    classification_reason: 'inferred:standard (confidence 0.67) [fallback from standard: no_healthy_ollama_endpoints]',
    estimated_cost_tier: 'local', decided_at: T0,
  }, 'the original fallback decision, for telemetry')

  const still = route(standardTask, down, {}, { now: T0 + 4_999, fallbackSince: T0 })
  t.equal(still.action, 'wait', 'within the wait')
  t.equal(still.action === 'wait' && still.fallback.due_at, T0 + 5_000, 'the wait is measured from its start')

  const escalated = assigned(route(standardTask, down, {}, { now: T0 + 5_000, fallbackSince: T0 }))
  t.same(escalated.decision, {
    effective_tier: 'complex', target_type: 'claude', selected_endpoint: 'claude_api', selected_model: 'claude',
    fallback_used: true, fallback_from_tier: 'standard', fallback_reason: 'no_healthy_ollama_endpoints', candidate_count: 0,
    classification_reason: 'inferred:standard (confidence 0.67) [fallback from standard: no_healthy_ollama_endpoints]',
    estimated_cost_tier: 'api', decided_at: T0 + 5_000,
  })
  t.equal(escalated.fallback?.fallback_tier, 'complex')
  checkWireShapes(t, escalated.decision)

  const custom = route(standardTask, [], {}, { now: T0 + 1_000, fallbackSince: T0, fallbackWaitMs: 1_000 })
  t.equal(custom.action, 'assign', 'fallback_wait_ms is configurable')
  const zero = route(standardTask, [], {}, { now: T0, fallbackWaitMs: 0 })
  t.equal(zero.action, 'assign', 'a zero wait escalates at once')

  const recovered = assigned(route(standardTask, [endpoint('h:1', 'healthy')], {}, { now: T0 + 9_000, fallbackSince: T0 }))
  t.equal(recovered.decision.target_type, 'ollama', 'a healthy endpoint is used even after the wait ran out')
  t.equal(recovered.decision.fallback_used, false)

  const trivialNoEndpoints = assigned(route(trivialTask, [], {}, { now: T0 }))
  t.equal(trivialNoEndpoints.decision.target_type, 'sidecar', 'trivial never falls back')
})

t.test('classification_reason formats', async (t) => {
  const explicit = classifyComplexity({ description: 'rewrite the security layer', complexity_tier: 'trivial' })
  t.equal(classificationReason(explicit), 'explicit:trivial (confidence 0.70, word_count=4, files=0)', 'explicit source shows the inferred confidence and signals')
  t.equal(classificationReason({ source: 'inferred', effective_tier: 'complex' }), 'inferred:complex', 'no inferred part')
  t.equal(classificationReason({ source: 'inferred', effective_tier: 'complex', inferred: { confidence: 0.7999999999999999 } }), 'inferred:complex (confidence 0.80)')
  t.equal(classificationReason(null), 'none:standard (no complexity data)')
  t.equal(fallbackClassificationReason(null, 'standard', 'x'), 'none:standard [fallback from standard: x]')
  t.equal(fallbackClassificationReason({ source: 'explicit', effective_tier: 'standard' }, 'standard', 'x'), 'explicit:standard [fallback from standard: x]')
  t.equal(fallbackClassificationReason(explicit, 'standard', 'x'), 'explicit:trivial (confidence 0.70) [fallback from standard: x]')
})

t.test('agent choice: the agent on the endpoint host first', async (t) => {
  const endpoints = [endpoint('10.0.0.5:11434', 'healthy', ['m'], ['forge', 'anvil'])]
  const agents = [{ agent_id: 'smith' }, { agent_id: 'anvil' }, { agent_id: 'forge' }]
  const ollama = { target_type: 'ollama' as const, selected_endpoint: '10.0.0.5:11434' }
  t.equal(pickAgentForDecision(agents, ollama, endpoints)?.agent_id, 'anvil', 'first capable agent in candidate order that hosts the endpoint')
  t.equal(pickAgentForDecision([{ agent_id: 'smith' }], ollama, endpoints)?.agent_id, 'smith', 'otherwise the first capable agent')
  t.equal(pickAgentForDecision(agents, { target_type: 'claude', selected_endpoint: 'claude_api' }, endpoints)?.agent_id, 'smith')
  t.equal(pickAgentForDecision(agents, { target_type: 'ollama', selected_endpoint: 'gone:1' }, endpoints)?.agent_id, 'smith')
  t.equal(pickAgentForDecision([], ollama, endpoints), undefined)
  const legacy = [{ ...endpoint('10.0.0.6:11434'), source: 'auto' as const, name: 'anvil-local', host_agents: [] }]
  t.equal(pickAgentForDecision(agents, { target_type: 'ollama', selected_endpoint: '10.0.0.6:11434' }, legacy)?.agent_id, 'anvil', 'records without host_agents: by <agent>-local name')
})

t.test('FallbackTimers bookkeeping', async (t) => {
  const timers = new FallbackTimers()
  const first = route(standardTask, [], {}, { now: T0 })
  if (first.action !== 'wait') throw new Error('expected wait')
  const entry = timers.start('task-1', first.fallback)
  t.same(entry, { task_id: 'task-1', original_tier: 'standard', fallback_tier: 'complex', since: T0, due_at: T0 + 5_000 })
  t.equal(timers.start('task-1', { ...first.fallback, since: T0 + 1, due_at: T0 + 5_001 }), null, 'one pending wait per task')
  t.equal(timers.since('task-1'), T0)
  t.equal(timers.since('task-2'), null)
  t.equal(timers.expire('task-1', T0 + 4_999), null, 'not due yet')
  t.same(timers.due(T0 + 4_999), [])
  t.same(timers.due(T0 + 5_000).map((e) => e.task_id), ['task-1'])
  t.same(timers.expire('task-1', T0 + 5_000), { task_id: 'task-1', original_tier: 'standard', fallback_tier: 'complex', wait_ms: 5_000 })
  t.equal(timers.since('task-1'), T0, 'kept after expiry so the next pass escalates')
  t.equal(timers.cancel('task-1'), true)
  t.equal(timers.cancel('task-1'), false)
  t.equal(timers.size, 0)
  t.equal(timers.expire('nope', T0), null)
})

t.test('scheduler-shaped loop on a virtual clock: wait → timer → escalate; or recover within the wait', async (t) => {
  async function run(healthyAfterMs: number | null): Promise<{ decision: RouteResult; at: number }> {
    const clock = new VirtualClock({ start: T0 })
    const timers = new FallbackTimers()
    let endpoints: EndpointRecord[] = [endpoint('h:1', 'unhealthy')]
    let outcome: { decision: RouteResult; at: number } | null = null
    const pass = () => {
      if (outcome) return
      const r = route(standardTask, endpoints, {}, { now: clock.now(), fallbackSince: timers.since('task-1') })
      if (r.action === 'wait') {
        const entry = timers.start('task-1', r.fallback)
        if (entry) clock.schedule(entry.due_at - clock.now(), () => { if (timers.expire('task-1', clock.now())) pass() })
        return
      }
      timers.cancel('task-1')
      outcome = { decision: r, at: clock.now() }
    }
    if (healthyAfterMs !== null) clock.schedule(healthyAfterMs, () => { endpoints = [endpoint('h:1', 'healthy')]; pass() })
    pass()
    await clock.advance(60_000)
    t.equal(timers.size, 0, 'no wait left behind')
    return outcome!
  }
  const escalated = await run(null)
  t.equal(escalated.at, T0 + 5_000, 'escalated exactly when the 5 s wait ran out')
  t.equal(assigned(escalated.decision).decision.target_type, 'claude')
  const recovered = await run(2_000)
  t.equal(recovered.at, T0 + 2_000, 'routed as soon as an endpoint turned healthy')
  t.equal(assigned(recovered.decision).decision.selected_endpoint, 'h:1')
})
