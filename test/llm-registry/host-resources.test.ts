import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import {
  isStale,
  RESOURCE_STALE_AFTER_MS,
  RESOURCE_SWEEP_INTERVAL_MS,
  ResourceEntrySchema,
  resourceEntryFromReport,
  resourcesForEndpoint,
  sweepStaleResources,
  withWorkspaceRepo,
} from '../../actors/llm-registry/host-resources'
import { parsePsModels, parseTagsModels, parseJsonOrUndefined } from '../../actors/llm-registry/model-lists'
import { buildSnapshot, fleetModels } from '../../actors/llm-registry/snapshot'
import { registerEndpoint } from '../../actors/llm-registry/endpoint'
import { applyProbeResult } from '../../actors/llm-registry/health'

const T0 = 1_700_000_000_000

t.test('resource_report → entry', async (t) => {
  const e = resourceEntryFromReport({
    type: 'resource_report', agent_id: 'spoof', cpu_percent: 12.5, ram_used_bytes: 1, ram_total_bytes: 2,
    vram_used_bytes: null, vram_total_bytes: 'lots', timestamp: 1, extra: true,
  }, 'forge', T0)
  t.same(e, {
    cpu_percent: 12.5, ram_used_bytes: 1, ram_total_bytes: 2, vram_used_bytes: null, vram_total_bytes: null,
    source_agent_id: 'forge', reported_at: T0, repo: null,
  })
  t.ok(Value.Check(ResourceEntrySchema, e))
  t.same(resourceEntryFromReport(null, 'x', T0).cpu_percent, null, 'garbage in: all unknown')
  t.same(resourceEntryFromReport({ cpu_percent: Infinity }, 'x', T0).cpu_percent, null)
  const withRepo = withWorkspaceRepo({ forge: e }, 'forge', 'r')
  t.equal(resourceEntryFromReport({ cpu_percent: 1 }, 'forge', T0 + 1, withRepo.forge).repo, 'r', 'workspace repo carried over')
  const same = { forge: e }
  t.equal(withWorkspaceRepo(same, 'forge', null), same, 'unchanged map when nothing changes')
  t.equal(withWorkspaceRepo(same, 'ghost', 'r'), same, 'no entry, nothing to note')
})

t.test('staleness: older than 90 s is swept (every 60 s)', async (t) => {
  t.equal(RESOURCE_STALE_AFTER_MS, 90_000)
  t.equal(RESOURCE_SWEEP_INTERVAL_MS, 60_000)
  const fresh = resourceEntryFromReport({}, 'a', T0)
  t.notOk(isStale(fresh, T0 + 90_000), 'exactly 90 s is not older than 90 s')
  t.ok(isStale(fresh, T0 + 90_001))
  const resources = { a: fresh, b: resourceEntryFromReport({}, 'b', T0 + 50_000) }
  const swept = sweepStaleResources(resources, T0 + 120_000)
  t.same(swept.removed, ['a'])
  t.same(Object.keys(swept.resources), ['b'])
  const none = sweepStaleResources(resources, T0)
  t.equal(none.resources, resources, 'nothing stale: same map')
})

t.test('join: endpoint → its host agents → freshest entry', async (t) => {
  const ep = registerEndpoint(undefined, { host: 'h', port: 1, name: 'a-local', source: 'auto', agent_id: 'a' }, T0)
  const both = registerEndpoint(ep, { host: 'h', port: 1, name: 'b-local', source: 'auto', agent_id: 'b' }, T0)
  const resources = { a: resourceEntryFromReport({ cpu_percent: 10 }, 'a', T0 + 5), b: resourceEntryFromReport({ cpu_percent: 90 }, 'b', T0 + 1) }
  t.equal(resourcesForEndpoint(ep, resources)?.cpu_percent, 10)
  t.equal(resourcesForEndpoint(both, resources)?.cpu_percent, 10, 'the freshest of the host agents')
  t.equal(resourcesForEndpoint(both, { b: resources.b })?.cpu_percent, 90)
  t.equal(resourcesForEndpoint(ep, { [ep.id]: resources.b }), null, 'an entry keyed by endpoint id is not a host (the original bug)')
  const manual = registerEndpoint(undefined, { host: 'h', port: 2, name: 'x', source: 'manual', agent_id: null }, T0)
  t.equal(resourcesForEndpoint(manual, resources), null, 'manual endpoints have no known host agent')
  t.equal(resourcesForEndpoint({ ...ep, host_agents: ['toString'] }, resources), null, 'no prototype keys')
})

t.test('model lists from real /api/tags and /api/ps bodies', async (t) => {
  const tags = {
    models: [
      { name: 'qwen2.5-coder:7b', model: 'qwen2.5-coder:7b', modified_at: '2025-02-03T14:05:06Z', size: 4683087332, digest: 'sha256:aa', details: { family: 'qwen2', parameter_size: '7.6B', quantization_level: 'Q4_K_M' } },
      { name: 'llama3.2:latest', model: 'llama3.2:latest', modified_at: '2025-01-01T00:00:00Z', size: 2019393189, digest: 'sha256:bb', details: {} },
      { model: 'only-model-key:1b' },
      { name: '' },
      'junk',
      { name: 'llama3.2:latest' },
    ],
  }
  t.same(parseTagsModels(tags), ['qwen2.5-coder:7b', 'llama3.2:latest', 'only-model-key:1b'])
  t.same(parseTagsModels({ models: [] }), [])
  t.same(parseTagsModels(undefined), [])
  t.same(parseTagsModels({ models: 'x' }), [])
  const ps = { models: [{ name: 'qwen2.5-coder:7b', model: 'qwen2.5-coder:7b', size: 6_000_000_000, size_vram: 5_500_000_000, digest: 'sha256:aa', details: {}, expires_at: '2025-02-03T14:10:00Z' }, { name: 'cpu-only:1b', size_vram: 'n/a' }] }
  t.same(parsePsModels(ps), [{ name: 'qwen2.5-coder:7b', size_vram: 5_500_000_000 }, { name: 'cpu-only:1b', size_vram: 0 }])
  t.equal(parseJsonOrUndefined('{bad'), undefined)
  t.same(parseJsonOrUndefined('{"models":[]}'), { models: [] })
})

t.test('fleet model view and snapshot shape', async (t) => {
  const reg = (host: string) => registerEndpoint(undefined, { host, port: 11434, name: null, source: 'manual', agent_id: null }, T0)
  const a = applyProbeResult(reg('a'), { ok: true, models: ['m1', 'm2'], loaded: [], latency_ms: 1 }, T0).record
  const b = applyProbeResult(reg('b'), { ok: true, models: ['m2'], loaded: [], latency_ms: 1 }, T0).record
  const c = reg('c')
  t.same(fleetModels([a, b, c]), { m1: 1, m2: 2 })
  t.same(fleetModels([a, a]), { m1: 1, m2: 1 }, 'distinct endpoints')
  const resources = { forge: resourceEntryFromReport({ cpu_percent: 3 }, 'forge', T0) }
  const snap = buildSnapshot([a, b, c], resources)
  t.same(Object.keys(snap), ['endpoints', 'resources', 'fleet_models'])
  t.equal(snap.endpoints.length, 3)
  t.same(snap.resources, resources)
  t.same(JSON.parse(JSON.stringify(snap)), snap, 'plain JSON')
})
