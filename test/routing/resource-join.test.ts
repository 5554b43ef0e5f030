// End to end through the pure pieces, the way the hub wires them: identify.ollama_url →
// endpoint registration, a health success, resource_report frames keyed by the socket's
// agent → a routing choice. The original's tests keyed resources by endpoint id, which is
// why its production key mismatch (every endpoint scoring 0.45) went unnoticed.
import t from 'tap'
import { applyProbeResult } from '../../actors/llm-registry/health'
import { parseAgentRegistration, registerEndpoint, type EndpointRecord } from '../../actors/llm-registry/endpoint'
import { resourceEntryFromReport, sweepStaleResources, withWorkspaceRepo, type HostResources } from '../../actors/llm-registry/host-resources'
import { pickAgentForDecision, route } from '../../actors/routing/tier-router'
import { classifyComplexity } from '../../actors/routing/complexity'
import { validateWsFrame } from '../../relay/protocol/validator'

const T0 = 1_700_000_000_000
const GiB = 1024 ** 3
const task = { complexity: classifyComplexity({ description: 'implement the cache', complexity_tier: 'standard' }), repo: null as string | null }

interface Fleet {
  endpoints: EndpointRecord[]
  resources: HostResources
}

function identify(fleet: Fleet, agentId: string, ollamaUrl: string, peerAddress: string, now: number): void {
  const reg = parseAgentRegistration(agentId, ollamaUrl, { peerAddress })
  if (!reg.ok) throw new Error(reg.detail)
  const id = `${reg.value.host}:${reg.value.port}`
  const at = fleet.endpoints.findIndex((e) => e.id === id)
  let record = registerEndpoint(at >= 0 ? fleet.endpoints[at] : undefined, reg.value, now)
  record = applyProbeResult(record, { ok: true, models: ['qwen2.5-coder:7b'], loaded: [], latency_ms: 3 }, now).record
  if (at >= 0) fleet.endpoints[at] = record
  else fleet.endpoints.push(record)
}

/** The frame as the original sidecar sends it, through the hub's real inbound validator. */
function report(fleet: Fleet, socketAgentId: string, frame: Record<string, unknown>, now: number): void {
  const validated = validateWsFrame(JSON.parse(JSON.stringify(frame)))
  if (!validated.ok || validated.type !== 'resource_report') throw new Error(`rejected: ${JSON.stringify(validated)}`)
  fleet.resources = { ...fleet.resources, [socketAgentId]: resourceEntryFromReport(validated.message, socketAgentId, now, fleet.resources[socketAgentId]) }
}

const frame = (cpu: number, extra: Record<string, unknown> = {}) => ({
  type: 'resource_report', cpu_percent: cpu, ram_used_bytes: 4 * GiB, ram_total_bytes: 16 * GiB,
  vram_used_bytes: null, vram_total_bytes: null, timestamp: T0, ...extra,
})

t.test('resource_report → host resources → endpoint score → routing choice and agent', async (t) => {
  const fleet: Fleet = { endpoints: [], resources: {} }
  // Both sidecars report their own localhost; the hub sees them from different addresses.
  identify(fleet, 'forge', 'http://localhost:11434', '::ffff:10.0.0.5', T0)
  identify(fleet, 'anvil', 'http://localhost:11434', '10.0.0.6', T0)
  t.same(fleet.endpoints.map((e) => [e.id, e.name, e.host_agents]), [
    ['10.0.0.5:11434', 'forge-local', ['forge']],
    ['10.0.0.6:11434', 'anvil-local', ['anvil']],
  ], 'two hosts, two endpoints (the original collapsed both into localhost:11434)')

  // The original sidecar adds its agent_id to the frame; the socket's agent is authoritative.
  report(fleet, 'forge', frame(85, { agent_id: 'spoofed' }), T0 + 1_000)
  report(fleet, 'anvil', frame(15), T0 + 1_000)
  t.same(Object.keys(fleet.resources).sort(), ['anvil', 'forge'], 'stored by agent id')

  const first = route(task, fleet.endpoints, fleet.resources, { now: T0 + 2_000 })
  if (first.action !== 'assign') throw new Error('expected assign')
  t.equal(first.decision.selected_endpoint, '10.0.0.6:11434', 'the less loaded host wins')
  t.ok(first.scores[0]!.score > first.scores[1]!.score, 'scores differ (the original: all 0.45)')
  t.equal(first.scores[0]!.details.load_factor, 0.85)
  const agents = [{ agent_id: 'forge' }, { agent_id: 'anvil' }]
  t.equal(pickAgentForDecision(agents, first.decision, fleet.endpoints)?.agent_id, 'anvil', 'run by the agent on that host')

  // Load shifts: the next report flips the choice.
  report(fleet, 'forge', frame(5), T0 + 31_000)
  report(fleet, 'anvil', frame(95), T0 + 31_000)
  const second = route(task, fleet.endpoints, fleet.resources, { now: T0 + 32_000 })
  t.equal(second.action === 'assign' && second.decision.selected_endpoint, '10.0.0.5:11434')

  // Affinity: the agent's workspace repo, recorded at assignment, survives later reports.
  fleet.resources = withWorkspaceRepo(fleet.resources, 'anvil', 'https://github.com/o/r')
  report(fleet, 'anvil', frame(5), T0 + 61_000)
  report(fleet, 'forge', frame(5), T0 + 61_000)
  t.equal(fleet.resources.anvil!.repo, 'https://github.com/o/r')
  const third = route({ ...task, repo: 'https://github.com/o/r' }, fleet.endpoints, fleet.resources, { now: T0 + 62_000 })
  t.equal(third.action === 'assign' && third.decision.selected_endpoint, '10.0.0.6:11434', 'equal load: the warm workspace wins')

  // forge stops reporting: after the sweep its host is unknown again (defaults).
  report(fleet, 'anvil', frame(60), T0 + 100_000)
  const swept = sweepStaleResources(fleet.resources, T0 + 152_000)
  t.same(swept.removed, ['forge'], 'forge last reported 91 s ago')
  const fourth = route(task, fleet.endpoints, swept.resources, { now: T0 + 152_000 })
  if (fourth.action !== 'assign') throw new Error('expected assign')
  t.same(fourth.scores.map((s) => [s.endpoint_id, s.details.load_factor]), [['10.0.0.5:11434', 0.5], ['10.0.0.6:11434', 0.4]])
})

t.test('two agents on one host share one endpoint; the freshest report describes it', async (t) => {
  const fleet: Fleet = { endpoints: [], resources: {} }
  identify(fleet, 'a1', 'http://127.0.0.1:11434', '127.0.0.1', T0)
  identify(fleet, 'a2', 'http://localhost:11434', '127.0.0.1', T0)
  identify(fleet, 'a2', 'http://localhost:11434', '127.0.0.1', T0 + 5)
  t.same(fleet.endpoints.map((e) => [e.id, e.host_agents]), [['127.0.0.1:11434', ['a1']], ['localhost:11434', ['a2']]],
    'a sidecar on the hub machine keeps its loopback host')
  const shared: Fleet = { endpoints: [], resources: {} }
  identify(shared, 'a1', 'http://10.0.0.9:11434', '10.0.0.9', T0)
  identify(shared, 'a2', 'http://10.0.0.9:11434', '10.0.0.9', T0)
  t.same(shared.endpoints.map((e) => e.host_agents), [['a1', 'a2']])
  report(shared, 'a1', frame(80), T0 + 1_000)
  report(shared, 'a2', frame(20), T0 + 2_000)
  const r = route(task, shared.endpoints, shared.resources, { now: T0 + 3_000 })
  t.equal(r.action === 'assign' && r.scores[0]!.details.load_factor, 0.8, 'the newer report wins')
})
