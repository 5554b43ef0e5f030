// Per-agent activity counters in hourly buckets (protocol.md §4.8, the original's Analytics):
// messages sent/received, connections, activity. In memory only, as the original; a 24 h view.

export const HOUR_MS = 3_600_000
export const DAY_MS = 24 * HOUR_MS
/** Connected and active within this window → "active", else "idle" (original: 300 000 ms). */
export const ACTIVE_WINDOW_MS = 300_000

export type AgentActivityStatus = 'active' | 'idle' | 'offline'

export interface AgentStats {
  agent_id: string
  connected: boolean
  idle_ms: number | null
  status: AgentActivityStatus
  messages_sent_24h: number
  messages_received_24h: number
  messages_sent_this_hour: number
  connection_time_24h_ms: number
  last_active: number | null
  last_seen: number | null
  total_connections: number
}

export interface AnalyticsSummary {
  total_agents: number
  agents_connected: number
  agents_active: number
  agents_idle: number
  agents_offline: number
  total_messages_24h: number
  timestamp: number
}

export interface HourlyBucket {
  bucket: number
  /** UTC "HH:MM" of the bucket start */
  hour: string
  sent: number
  received: number
}

interface AgentActivity {
  sent: Map<number, number>
  received: Map<number, number>
  connectedAt: number | null
  /** closed connections that ended within the last 24 h */
  sessions: Array<{ start: number; end: number }>
  lastActive: number | null
  lastSeen: number | null
  totalConnections: number
}

export function hourBucket(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS
}

export function hourLabel(bucket: number): string {
  return new Date(bucket).toISOString().slice(11, 16)
}

export class ActivityCounters {
  private readonly agents = new Map<string, AgentActivity>()

  /** `to` null or "broadcast": only the sender's count moves (as the original). */
  recordMessage(from: string, to: string | null, now: number): void {
    const sender = this.agent(from)
    increment(sender.sent, hourBucket(now))
    sender.lastActive = now
    sender.lastSeen = now
    if (to !== null && to !== 'broadcast') increment(this.agent(to).received, hourBucket(now))
  }

  recordConnect(agentId: string, now: number): void {
    const activity = this.agent(agentId)
    if (activity.connectedAt !== null) activity.sessions.push({ start: activity.connectedAt, end: now }) // replaced connection
    activity.connectedAt = now
    activity.lastActive = now
    activity.lastSeen = now
    activity.totalConnections += 1
  }

  recordDisconnect(agentId: string, now: number): void {
    const activity = this.agent(agentId)
    if (activity.connectedAt !== null) activity.sessions.push({ start: activity.connectedAt, end: now })
    activity.connectedAt = null
    activity.lastSeen = now
  }

  /** Anything the agent did that is not a message (e.g. a status change). */
  recordActivity(agentId: string, now: number): void {
    const activity = this.agent(agentId)
    activity.lastActive = now
    activity.lastSeen = now
  }

  stats(now: number): AgentStats[] {
    return [...this.agents.keys()].sort().map((agentId) => this.statsOf(agentId, now))
  }

  summary(now: number): AnalyticsSummary {
    const all = this.stats(now)
    return {
      total_agents: all.length,
      agents_connected: all.filter((a) => a.connected).length,
      agents_active: all.filter((a) => a.status === 'active').length,
      agents_idle: all.filter((a) => a.status === 'idle').length,
      agents_offline: all.filter((a) => a.status === 'offline').length,
      total_messages_24h: all.reduce((sum, a) => sum + a.messages_sent_24h, 0),
      timestamp: now,
    }
  }

  /** 24 buckets, oldest first, ending with the current hour; zeros for unknown agents. */
  hourly(agentId: string, now: number): HourlyBucket[] {
    const activity = this.agents.get(agentId)
    const current = hourBucket(now)
    const out: HourlyBucket[] = []
    for (let i = 23; i >= 0; i--) {
      const bucket = current - i * HOUR_MS
      out.push({ bucket, hour: hourLabel(bucket), sent: activity?.sent.get(bucket) ?? 0, received: activity?.received.get(bucket) ?? 0 })
    }
    return out
  }

  /** Forgets buckets and closed connections older than 24 h. */
  prune(now: number): void {
    const oldestBucket = hourBucket(now) - 23 * HOUR_MS
    for (const activity of this.agents.values()) {
      for (const map of [activity.sent, activity.received]) for (const bucket of map.keys()) if (bucket < oldestBucket) map.delete(bucket)
      activity.sessions = activity.sessions.filter((session) => session.end > now - DAY_MS)
    }
  }

  private statsOf(agentId: string, now: number): AgentStats {
    const activity = this.agents.get(agentId)!
    const current = hourBucket(now)
    const oldestBucket = current - 23 * HOUR_MS
    const connected = activity.connectedAt !== null
    const idleMs = activity.lastActive === null ? null : now - activity.lastActive
    return {
      agent_id: agentId,
      connected,
      idle_ms: idleMs,
      status: !connected ? 'offline' : idleMs !== null && idleMs < ACTIVE_WINDOW_MS ? 'active' : 'idle',
      messages_sent_24h: sumSince(activity.sent, oldestBucket),
      messages_received_24h: sumSince(activity.received, oldestBucket),
      messages_sent_this_hour: activity.sent.get(current) ?? 0,
      connection_time_24h_ms: connectionTime(activity, now),
      last_active: activity.lastActive,
      last_seen: activity.lastSeen,
      total_connections: activity.totalConnections,
    }
  }

  private agent(agentId: string): AgentActivity {
    let activity = this.agents.get(agentId)
    if (!activity) {
      activity = { sent: new Map(), received: new Map(), connectedAt: null, sessions: [], lastActive: null, lastSeen: null, totalConnections: 0 }
      this.agents.set(agentId, activity)
    }
    return activity
  }
}

function increment(map: Map<number, number>, bucket: number): void {
  map.set(bucket, (map.get(bucket) ?? 0) + 1)
}

function sumSince(map: Map<number, number>, oldestBucket: number): number {
  let sum = 0
  for (const [bucket, n] of map) if (bucket >= oldestBucket) sum += n
  return sum
}

/** Time connected within the last 24 h, the ongoing connection included (the original counted closed ones only). */
function connectionTime(activity: AgentActivity, now: number): number {
  const windowStart = now - DAY_MS
  const overlap = (start: number, end: number) => Math.max(0, Math.min(end, now) - Math.max(start, windowStart))
  let total = activity.sessions.reduce((sum, session) => sum + overlap(session.start, session.end), 0)
  if (activity.connectedAt !== null) total += overlap(activity.connectedAt, now)
  return total
}
