// Host resources (smart-pipeline.md §5): what each sidecar's `resource_report` says about its
// host, kept in memory keyed by the reporting socket's agent_id, dropped when stale.
//
// The fix for the original's key mismatch (§5 BUG: resources stored by agent id, looked up by
// endpoint id, so never found) is the explicit join `resourcesForEndpoint`: an endpoint's
// `host_agents` (the agents that registered it from their ollama_url) name the entries that
// describe its host; the freshest of them wins.

import { Type, type Static } from '@sinclair/typebox'
import { hostAgentsOf, type EndpointRecord } from './endpoint'

export const RESOURCE_STALE_AFTER_MS = 90_000
export const RESOURCE_SWEEP_INTERVAL_MS = 60_000

const NullableNumber = Type.Union([Type.Number(), Type.Null()])

export const ResourceEntrySchema = Type.Object({
  cpu_percent: NullableNumber,
  ram_used_bytes: NullableNumber,
  ram_total_bytes: NullableNumber,
  vram_used_bytes: NullableNumber,
  vram_total_bytes: NullableNumber,
  /** the reporting agent (the original always stored null here) */
  source_agent_id: Type.Union([Type.String(), Type.Null()]),
  /** hub time of the report (the report's own `timestamp` is not trusted) */
  reported_at: Type.Integer(),
  /** ours: the repo of the agent's latest task — its warm workspace (LoadScorer affinity) */
  repo: Type.Union([Type.String(), Type.Null()]),
})
export type ResourceEntry = Static<typeof ResourceEntrySchema>

/** agent_id → entry */
export type HostResources = Readonly<Record<string, ResourceEntry>>

const METRIC_KEYS = ['cpu_percent', 'ram_used_bytes', 'ram_total_bytes', 'vram_used_bytes', 'vram_total_bytes'] as const

function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/**
 * A `resource_report` frame (any shape: extra keys such as `agent_id` or `type` are ignored,
 * non-numbers become null) → the entry for `agentId`. The previous entry's workspace repo is
 * carried over.
 */
export function resourceEntryFromReport(report: unknown, agentId: string, now: number, previous?: ResourceEntry): ResourceEntry {
  const r = typeof report === 'object' && report !== null ? (report as Record<string, unknown>) : {}
  const metrics = Object.fromEntries(METRIC_KEYS.map((k) => [k, finiteOrNull(r[k])])) as Record<(typeof METRIC_KEYS)[number], number | null>
  return { ...metrics, source_agent_id: agentId, reported_at: now, repo: previous?.repo ?? null }
}

/** Records the repo an agent is now working in (called when a task is assigned to it). */
export function withWorkspaceRepo(resources: HostResources, agentId: string, repo: string | null): HostResources {
  const entry = resources[agentId]
  if (!entry || entry.repo === repo) return resources
  return { ...resources, [agentId]: { ...entry, repo } }
}

export function isStale(entry: Pick<ResourceEntry, 'reported_at'>, now: number): boolean {
  return now - entry.reported_at > RESOURCE_STALE_AFTER_MS
}

/** The 60 s sweep: entries older than 90 s are deleted (they then read as unknown). */
export function sweepStaleResources(resources: HostResources, now: number): { resources: HostResources; removed: string[] } {
  const removed = Object.keys(resources).filter((id) => isStale(resources[id]!, now))
  if (removed.length === 0) return { resources, removed }
  const kept: Record<string, ResourceEntry> = {}
  for (const [id, entry] of Object.entries(resources)) if (!removed.includes(id)) kept[id] = entry
  return { resources: kept, removed }
}

/** The resources of the host an endpoint runs on: the freshest entry among its host agents. */
export function resourcesForEndpoint(
  endpoint: Pick<EndpointRecord, 'host_agents' | 'source' | 'name'>,
  resources: HostResources,
): ResourceEntry | null {
  let best: ResourceEntry | null = null
  for (const agentId of hostAgentsOf(endpoint)) {
    const entry = Object.prototype.hasOwnProperty.call(resources, agentId) ? resources[agentId] : undefined
    if (entry && (best === null || entry.reported_at > best.reported_at)) best = entry
  }
  return best
}
