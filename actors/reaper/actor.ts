// The `reaper` (protocol.md §1.4, DIGEST 7): every 30 s, agents whose last `ping` is more than
// 60 s old are evicted — their session is closed (1008 "stale: no ping received"); closing
// ends the session, which leaves presence and reclaims the agent's task. The original killed
// the connection process without a close frame.
import { Actor, type SystemInfo } from '../runtime'
import { CLOSE } from '../../relay/protocol'
import { ACTOR, TOPIC, sessionName } from '../names'
import type { StaleEntry } from '../presence'

export const REAPER_INTERVAL_MS = 30_000
export const REAPER_MAX_AGE_MS = 60_000

export interface ReaperArgs {
  intervalMs?: number
  maxAgeMs?: number
}

type ReaperInfo = { type: 'sweep' }
export type ReaperCall = { type: 'sweep_now' }

export class ReaperActor extends Actor<ReaperCall, never, ReaperInfo, ReaperArgs | undefined> {
  private maxAgeMs = REAPER_MAX_AGE_MS
  private evictions = 0

  override init(args?: ReaperArgs): void {
    this.maxAgeMs = args?.maxAgeMs ?? REAPER_MAX_AGE_MS
    this.ctx.interval({ type: 'sweep' }, args?.intervalMs ?? REAPER_INTERVAL_MS)
  }

  /** `sweep_now` → the agent ids evicted (console and tests). */
  override async handleCall(msg: ReaperCall): Promise<string[]> {
    if (msg?.type !== 'sweep_now') return []
    return this.sweep()
  }

  override async handleInfo(msg: ReaperInfo | SystemInfo): Promise<void> {
    if (msg.type === 'sweep') await this.sweep()
  }

  private async sweep(): Promise<string[]> {
    let stale: StaleEntry[]
    try {
      stale = await this.ctx.system.byName(ACTOR.presence).call<StaleEntry[]>({ type: 'stale', max_age_ms: this.maxAgeMs })
    } catch (error) {
      this.ctx.log.warn('reaper: presence unavailable; sweep skipped', { error: String(error) })
      return []
    }
    for (const entry of stale) this.evict(entry)
    return stale.map((e) => e.agent_id)
  }

  private evict(entry: StaleEntry): void {
    this.evictions++
    this.ctx.log.warn('reaper: evicting stale agent', { agent_id: entry.agent_id, stale_ms: entry.stale_ms })
    this.ctx.publish(TOPIC.telemetry, {
      type: 'telemetry',
      event: 'agent_com.agent.evict',
      measurements: { stale_ms: entry.stale_ms },
      metadata: { agent_id: entry.agent_id },
      timestamp: this.ctx.clock.now(),
    })
    const session = this.ctx.system.whereis(sessionName(entry.agent_id))
    if (session) {
      session.cast({ type: 'close', ...CLOSE.staleEvicted, session_id: entry.session_id })
      return
    }
    // no session holds it (it crashed): drop the presence entry directly
    void this.ctx.system.byName(ACTOR.presence).call({ type: 'leave', agent_id: entry.agent_id, session_id: entry.session_id }).catch(() => undefined)
  }
}
