// Delivery of outcome frames (task_complete / task_failed) that must reach the hub (defect fixed:
// the original dropped them when the socket was down). Entries live in the local queue's durable
// document; this class sends them one at a time, oldest first, and removes an entry only when
// the hub answered it: a `task_ack` (complete / retried / dead_letter) or a definitive refusal
// (`task_complete_failed: …` / `task_fail_failed: …`, e.g. a stale generation). The hub's error
// frames carry no task id, so only one entry is ever in flight. Unanswered entries are resent
// after a timeout and after every reconnect; the hub's generation fencing makes a duplicate
// harmless.
import type { Clock, TimerHandle } from './clock'
import type { EventLog } from './event-log'
import type { InboundFrame, OutcomeFrame } from './frames'
import type { OutboxEntry } from './local-queue'

export interface OutboxStore {
  readonly outbox: readonly OutboxEntry[]
  removeOutboxEntry(seq: number): void
}

export interface OutboxDeliveryOptions {
  store: OutboxStore
  /** sends a frame if the socket is open; false when it was not sent */
  send: (frame: OutcomeFrame) => boolean
  clock: Clock
  log: EventLog
  /** resend the in-flight entry when no answer arrived within this time */
  ackTimeoutMs?: number
  /** called after an entry left the outbox, with how it ended */
  onSettled?: (entry: OutboxEntry, how: SettledHow) => void
}

export type SettledHow = { kind: 'acked'; status: string } | { kind: 'refused'; error: string }

const ACK_STATUSES = new Set(['complete', 'retried', 'dead_letter'])
const DEFAULT_ACK_TIMEOUT_MS = 15_000
const MIN_RATE_LIMIT_WAIT_MS = 1_000

export class OutboxDelivery {
  private connected = false
  private inFlight: { entry: OutboxEntry; timer: TimerHandle } | null = null
  private retryTimer: TimerHandle | null = null
  private readonly ackTimeoutMs: number

  constructor(private readonly opts: OutboxDeliveryOptions) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS
  }

  /** The connection is identified: start (or restart) delivering from the oldest entry. */
  onIdentified(): void {
    this.connected = true
    this.clearInFlight()
    this.sendNext()
  }

  /** The connection dropped: whatever was in flight is resent after the next identify. */
  onDisconnected(): void {
    this.connected = false
    this.clearInFlight()
  }

  /** A new entry was queued. */
  notify(): void {
    if (!this.inFlight && !this.retryTimer) this.sendNext()
  }

  pendingCount(): number {
    return this.opts.store.outbox.length
  }

  /** Offers an inbound frame; returns true when it answered the in-flight entry. */
  handleFrame(frame: InboundFrame): boolean {
    const current = this.inFlight
    if (!current) return false
    const sent = current.entry.frame
    if (frame.type === 'task_ack' && frame.task_id === sent.task_id && ACK_STATUSES.has(frame.status)) {
      this.settle(current.entry, { kind: 'acked', status: frame.status })
      return true
    }
    if (frame.type === 'error' && isRefusalOf(sent, frame.error)) {
      this.opts.log.log('warning', 'outcome_refused_by_hub', { task_id: sent.task_id, type: sent.type, error: frame.error })
      this.settle(current.entry, { kind: 'refused', error: frame.error })
      return true
    }
    if (frame.type === 'rate_limited') {
      const wait = Math.max(MIN_RATE_LIMIT_WAIT_MS, frame.retry_after_ms ?? 0)
      this.opts.log.log('warning', 'outcome_rate_limited', { task_id: sent.task_id, retry_after_ms: wait })
      this.clearInFlight()
      this.retryAfter(wait)
      return true
    }
    return false
  }

  stop(): void {
    this.connected = false
    this.clearInFlight()
  }

  private settle(entry: OutboxEntry, how: SettledHow): void {
    this.clearInFlight()
    this.opts.store.removeOutboxEntry(entry.seq)
    this.opts.onSettled?.(entry, how)
    this.sendNext()
  }

  private sendNext(): void {
    if (!this.connected || this.inFlight || this.retryTimer) return
    const entry = this.opts.store.outbox[0]
    if (!entry) return
    if (!this.opts.send(entry.frame)) return // socket went away; onIdentified resumes
    const timer = this.opts.clock.setTimeout(() => {
      if (this.inFlight?.entry.seq !== entry.seq) return
      this.opts.log.log('warning', 'outcome_ack_timeout', { task_id: entry.frame.task_id, seq: entry.seq })
      this.inFlight = null
      this.sendNext()
    }, this.ackTimeoutMs)
    this.inFlight = { entry, timer }
  }

  private retryAfter(ms: number): void {
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = null
      this.sendNext()
    }, ms)
  }

  private clearInFlight(): void {
    if (this.inFlight) this.opts.clock.clearTimeout(this.inFlight.timer)
    this.inFlight = null
    if (this.retryTimer) this.opts.clock.clearTimeout(this.retryTimer)
    this.retryTimer = null
  }
}

function isRefusalOf(frame: OutcomeFrame, error: string): boolean {
  return frame.type === 'task_complete' ? error.startsWith('task_complete_failed') : error.startsWith('task_fail_failed')
}
