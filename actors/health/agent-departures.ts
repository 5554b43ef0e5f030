// Which agents left recently and have not come back (input of the "Agent offline" condition).
// Fed by presence events; an agent that rejoins is forgotten at once, and entries older than the
// warning window are dropped, so this never grows with the fleet's history.
import { AGENT_OFFLINE_WARNING_MS } from './dashboard-health'

export class AgentDepartures {
  private readonly leftAt = new Map<string, number>()

  joined(agentId: string): void {
    this.leftAt.delete(agentId)
  }

  left(agentId: string, at: number): void {
    this.leftAt.set(agentId, at)
  }

  /** Departures within the warning window at `now`, oldest first. */
  recent(now: number): Array<{ agent_id: string; left_at: number }> {
    for (const [agentId, at] of this.leftAt) if (now - at > AGENT_OFFLINE_WARNING_MS) this.leftAt.delete(agentId)
    return [...this.leftAt].map(([agent_id, left_at]) => ({ agent_id, left_at })).sort((a, b) => a.left_at - b.left_at)
  }
}
