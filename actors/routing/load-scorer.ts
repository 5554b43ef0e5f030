// Load-balanced scoring of standard-tier candidates (smart-pipeline.md §6.4), with the
// original's constants:
//
//   score    = 1.0 × load × capacity × vram × warm × affinity
//   load     = 1 − cpu/100                  (cpu default 50)
//   capacity = min(ram_total / 16 GiB, 1.5) (1.0 when missing or 0)
//   vram     = 0.8 + 0.2 × free fraction    (0.9 unless used and total are known, total ≠ 0)
//   warm     = 1.15 when the default model is on the endpoint
//   affinity = 1.05 when the host's workspace repo is the task's repo
//
// What made the original nominal (every candidate scored 0.45) is fixed at the inputs, not
// here: resources are joined to endpoints through their host agents (resourcesForEndpoint),
// the router passes the configured default model, and the resource entry carries the agent's
// workspace repo. One deliberate change: cpu is clamped to 0..100 (the original let a cpu
// above 100 produce a negative score, which made a bigger overloaded host rank *lower*).

import { resourcesForEndpoint, type HostResources, type ResourceEntry } from '../llm-registry/host-resources'
import type { EndpointRecord } from '../llm-registry/endpoint'

export const BASE_SCORE = 1.0
export const DEFAULT_CPU_PERCENT = 50
export const RAM_REFERENCE_BYTES = 16 * 1024 ** 3
export const MAX_CAPACITY_FACTOR = 1.5
export const VRAM_BASE = 0.8
export const VRAM_FREE_WEIGHT = 0.2
export const VRAM_UNKNOWN_FACTOR = 0.9
export const WARM_BONUS = 1.15
export const AFFINITY_BONUS = 1.05

export interface ScoreDetails {
  load_factor: number
  capacity_factor: number
  vram_factor: number
  warm_bonus: number
  affinity_bonus: number
}

export interface EndpointScore {
  endpoint_id: string
  score: number
  details: ScoreDetails
}

export interface ScoreContext {
  /** the task's repo (affinity) */
  repo?: string | null
  /** the configured default model (warm bonus); the original never passed one */
  defaultModel?: string | null
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

export function loadFactor(r: Partial<ResourceEntry> | null): number {
  const cpu = isNumber(r?.cpu_percent) ? r!.cpu_percent : DEFAULT_CPU_PERCENT
  return 1 - Math.min(100, Math.max(0, cpu)) / 100
}

export function capacityFactor(r: Partial<ResourceEntry> | null): number {
  const total = r?.ram_total_bytes
  if (!isNumber(total) || total === 0) return 1.0
  return Math.min(total / RAM_REFERENCE_BYTES, MAX_CAPACITY_FACTOR)
}

export function vramFactor(r: Partial<ResourceEntry> | null): number {
  const used = r?.vram_used_bytes
  const total = r?.vram_total_bytes
  if (!isNumber(used) || !isNumber(total) || total === 0) return VRAM_UNKNOWN_FACTOR
  return VRAM_BASE + VRAM_FREE_WEIGHT * (1 - used / total)
}

export function warmBonus(models: readonly string[], defaultModel: string | null | undefined): number {
  return defaultModel && models.includes(defaultModel) ? WARM_BONUS : 1.0
}

export function affinityBonus(r: Partial<ResourceEntry> | null, repo: string | null | undefined): number {
  return repo != null && r?.repo != null && r.repo === repo ? AFFINITY_BONUS : 1.0
}

/** One endpoint's score from its host's resource entry (null: nothing known → defaults). */
export function scoreEndpoint(
  endpoint: Pick<EndpointRecord, 'id' | 'models'>,
  resource: Partial<ResourceEntry> | null,
  ctx: ScoreContext = {},
): EndpointScore {
  const details: ScoreDetails = {
    load_factor: loadFactor(resource),
    capacity_factor: capacityFactor(resource),
    vram_factor: vramFactor(resource),
    warm_bonus: warmBonus(endpoint.models, ctx.defaultModel),
    affinity_bonus: affinityBonus(resource, ctx.repo),
  }
  const score = BASE_SCORE * details.load_factor * details.capacity_factor * details.vram_factor * details.warm_bonus * details.affinity_bonus
  return { endpoint_id: endpoint.id, score, details }
}

/**
 * Scores candidates with their host's resources (joined by host agent) and ranks them,
 * best first; equal scores keep the given (registry) order.
 */
export function rankEndpoints(
  candidates: readonly Pick<EndpointRecord, 'id' | 'models' | 'host_agents' | 'source' | 'name'>[],
  resources: HostResources,
  ctx: ScoreContext = {},
): EndpointScore[] {
  return candidates
    .map((e) => scoreEndpoint(e, resourcesForEndpoint(e, resources), ctx))
    .sort((a, b) => b.score - a.score)
}
