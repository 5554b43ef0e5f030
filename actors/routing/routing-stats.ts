// Routing statistics for the dashboard (smart-pipeline.md §7.6): over the tasks of the main
// table that carry a routing decision. `routingStats` recomputes from scratch; `addDecision` /
// `removeDecision` keep a running copy in step with task writes (a re-route is remove + add),
// so a dashboard snapshot need not scan every task.

import type { RoutingDecision } from '../task-queue/task'

export interface RoutingStats {
  total_routed: number
  by_tier: Record<string, number>
  by_target: Record<string, number>
  fallback_count: number
}

type CountedDecision = Pick<RoutingDecision, 'effective_tier' | 'target_type' | 'fallback_used'>

export function emptyRoutingStats(): RoutingStats {
  return { total_routed: 0, by_tier: {}, by_target: {}, fallback_count: 0 }
}

function bump(counts: Record<string, number>, key: string, delta: number): void {
  const next = (counts[key] ?? 0) + delta
  if (next > 0) counts[key] = next
  else delete counts[key]
}

/** Counts one more routed task (mutates and returns `stats`). */
export function addDecision(stats: RoutingStats, d: CountedDecision): RoutingStats {
  stats.total_routed++
  bump(stats.by_tier, d.effective_tier, 1)
  bump(stats.by_target, d.target_type, 1)
  if (d.fallback_used) stats.fallback_count++
  return stats
}

/** Un-counts a decision previously added (mutates and returns `stats`). */
export function removeDecision(stats: RoutingStats, d: CountedDecision): RoutingStats {
  if (stats.total_routed === 0) return stats
  stats.total_routed--
  bump(stats.by_tier, d.effective_tier, -1)
  bump(stats.by_target, d.target_type, -1)
  if (d.fallback_used && stats.fallback_count > 0) stats.fallback_count--
  return stats
}

/** The §7.6 figures over tasks' decisions (null/undefined decisions are skipped). */
export function routingStats(decisions: Iterable<CountedDecision | null | undefined>): RoutingStats {
  const stats = emptyRoutingStats()
  for (const d of decisions) if (d) addDecision(stats, d)
  return stats
}
