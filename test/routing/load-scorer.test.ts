import t, { type Test } from 'tap'
import {
  AFFINITY_BONUS,
  rankEndpoints,
  scoreEndpoint,
  WARM_BONUS,
} from '../../actors/routing/load-scorer'
import type { ResourceEntry } from '../../actors/llm-registry/host-resources'
import type { EndpointRecord } from '../../actors/llm-registry/endpoint'

const GiB = 1024 ** 3
const T0 = 1_700_000_000_000

function endpoint(id: string, hostAgents: string[] = [], models = ['llama3.2:latest']): EndpointRecord {
  const [host, port] = [id.slice(0, id.lastIndexOf(':')), Number(id.slice(id.lastIndexOf(':') + 1))]
  return {
    id, host, port, name: null, source: 'auto', status: 'healthy', models, registered_at: T0, last_checked_at: T0,
    consecutive_failures: 0, host_agents: hostAgents, loaded_models: [], last_error: null,
  }
}

function resource(fields: Partial<ResourceEntry>): ResourceEntry {
  return {
    cpu_percent: null, ram_used_bytes: null, ram_total_bytes: null, vram_used_bytes: null, vram_total_bytes: null,
    source_agent_id: null, reported_at: T0, repo: null, ...fields,
  }
}

const close = (t: Test, actual: number, expected: number, msg: string) =>
  t.ok(Math.abs(actual - expected) < 1e-12, `${msg}: ${actual} ≈ ${expected}`)

t.test('factor table (spec §6.4 constants)', async (t) => {
  const e = endpoint('h:1', [], ['llama3.2:latest', 'qwen2.5-coder:7b'])
  const table: Array<[string, Partial<ResourceEntry> | null, { repo?: string | null; defaultModel?: string | null }, Record<string, number>, number]> = [
    ['nothing known: the original production score', null, {}, { load_factor: 0.5, capacity_factor: 1.0, vram_factor: 0.9, warm_bonus: 1.0, affinity_bonus: 1.0 }, 0.45],
    ['cpu 20 %', { cpu_percent: 20 }, {}, { load_factor: 0.8 }, 0.8 * 0.9],
    ['cpu 0 %', { cpu_percent: 0 }, {}, { load_factor: 1 }, 0.9],
    ['cpu above 100 is clamped (deviation)', { cpu_percent: 150 }, {}, { load_factor: 0 }, 0],
    ['negative cpu is clamped', { cpu_percent: -10 }, {}, { load_factor: 1 }, 0.9],
    ['8 GiB RAM', { ram_total_bytes: 8 * GiB }, {}, { capacity_factor: 0.5 }, 0.5 * 0.5 * 0.9],
    ['16 GiB RAM', { ram_total_bytes: 16 * GiB }, {}, { capacity_factor: 1 }, 0.45],
    ['64 GiB RAM capped at 1.5', { ram_total_bytes: 64 * GiB }, {}, { capacity_factor: 1.5 }, 0.5 * 1.5 * 0.9],
    ['RAM total 0 → 1.0', { ram_total_bytes: 0 }, {}, { capacity_factor: 1 }, 0.45],
    ['VRAM half used', { vram_used_bytes: 4 * GiB, vram_total_bytes: 8 * GiB }, {}, { vram_factor: 0.9 }, 0.45],
    ['VRAM empty', { vram_used_bytes: 0, vram_total_bytes: 8 * GiB }, {}, { vram_factor: 1.0 }, 0.5],
    ['VRAM full', { vram_used_bytes: 8 * GiB, vram_total_bytes: 8 * GiB }, {}, { vram_factor: 0.8 }, 0.4],
    ['VRAM total null (the original sidecar)', { vram_used_bytes: 4 * GiB, vram_total_bytes: null }, {}, { vram_factor: 0.9 }, 0.45],
    ['VRAM total 0', { vram_used_bytes: 0, vram_total_bytes: 0 }, {}, { vram_factor: 0.9 }, 0.45],
    ['warm: default model present', null, { defaultModel: 'qwen2.5-coder:7b' }, { warm_bonus: WARM_BONUS }, 0.45 * 1.15],
    ['cold: default model absent', null, { defaultModel: 'mistral:7b' }, { warm_bonus: 1 }, 0.45],
    ['affinity: same repo', { repo: 'https://github.com/o/r' }, { repo: 'https://github.com/o/r' }, { affinity_bonus: AFFINITY_BONUS }, 0.45 * 1.05],
    ['no affinity: other repo', { repo: 'https://github.com/o/x' }, { repo: 'https://github.com/o/r' }, { affinity_bonus: 1 }, 0.45],
    ['no affinity: task without repo', { repo: null }, { repo: null }, { affinity_bonus: 1 }, 0.45],
    ['everything', { cpu_percent: 25, ram_total_bytes: 32 * GiB, vram_used_bytes: 2 * GiB, vram_total_bytes: 8 * GiB, repo: 'r' }, { repo: 'r', defaultModel: 'llama3.2:latest' },
      { load_factor: 0.75, capacity_factor: 1.5, vram_factor: 0.8 + 0.2 * 0.75 }, 0.75 * 1.5 * 0.95 * 1.15 * 1.05],
  ]
  for (const [name, r, ctx, details, score] of table) {
    const s = scoreEndpoint(e, r ? resource(r) : null, ctx)
    t.equal(s.endpoint_id, 'h:1')
    for (const [k, v] of Object.entries(details)) close(t, s.details[k as keyof typeof s.details], v, `${name}: ${k}`)
    close(t, s.score, score, `${name}: score`)
  }
})

t.test('ranking: best first, ties keep registry order, resources joined by host agent', async (t) => {
  const a = endpoint('10.0.0.1:11434', ['alpha'])
  const b = endpoint('10.0.0.2:11434', ['beta'])
  const c = endpoint('10.0.0.3:11434', ['gamma'])
  t.same(rankEndpoints([a, b, c], {}).map((s) => s.endpoint_id), [a.id, b.id, c.id], 'no resources: registry order')
  const busyA = { alpha: resource({ cpu_percent: 90 }), beta: resource({ cpu_percent: 10 }), gamma: resource({ cpu_percent: 50 }) }
  t.same(rankEndpoints([a, b, c], busyA).map((s) => s.endpoint_id), [b.id, c.id, a.id])
  const tie = { alpha: resource({ cpu_percent: 40 }), beta: resource({ cpu_percent: 10 }), gamma: resource({ cpu_percent: 40 }) }
  t.same(rankEndpoints([c, a, b], tie).map((s) => s.endpoint_id), [b.id, c.id, a.id], 'equal scores keep input order')

  // The original's bug: resources keyed by endpoint id are never found → all 0.45, first wins.
  const byEndpointId = { [a.id]: resource({ cpu_percent: 90 }), [b.id]: resource({ cpu_percent: 10 }) }
  const ranked = rankEndpoints([a, b], byEndpointId)
  t.same(ranked.map((s) => s.score), [0.45, 0.45], 'entries under endpoint ids do not describe any host')
})
