// Who is connected right now (protocol.md §1.6 step 6, §1.7): one entry per identified agent,
// owned by the session that created it. Pure: the actor adds time and events.
import type { AgentInfo } from '../../relay/protocol'

export interface PresenceEntry {
  info: AgentInfo
  /** The session that owns the entry; only it may remove it (a replaced session's late goodbye must not remove the newer one's entry — defect of the original). */
  session_id: string
  /** Refreshed by `ping` only. */
  last_seen: number
}

export interface JoinInput {
  agent_id: string
  name?: string
  status?: string
  capabilities?: unknown[]
}

export function presenceEntry(input: JoinInput, sessionId: string, now: number): PresenceEntry {
  return {
    info: {
      agent_id: input.agent_id,
      name: typeof input.name === 'string' && input.name !== '' ? input.name : input.agent_id,
      status: typeof input.status === 'string' && input.status !== '' ? input.status : 'connected',
      capabilities: Array.isArray(input.capabilities) ? input.capabilities : [],
      connected_at: now,
    },
    session_id: sessionId,
    last_seen: now,
  }
}

export interface StaleEntry {
  agent_id: string
  session_id: string
  last_seen: number
  stale_ms: number
}

/** Entries whose last ping is more than `maxAgeMs` ago (strictly), oldest first. */
export function staleEntries(entries: Iterable<PresenceEntry>, now: number, maxAgeMs: number): StaleEntry[] {
  const out: StaleEntry[] = []
  for (const e of entries) {
    const age = now - e.last_seen
    if (age > maxAgeMs) out.push({ agent_id: e.info.agent_id, session_id: e.session_id, last_seen: e.last_seen, stale_ms: age })
  }
  return out.sort((a, b) => a.last_seen - b.last_seen)
}
