// The endpoint health state machine (smart-pipeline.md §4.3) and one health round.
//
//   success → healthy, failures 0, models replaced, last_checked_at = now (recovery is
//             immediate: no probation)
//   failure → failures + 1; unhealthy once failures ≥ 2, otherwise the status is unchanged
//             (a healthy endpoint survives one miss, an unknown one stays unknown)
//
// Deviations: probes of a round run concurrently and outside the registry's state (the
// original probed sequentially inside the registry process, blocking every reader for up to
// 5 s per dead endpoint); a failure also stamps `last_checked_at` and records `last_error`.

import type { EndpointRecord, EndpointStatus, LoadedModel } from './endpoint'

export const HEALTH_CHECK_INTERVAL_MS = 30_000
/** whole-probe deadline */
export const HEALTH_PROBE_TIMEOUT_MS = 5_000
/** the original's connect timeout, kept for reference; the probe's single deadline covers it */
export const HEALTH_CONNECT_TIMEOUT_MS = 3_000
export const UNHEALTHY_AFTER_FAILURES = 2

export type ProbeFailureReason = 'timeout' | 'connection_refused' | 'network_error' | `http_${number}`

export type ProbeResult =
  | {
      ok: true
      /** GET /api/tags names */
      models: string[]
      /** GET /api/ps entries; null when that call failed (health is judged on /api/tags) */
      loaded: LoadedModel[] | null
      latency_ms: number
    }
  | { ok: false; reason: ProbeFailureReason; detail: string; latency_ms: number }

export interface HealthTransition {
  record: EndpointRecord
  /** `endpoint_changed` is broadcast only when this is true */
  status_changed: boolean
}

function nextStatusAfterFailure(status: EndpointStatus, failures: number): EndpointStatus {
  return failures >= UNHEALTHY_AFTER_FAILURES ? 'unhealthy' : status
}

export function applyProbeResult(record: EndpointRecord, result: ProbeResult, now: number): HealthTransition {
  if (result.ok) {
    const next: EndpointRecord = {
      ...record,
      status: 'healthy',
      consecutive_failures: 0,
      models: [...result.models],
      loaded_models: result.loaded === null ? record.loaded_models : [...result.loaded],
      last_checked_at: now,
      last_error: null,
    }
    return { record: next, status_changed: record.status !== 'healthy' }
  }
  const failures = record.consecutive_failures + 1
  const status = nextStatusAfterFailure(record.status, failures)
  const next: EndpointRecord = {
    ...record,
    status,
    consecutive_failures: failures,
    last_checked_at: now,
    last_error: result.detail ? `${result.reason}: ${result.detail}` : result.reason,
  }
  return { record: next, status_changed: status !== record.status }
}

/** Model discovery right after a registration: fills `models` only, never the status. */
export function applyDiscoveredModels(record: EndpointRecord, models: readonly string[]): EndpointRecord {
  return { ...record, models: [...models] }
}

export type Probe = (endpoint: Pick<EndpointRecord, 'id' | 'host' | 'port'>) => Promise<ProbeResult>

/**
 * Probes every endpoint concurrently; a probe that throws counts as a network error. The
 * caller applies the results (applyHealthRound) to whatever records exist when they arrive,
 * so a removal or re-registration during the round is respected.
 */
export async function probeAll(endpoints: readonly Pick<EndpointRecord, 'id' | 'host' | 'port'>[], probe: Probe): Promise<Map<string, ProbeResult>> {
  const results = await Promise.all(
    endpoints.map(async (e): Promise<[string, ProbeResult]> => {
      try {
        return [e.id, await probe(e)]
      } catch (err) {
        return [e.id, { ok: false, reason: 'network_error', detail: err instanceof Error ? err.message : String(err), latency_ms: 0 }]
      }
    }),
  )
  return new Map(results)
}

export interface HealthRoundOutcome {
  records: EndpointRecord[]
  /** ids whose status changed (one `endpoint_changed` broadcast if non-empty) */
  changed: string[]
}

/** Applies a round's results to the current records (in order); ids without a result are kept. */
export function applyHealthRound(records: readonly EndpointRecord[], results: ReadonlyMap<string, ProbeResult>, now: number): HealthRoundOutcome {
  const changed: string[] = []
  const out = records.map((record) => {
    const result = results.get(record.id)
    if (!result) return record
    const t = applyProbeResult(record, result, now)
    if (t.status_changed) changed.push(record.id)
    return t.record
  })
  return { records: out, changed }
}
