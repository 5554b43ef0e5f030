// What the dashboard shows about validation (hardening.md §7.2, protocol.md §5.3 `validation`):
// the last 50 failures, the last 20 validation disconnects, and failure counts over the last hour.
// The original reset its "this hour" counters on a fixed hourly timer (so the count dropped to 0
// at an arbitrary minute); here they are a rolling hour kept in one-minute buckets, bounded in
// memory however many failures arrive.
import { MinuteCounts } from '../metrics/minute-counts'

export const RECENT_FAILURES_KEPT = 50
export const RECENT_DISCONNECTS_KEPT = 20
export const FAILURE_COUNT_WINDOW_MS = 3_600_000

/** Agent key used for failures of connections that never identified. */
export const UNIDENTIFIED_AGENT = 'unidentified'

export interface ValidationFailureEvent {
  /** null before identify */
  agent_id: string | null
  message_type: string
  /** how many error items the rejected frame produced */
  error_count: number
  timestamp: number
}

export interface ValidationDisconnectEvent {
  agent_id: string | null
  timestamp: number
}

export interface ValidationView {
  recent_failures: ValidationFailureEvent[]
  failure_counts_by_agent: Record<string, number>
  recent_disconnects: ValidationDisconnectEvent[]
  total_failures_this_hour: number
}

export class ValidationFailureHistory {
  private readonly failures: ValidationFailureEvent[] = []
  private readonly disconnects: ValidationDisconnectEvent[] = []
  private readonly counts = new MinuteCounts(FAILURE_COUNT_WINDOW_MS)

  recordFailure(event: ValidationFailureEvent): void {
    pushCapped(this.failures, event, RECENT_FAILURES_KEPT)
    this.counts.add(event.agent_id ?? UNIDENTIFIED_AGENT, event.timestamp)
  }

  recordDisconnect(event: ValidationDisconnectEvent): void {
    pushCapped(this.disconnects, event, RECENT_DISCONNECTS_KEPT)
  }

  /** Failures in the last hour at `now` (the health heuristic's input). */
  failuresThisHour(now: number): number {
    return this.counts.total(now)
  }

  /** The dashboard's `validation` block, newest entries first. */
  view(now: number): ValidationView {
    const byAgent = this.counts.totals(now)
    let total = 0
    for (const n of byAgent.values()) total += n
    return {
      recent_failures: [...this.failures].reverse(),
      failure_counts_by_agent: Object.fromEntries(byAgent),
      recent_disconnects: [...this.disconnects].reverse(),
      total_failures_this_hour: total,
    }
  }
}

function pushCapped<T>(list: T[], item: T, cap: number): void {
  list.push(item)
  if (list.length > cap) list.splice(0, list.length - cap)
}
