// The registry snapshot (smart-pipeline.md §4.4): served by GET /api/admin/llm-registry/snapshot
// and embedded as `llm_registry` in the dashboard snapshot.

import type { EndpointRecord } from './endpoint'
import type { HostResources, ResourceEntry } from './host-resources'

export interface LlmRegistrySnapshot {
  endpoints: EndpointRecord[]
  resources: Record<string, ResourceEntry>
  /** model → number of distinct endpoints offering it */
  fleet_models: Record<string, number>
}

/** model → how many distinct endpoints list it (every registered endpoint, as the original). */
export function fleetModels(endpoints: readonly Pick<EndpointRecord, 'id' | 'models'>[]): Record<string, number> {
  const holders = new Map<string, Set<string>>()
  for (const e of endpoints) {
    for (const model of e.models) {
      let set = holders.get(model)
      if (!set) holders.set(model, (set = new Set()))
      set.add(e.id)
    }
  }
  const out: Record<string, number> = {}
  for (const model of [...holders.keys()].sort()) out[model] = holders.get(model)!.size
  return out
}

export function buildSnapshot(endpoints: readonly EndpointRecord[], resources: HostResources): LlmRegistrySnapshot {
  return { endpoints: [...endpoints], resources: { ...resources }, fleet_models: fleetModels(endpoints) }
}
