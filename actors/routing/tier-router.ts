// Tier routing (smart-pipeline.md §6, §7.2, §7.4): a task's complexity → a routing decision.
//
//   trivial  → sidecar (free)
//   standard → the best-scoring healthy Ollama endpoint that has models (local)
//   complex  → claude (api)
//
// A standard task with no routable endpoint gets the fallback chain: for `fallbackWaitMs`
// (5 s) after the first miss it waits (route answers `wait`; an endpoint that turns healthy
// meanwhile is used on the next pass); after that it escalates one tier up, to Claude, with
// `fallback_used`, `fallback_from_tier: "standard"` and the reason.
// Deviation: the original computed the escalation tier and dropped it — it assigned the task
// at once with target `ollama` and no endpoint, so nothing ever escalated (ROUTE-03 nominal).

import type { Complexity, RoutingDecision } from '../task-queue/task'
import type { EndpointRecord } from '../llm-registry/endpoint'
import { hostAgentsOf, isRoutable } from '../llm-registry/endpoint'
import type { HostResources } from '../llm-registry/host-resources'
import { rankEndpoints, type EndpointScore } from './load-scorer'

export type { RoutingDecision }

export type RoutingTier = 'trivial' | 'standard' | 'complex'
export type TargetType = RoutingDecision['target_type']
export type CostTier = RoutingDecision['estimated_cost_tier']

export const DEFAULT_FALLBACK_WAIT_MS = 5_000
export const NO_HEALTHY_OLLAMA = 'no_healthy_ollama_endpoints'
export const CLAUDE_ENDPOINT = 'claude_api'
export const CLAUDE_MODEL = 'claude'

const TIER_TARGET: Record<RoutingTier, { target_type: TargetType; cost: CostTier }> = {
  trivial: { target_type: 'sidecar', cost: 'free' },
  standard: { target_type: 'ollama', cost: 'local' },
  complex: { target_type: 'claude', cost: 'api' },
}

/** §6.1: unknown, missing or null complexity routes as standard. */
export function resolveTier(complexity: Pick<Complexity, 'effective_tier'> | null | undefined): RoutingTier {
  const tier = complexity?.effective_tier
  return tier === 'trivial' || tier === 'complex' ? tier : 'standard'
}

/** One step up the chain: trivial → standard → complex → none. */
export function fallbackUp(tier: RoutingTier): RoutingTier | null {
  return tier === 'trivial' ? 'standard' : tier === 'standard' ? 'complex' : null
}

/** One step down: complex → standard → trivial → none (kept for completeness; unused). */
export function fallbackDown(tier: RoutingTier): RoutingTier | null {
  return tier === 'complex' ? 'standard' : tier === 'standard' ? 'trivial' : null
}

// ---------------------------------------------------------------------------------------------
// classification_reason (§6.3)
// ---------------------------------------------------------------------------------------------

type ReasonComplexity = Pick<Complexity, 'source' | 'effective_tier'> & {
  inferred?: { confidence: number; signals?: { word_count: number; file_count: number } } | null
}

const confidenceText = (c: number): string => c.toFixed(2)

/** `<source>:<tier> (confidence 0.67, word_count=14, files=2)`, or the shorter forms. */
export function classificationReason(complexity: ReasonComplexity | null | undefined): string {
  if (!complexity) return 'none:standard (no complexity data)'
  const head = `${complexity.source}:${complexity.effective_tier}`
  const inferred = complexity.inferred
  if (!inferred) return head
  const signals = inferred.signals
  if (!signals) return `${head} (confidence ${confidenceText(inferred.confidence)})`
  return `${head} (confidence ${confidenceText(inferred.confidence)}, word_count=${signals.word_count}, files=${signals.file_count})`
}

/** `<source>:<tier> (confidence 0.67) [fallback from standard: no_healthy_ollama_endpoints]`. */
export function fallbackClassificationReason(complexity: ReasonComplexity | null | undefined, fromTier: RoutingTier, reason: string): string {
  let head: string
  if (!complexity) head = 'none:standard'
  else if (!complexity.inferred) head = `${complexity.source}:${complexity.effective_tier}`
  else head = `${complexity.source}:${complexity.effective_tier} (confidence ${confidenceText(complexity.inferred.confidence)})`
  return `${head} [fallback from ${fromTier}: ${reason}]`
}

// ---------------------------------------------------------------------------------------------
// route
// ---------------------------------------------------------------------------------------------

export interface RoutableTask {
  complexity?: ReasonComplexity | null
  repo?: string | null
}

export interface RouteOptions {
  /** decided_at, and the fallback clock */
  now: number
  /** config `default_ollama_model`: preferred model and warm bonus (the original passed none) */
  defaultModel?: string | null
  /** config `fallback_wait_ms` */
  fallbackWaitMs?: number
  /** when this task's current fallback wait started (the pending timer), null if none */
  fallbackSince?: number | null
}

export interface FallbackSignal {
  original_tier: RoutingTier
  fallback_tier: RoutingTier | null
  reason: string
  /** when the wait started (opts.fallbackSince, or now for a first miss) */
  since: number
  /** when the wait ends and the task escalates */
  due_at: number
}

export type RouteResult =
  | {
      action: 'assign'
      decision: RoutingDecision
      /** the ranking of standard-tier candidates, best first (empty for other tiers) */
      scores: EndpointScore[]
      /** set when the decision is an escalation */
      fallback: FallbackSignal | null
    }
  | {
      /** hold the task: no agent this pass; arm/keep the fallback timer for `fallback.due_at` */
      action: 'wait'
      fallback: FallbackSignal
      /** the original's fallback decision, for `scheduler.route` telemetry only — not assignable */
      telemetry_decision: RoutingDecision
    }

interface DecisionParts {
  effective_tier: RoutingTier
  target_type: TargetType
  selected_endpoint: string | null
  selected_model: string | null
  candidate_count: number
  estimated_cost_tier: CostTier
}

function decision(parts: DecisionParts, classification_reason: string, now: number, fallback?: { from: RoutingTier; reason: string }): RoutingDecision {
  return {
    effective_tier: parts.effective_tier,
    target_type: parts.target_type,
    selected_endpoint: parts.selected_endpoint,
    selected_model: parts.selected_model,
    fallback_used: fallback !== undefined,
    fallback_from_tier: fallback?.from ?? null,
    fallback_reason: fallback?.reason ?? null,
    candidate_count: parts.candidate_count,
    classification_reason,
    estimated_cost_tier: parts.estimated_cost_tier,
    decided_at: Math.trunc(now),
  }
}

const SIDECAR: DecisionParts = { effective_tier: 'trivial', target_type: 'sidecar', selected_endpoint: null, selected_model: null, candidate_count: 0, estimated_cost_tier: 'free' }
const CLAUDE: DecisionParts = { effective_tier: 'complex', target_type: 'claude', selected_endpoint: CLAUDE_ENDPOINT, selected_model: CLAUDE_MODEL, candidate_count: 0, estimated_cost_tier: 'api' }

/** The model to ask an endpoint for: the default model when it has it, else its first. */
export function modelFor(endpoint: Pick<EndpointRecord, 'models'>, defaultModel: string | null | undefined): string | null {
  if (defaultModel && endpoint.models.includes(defaultModel)) return defaultModel
  return endpoint.models[0] ?? null
}

/**
 * Routes one task. Pure: `endpoints` and `resources` are one pass's read of the LLM registry
 * (resources keyed by agent id, joined to endpoints by their host agents), `opts.now` is the
 * pass time.
 */
export function route(
  task: RoutableTask,
  endpoints: readonly EndpointRecord[],
  resources: HostResources,
  opts: RouteOptions,
): RouteResult {
  const tier = resolveTier(task.complexity)
  const reason = classificationReason(task.complexity)
  if (tier === 'trivial') return { action: 'assign', decision: decision(SIDECAR, reason, opts.now), scores: [], fallback: null }
  if (tier === 'complex') return { action: 'assign', decision: decision(CLAUDE, reason, opts.now), scores: [], fallback: null }

  const candidates = endpoints.filter(isRoutable)
  if (candidates.length > 0) {
    const scores = rankEndpoints(candidates, resources, { repo: task.repo ?? null, defaultModel: opts.defaultModel ?? null })
    const best = candidates.find((e) => e.id === scores[0]!.endpoint_id)!
    const parts: DecisionParts = {
      effective_tier: 'standard', target_type: 'ollama', selected_endpoint: best.id,
      selected_model: modelFor(best, opts.defaultModel), candidate_count: candidates.length, estimated_cost_tier: 'local',
    }
    return { action: 'assign', decision: decision(parts, reason, opts.now), scores, fallback: null }
  }

  const since = opts.fallbackSince ?? opts.now
  const fallback: FallbackSignal = {
    original_tier: 'standard',
    fallback_tier: fallbackUp('standard'),
    reason: NO_HEALTHY_OLLAMA,
    since,
    due_at: since + (opts.fallbackWaitMs ?? DEFAULT_FALLBACK_WAIT_MS),
  }
  const fallbackReason = fallbackClassificationReason(task.complexity, 'standard', NO_HEALTHY_OLLAMA)
  const marker = { from: 'standard' as const, reason: NO_HEALTHY_OLLAMA }
  if (opts.now < fallback.due_at) {
    const waiting: DecisionParts = { effective_tier: 'standard', target_type: 'ollama', selected_endpoint: null, selected_model: null, candidate_count: 0, estimated_cost_tier: 'local' }
    return { action: 'wait', fallback, telemetry_decision: decision(waiting, fallbackReason, opts.now, marker) }
  }
  return { action: 'assign', decision: decision(CLAUDE, fallbackReason, opts.now, marker), scores: [], fallback }
}

// ---------------------------------------------------------------------------------------------
// Agent choice by target type (§7.2)
// ---------------------------------------------------------------------------------------------

/**
 * Among capable idle agents (in scheduling order), the one to run a decision: for an Ollama
 * decision, the first whose host runs the selected endpoint (it reaches the endpoint locally
 * and its workspace sits next to the model); otherwise, or when none of them is idle, the
 * first. Deviation: the original read an `ollama_url` its agent list never carried, so the
 * preference never applied.
 */
export function pickAgentForDecision<A extends { agent_id: string }>(
  capable: readonly A[],
  decision: Pick<RoutingDecision, 'target_type' | 'selected_endpoint'> | null | undefined,
  endpoints: readonly Pick<EndpointRecord, 'id' | 'host_agents' | 'source' | 'name'>[],
): A | undefined {
  if (decision?.target_type === 'ollama' && decision.selected_endpoint) {
    const endpoint = endpoints.find((e) => e.id === decision.selected_endpoint)
    if (endpoint) {
      const hosts = new Set(hostAgentsOf(endpoint))
      const local = capable.find((a) => hosts.has(a.agent_id))
      if (local) return local
    }
  }
  return capable[0]
}
