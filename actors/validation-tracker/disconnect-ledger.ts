// Cross-connection backoff after validation disconnects (hardening.md §2.4): agent_id →
// (disconnect_count, last_disconnect_at), checked when an `identify` arrives. The cooldown
// ladder is the original's: 1 → 30 s, 2 → 60 s, ≥3 → 300 s after the last disconnect.
//
// Decay (the original never decayed; its 10-minute expiry sweep was never scheduled): every full
// DISCONNECT_DECAY_MS (10 min) without a new disconnect forgets one disconnect. So an agent that
// misbehaved once is clean 10 min later, a repeat offender at ≥3 steps back down 5 min → 60 s →
// 30 s → clean over 30 quiet minutes, and a new disconnect climbs from the decayed count. Decay
// starts after every cooldown has ended (10 min > 5 min), so it never shortens a cooldown.
// Unidentified connections are never recorded.

export const COOLDOWN_LADDER_MS: readonly number[] = Object.freeze([30_000, 60_000, 300_000])
export const DISCONNECT_DECAY_MS = 600_000
export const COOLDOWN_CLOSE_CODE = 1008

export interface DisconnectRecord {
  disconnect_count: number
  last_disconnect_at: number
}

export type IdentifyAdmission = { ok: true } | { ok: false; code: typeof COOLDOWN_CLOSE_CODE; reason: string; remaining_ms: number }

/** Cooldown after the `count`-th disconnect (0 for none). */
export function cooldownFor(count: number): number {
  if (count <= 0) return 0
  return COOLDOWN_LADDER_MS[Math.min(count, COOLDOWN_LADDER_MS.length) - 1]
}

/** The 1008 close reason; N = floor(remaining / 1000) + 1 (protocol.md §1.4). */
export function cooldownCloseReason(remainingMs: number): string {
  return `cooldown active: retry in ${Math.floor(remainingMs / 1000) + 1}s`
}

/** Disconnects still counted at `now` after decay. */
export function effectiveDisconnectCount(record: DisconnectRecord, now: number): number {
  const quiet = Math.max(0, now - record.last_disconnect_at)
  return Math.max(0, record.disconnect_count - Math.floor(quiet / DISCONNECT_DECAY_MS))
}

export class DisconnectLedger {
  private readonly records = new Map<string, DisconnectRecord>()

  /** Records a validation disconnect of an identified agent; returns its new (decayed + 1) count. */
  recordDisconnect(agentId: string, now: number): number {
    const previous = this.records.get(agentId)
    const count = (previous ? effectiveDisconnectCount(previous, now) : 0) + 1
    this.records.set(agentId, { disconnect_count: count, last_disconnect_at: now })
    return count
  }

  /** Milliseconds of cooldown left for `agentId` at `now` (0 = may identify). */
  cooldownRemaining(agentId: string, now: number): number {
    const record = this.records.get(agentId)
    if (!record) return 0
    const count = effectiveDisconnectCount(record, now)
    return Math.max(0, record.last_disconnect_at + cooldownFor(count) - now)
  }

  /** The identify check: refuse with 1008 `cooldown active: retry in Ns` during a cooldown. */
  admitIdentify(agentId: string, now: number): IdentifyAdmission {
    const remaining = this.cooldownRemaining(agentId, now)
    if (remaining <= 0) return { ok: true }
    return { ok: false, code: COOLDOWN_CLOSE_CODE, reason: cooldownCloseReason(remaining), remaining_ms: remaining }
  }

  get(agentId: string, now: number): DisconnectRecord | null {
    const record = this.records.get(agentId)
    if (!record) return null
    const count = effectiveDisconnectCount(record, now)
    return count === 0 ? null : { disconnect_count: count, last_disconnect_at: record.last_disconnect_at }
  }

  /** Forgets fully decayed records (run from the actor's periodic sweep); returns how many. */
  prune(now: number): number {
    let removed = 0
    for (const [agentId, record] of this.records) {
      if (effectiveDisconnectCount(record, now) === 0) {
        this.records.delete(agentId)
        removed++
      }
    }
    return removed
  }

  get size(): number {
    return this.records.size
  }
}
