// The `presence` actor (in memory): AgentInfo of every identified agent, last `ping` time, and
// the presence events on topic `presence` (`agent_joined`, `agent_left`, `status_changed`).
import { Actor, replyError } from '../runtime'
import type { AgentInfo } from '../../relay/protocol'
import { TOPIC } from '../names'
import { presenceEntry, staleEntries, type JoinInput, type PresenceEntry, type StaleEntry } from './presence-table'

export type PresenceEvent =
  | { type: 'agent_joined'; agent: AgentInfo }
  | { type: 'agent_left'; agent_id: string }
  | { type: 'status_changed'; agent: AgentInfo }

export type PresenceCall =
  /** Creates or replaces the agent's entry (connected_at = last_seen = now); publishes agent_joined. */
  | { type: 'join'; agent: JoinInput; session_id: string }
  /** Removes the entry only if `session_id` still owns it; publishes agent_left. Reply: removed? */
  | { type: 'leave'; agent_id: string; session_id: string }
  /** Reply: the updated AgentInfo, or null when the agent is not present. Publishes status_changed. */
  | { type: 'set_status'; agent_id: string; status: string }
  | { type: 'list' }
  | { type: 'get'; agent_id: string }
  | { type: 'count' }
  /** Entries without a ping for more than `max_age_ms` (the reaper). */
  | { type: 'stale'; max_age_ms: number }

/** `ping` refreshes last_seen (the only message that does). Ignored for a session that no longer owns the entry. */
export type PresenceCast = { type: 'touch'; agent_id: string; session_id?: string }

export type { StaleEntry, JoinInput }

export class PresenceActor extends Actor<PresenceCall, PresenceCast, never, void> {
  /** insertion order = join order, as listings show it */
  private readonly entries = new Map<string, PresenceEntry>()

  override handleCall(msg: PresenceCall): unknown {
    switch (msg?.type) {
      case 'join':
        return this.join(msg.agent, msg.session_id)
      case 'leave':
        return this.leave(msg.agent_id, msg.session_id)
      case 'set_status':
        return this.setStatus(msg.agent_id, msg.status)
      case 'list':
        return [...this.entries.values()].map((e) => e.info)
      case 'get':
        return this.entries.get(msg.agent_id)?.info ?? null
      case 'count':
        return this.entries.size
      case 'stale':
        return staleEntries(this.entries.values(), this.ctx.clock.now(), msg.max_age_ms)
      default:
        return replyError(new TypeError(`presence: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override handleCast(msg: PresenceCast): void {
    if (msg?.type !== 'touch') return
    const entry = this.entries.get(msg.agent_id)
    if (entry && (msg.session_id === undefined || msg.session_id === entry.session_id)) entry.last_seen = this.ctx.clock.now()
  }

  override snapshot(): unknown {
    return [...this.entries.values()].map((e) => ({ ...e.info, session_id: e.session_id, last_seen: e.last_seen }))
  }

  private join(input: JoinInput, sessionId: string): AgentInfo | ReturnType<typeof replyError> {
    if (typeof input?.agent_id !== 'string' || input.agent_id === '') return replyError(new TypeError('presence join: agent_id required'))
    const entry = presenceEntry(input, String(sessionId), this.ctx.clock.now())
    this.entries.delete(input.agent_id) // a rejoin moves to the end
    this.entries.set(input.agent_id, entry)
    this.publish({ type: 'agent_joined', agent: entry.info })
    return entry.info
  }

  private leave(agentId: string, sessionId: string): boolean {
    const entry = this.entries.get(agentId)
    if (!entry || entry.session_id !== sessionId) return false
    this.entries.delete(agentId)
    this.publish({ type: 'agent_left', agent_id: agentId })
    return true
  }

  private setStatus(agentId: string, status: string): AgentInfo | null {
    const entry = this.entries.get(agentId)
    if (!entry) return null
    entry.info = { ...entry.info, status }
    this.publish({ type: 'status_changed', agent: entry.info })
    return entry.info
  }

  private publish(event: PresenceEvent): void {
    this.ctx.publish(TOPIC.presence, event)
  }
}
