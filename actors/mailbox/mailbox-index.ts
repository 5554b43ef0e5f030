// Which mailbox entries exist, per agent, in seq order: the mailbox actor's in-memory view of
// `agent_mailbox`, so caps, acks and TTL eviction are decided without scanning the table and
// stay right while earlier writes are still committing.

export interface IndexedEntry {
  seq: number
  storedAt: number
}

export interface EntryRef {
  agentId: string
  seq: number
}

/** Per-agent cap of the original (protocol.md §3.4). */
export const MAILBOX_CAP = 100

export class MailboxIndex {
  private readonly byAgent = new Map<string, IndexedEntry[]>()

  constructor(private readonly cap: number = MAILBOX_CAP) {}

  /** Adds an entry (seq above every seq of that agent); returns the seqs pushed out by the cap. */
  add(agentId: string, seq: number, storedAt: number): number[] {
    let entries = this.byAgent.get(agentId)
    if (!entries) this.byAgent.set(agentId, (entries = []))
    entries.push({ seq, storedAt })
    const overflow = entries.length - this.cap
    return overflow > 0 ? entries.splice(0, overflow).map((entry) => entry.seq) : []
  }

  /** Loads an existing entry at startup (any order). */
  restore(agentId: string, seq: number, storedAt: number): void {
    let entries = this.byAgent.get(agentId)
    if (!entries) this.byAgent.set(agentId, (entries = []))
    entries.push({ seq, storedAt })
  }

  /** After `restore` calls: sort, and apply the cap to what a smaller-cap past left behind. */
  finishRestore(): EntryRef[] {
    const trimmed: EntryRef[] = []
    for (const [agentId, entries] of this.byAgent) {
      entries.sort((a, b) => a.seq - b.seq)
      const overflow = entries.length - this.cap
      if (overflow > 0) for (const entry of entries.splice(0, overflow)) trimmed.push({ agentId, seq: entry.seq })
    }
    return trimmed
  }

  /** Removes the agent's entries with seq ≤ `upTo`; returns their seqs. */
  ackUpTo(agentId: string, upTo: number): number[] {
    const entries = this.byAgent.get(agentId)
    if (!entries) return []
    let n = 0
    while (n < entries.length && entries[n]!.seq <= upTo) n++
    const removed = entries.splice(0, n).map((entry) => entry.seq)
    if (entries.length === 0) this.byAgent.delete(agentId)
    return removed
  }

  /** Removes every entry stored before `cutoff` (exclusive); returns them. */
  evictStoredBefore(cutoff: number): EntryRef[] {
    const evicted: EntryRef[] = []
    for (const [agentId, entries] of this.byAgent) {
      const kept = entries.filter((entry) => {
        if (entry.storedAt >= cutoff) return true
        evicted.push({ agentId, seq: entry.seq })
        return false
      })
      if (kept.length === 0) this.byAgent.delete(agentId)
      else if (kept.length !== entries.length) this.byAgent.set(agentId, kept)
    }
    return evicted
  }

  count(agentId: string): number {
    return this.byAgent.get(agentId)?.length ?? 0
  }

  get total(): number {
    let sum = 0
    for (const entries of this.byAgent.values()) sum += entries.length
    return sum
  }
}
