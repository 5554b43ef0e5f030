import t from 'tap'
import fc from 'fast-check'
import { addDecision, emptyRoutingStats, removeDecision, routingStats } from '../../actors/routing/routing-stats'

type D = { effective_tier: string; target_type: 'sidecar' | 'ollama' | 'claude'; fallback_used: boolean }

const sidecar: D = { effective_tier: 'trivial', target_type: 'sidecar', fallback_used: false }
const ollama: D = { effective_tier: 'standard', target_type: 'ollama', fallback_used: false }
const escalated: D = { effective_tier: 'complex', target_type: 'claude', fallback_used: true }
const claude: D = { effective_tier: 'complex', target_type: 'claude', fallback_used: false }

t.test('§7.6 figures over tasks with a decision', async (t) => {
  t.same(routingStats([]), { total_routed: 0, by_tier: {}, by_target: {}, fallback_count: 0 })
  t.same(routingStats([sidecar, null, ollama, undefined, ollama, escalated, claude]), {
    total_routed: 5,
    by_tier: { trivial: 1, standard: 2, complex: 2 },
    by_target: { sidecar: 1, ollama: 2, claude: 2 },
    fallback_count: 1,
  })
})

t.test('running counts: add/remove agree with a recount', async (t) => {
  const stats = emptyRoutingStats()
  addDecision(stats, ollama)
  addDecision(stats, escalated)
  removeDecision(stats, ollama)
  addDecision(stats, sidecar)
  t.same(stats, routingStats([escalated, sidecar]), 'a re-route is remove + add')
  t.same(removeDecision(emptyRoutingStats(), ollama), emptyRoutingStats(), 'removing from empty is a no-op')

  const decision = fc.constantFrom(sidecar, ollama, escalated, claude)
  fc.assert(
    fc.property(fc.array(decision), fc.array(fc.nat()), (ds, removals) => {
      const live = [...ds]
      const running = routingStats(ds)
      for (const r of removals) {
        if (live.length === 0) break
        const [gone] = live.splice(r % live.length, 1)
        removeDecision(running, gone!)
      }
      return JSON.stringify(sortKeys(running)) === JSON.stringify(sortKeys(routingStats(live)))
    }),
    { numRuns: 200 },
  )
})

function sortKeys(s: ReturnType<typeof routingStats>) {
  const sort = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)))
  return { ...s, by_tier: sort(s.by_tier), by_target: sort(s.by_target) }
}
