// The `analytics` actor: in-memory activity counters fed by live traffic — every routed
// message (router cast) and presence events — where the original's were fed by nothing.
import { Actor, replyError, type SystemInfo } from '../runtime'
import { TOPIC } from '../names'
import { ActivityCounters, HOUR_MS } from './activity-counters'
import type { AnalyticsCall, AnalyticsCast, AnalyticsInfo } from './messages'

interface PresenceEvent {
  type: string
  agent?: { agent_id?: unknown }
  agent_id?: unknown
}

export class AnalyticsActor extends Actor<AnalyticsCall, AnalyticsCast, AnalyticsInfo, void> {
  private readonly counters = new ActivityCounters()

  override init(): void {
    this.ctx.subscribe(TOPIC.presence)
    this.ctx.interval({ type: 'prune' }, HOUR_MS)
  }

  override handleCall(msg: AnalyticsCall): unknown {
    const now = this.ctx.clock.now()
    switch (msg.type) {
      case 'summary':
        return this.counters.summary(now)
      case 'agents':
        return this.counters.stats(now)
      case 'hourly':
        return this.counters.hourly(msg.agent_id, now)
      default:
        return replyError(new TypeError(`analytics: unknown call ${(msg as { type?: unknown }).type}`))
    }
  }

  override handleCast(msg: AnalyticsCast): void {
    const now = this.ctx.clock.now()
    switch (msg.type) {
      case 'record_message':
        this.counters.recordMessage(msg.from, msg.to, now)
        break
      case 'record_connect':
        this.counters.recordConnect(msg.agent_id, now)
        break
      case 'record_disconnect':
        this.counters.recordDisconnect(msg.agent_id, now)
        break
      case 'record_activity':
        this.counters.recordActivity(msg.agent_id, now)
        break
    }
  }

  override handleInfo(msg: AnalyticsInfo | SystemInfo): void {
    const now = this.ctx.clock.now()
    if (msg.type === 'prune') this.counters.prune(now)
    if (msg.type === 'bus' && msg.topic === TOPIC.presence) this.onPresence(msg.event as PresenceEvent, now)
  }

  private onPresence(event: PresenceEvent, now: number): void {
    const agentId = typeof event.agent?.agent_id === 'string' ? event.agent.agent_id : typeof event.agent_id === 'string' ? event.agent_id : null
    if (agentId === null) return
    if (event.type === 'agent_joined') this.counters.recordConnect(agentId, now)
    else if (event.type === 'agent_left') this.counters.recordDisconnect(agentId, now)
    else if (event.type === 'status_changed') this.counters.recordActivity(agentId, now)
  }
}
