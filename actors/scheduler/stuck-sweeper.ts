// The stuck-assignment sweep (task-pipeline.md §4.3) as its own small actor: every 30 s it has
// the queue reclaim every assigned task with no accept/progress touch for 5 minutes. The queue
// judges and reclaims in one step (assignee- and generation-checked), tells each agent's FSM so
// it returns to idle, and publishes `task_reclaimed`, which starts a scheduling pass.

import { Actor, replyError, type SystemInfo } from '../runtime'
import { ACTOR } from '../names'
import { STUCK_SWEEP_INTERVAL_MS, STUCK_THRESHOLD_MS } from '../task-queue/deadlines'
import type { SweepReply } from '../task-queue/messages'

export const STUCK_SWEEPER = 'stuck-sweeper'

export interface StuckSweeperArgs {
  intervalMs?: number
  thresholdMs?: number
  callTimeoutMs?: number
}

export type StuckSweeperCall = { type: 'sweep_now' }
type StuckSweeperInfo = { type: 'sweep' }

export class StuckSweeperActor extends Actor<StuckSweeperCall, never, StuckSweeperInfo, StuckSweeperArgs> {
  private thresholdMs = STUCK_THRESHOLD_MS
  private callTimeoutMs = 5000
  private reclaimed = 0

  override init(args: StuckSweeperArgs = {}): void {
    this.thresholdMs = args?.thresholdMs ?? STUCK_THRESHOLD_MS
    this.callTimeoutMs = args?.callTimeoutMs ?? 5000
    this.ctx.interval({ type: 'sweep' }, args?.intervalMs ?? STUCK_SWEEP_INTERVAL_MS)
  }

  override async handleCall(msg: StuckSweeperCall): Promise<unknown> {
    if (msg?.type === 'sweep_now') return this.sweep()
    return replyError(new TypeError('stuck-sweeper: unknown call'))
  }

  override async handleInfo(msg: StuckSweeperInfo | SystemInfo): Promise<void> {
    if (msg.type === 'sweep') await this.sweep()
  }

  override snapshot(): unknown {
    return { threshold_ms: this.thresholdMs, reclaimed_total: this.reclaimed }
  }

  private async sweep(): Promise<SweepReply> {
    try {
      const reply = await this.ctx.system
        .byName(ACTOR.taskQueue)
        .call<SweepReply>({ type: 'reclaim_stuck', threshold_ms: this.thresholdMs }, { timeoutMs: this.callTimeoutMs })
      this.reclaimed += reply.task_ids.length
      if (reply.task_ids.length > 0) this.ctx.log.info('stuck sweep reclaimed tasks', { task_ids: reply.task_ids })
      return reply
    } catch (error) {
      this.ctx.log.warn('stuck sweep: queue unavailable', { error: String(error) })
      return { task_ids: [] }
    }
  }
}
