// Turns executor events into `execution_event` payloads for `task_progress` (sidecar.md §8.2).
// Non-token events go out at once, one frame each. Token deltas are throttled: the first after a
// quiet period goes out at once and opens a 100 ms window; deltas arriving inside the window are
// concatenated and sent when it closes, so a streaming model produces at most ~10 frames/s.
// Differences from the original: pending tokens are flushed before a non-token event (frames
// stay in order), a window with nothing to send stops the timer instead of ticking forever, and
// batched frames keep the model name.
import type { ExecutionClock } from './execution-clock'
import type { ExecutorEvent } from './execution-types'

export const PROGRESS_BATCH_MS = 100

/** The `execution_event` object of a `task_progress` frame (protocol.md §1.7). */
export interface ExecutionEventPayload {
  event_type: string
  text: string
  tokens_so_far: number | null
  model: string | null
  timestamp: number
}

export type ExecutionEventSend = (event: ExecutionEventPayload) => void

export function toExecutionEvent(event: ExecutorEvent, timestamp: number): ExecutionEventPayload {
  return {
    event_type: event.type,
    text: event.text ?? '',
    tokens_so_far: typeof event.tokens_so_far === 'number' ? event.tokens_so_far : null,
    model: event.model ?? null,
    timestamp,
  }
}

/** `{type:"task_progress", task_id, execution_event}` */
export function taskProgressFrame(taskId: string, event: ExecutionEventPayload): {
  type: 'task_progress'
  task_id: string
  execution_event: ExecutionEventPayload
} {
  return { type: 'task_progress', task_id: taskId, execution_event: event }
}

export class ProgressEmitter {
  private bufferText = ''
  private bufferTokens: number | null = null
  private bufferModel: string | null = null
  private hasBuffer = false
  private windowTimer: unknown = null
  private destroyed = false

  constructor(
    private readonly clock: ExecutionClock,
    private readonly send: ExecutionEventSend,
    private readonly batchMs = PROGRESS_BATCH_MS,
  ) {}

  /** Accepts one executor event; usable directly as an ExecutorEventSink. */
  readonly emit = (event: ExecutorEvent): void => {
    if (this.destroyed) return
    if (event.type !== 'token') {
      this.flush()
      this.sendNow(event)
      return
    }
    if (this.windowTimer === null) {
      this.sendNow(event)
      this.openWindow()
      return
    }
    this.bufferText += event.text ?? ''
    if (typeof event.tokens_so_far === 'number') this.bufferTokens = event.tokens_so_far
    if (event.model) this.bufferModel = event.model
    this.hasBuffer = true
  }

  /** Sends buffered tokens now, if any. */
  flush(): void {
    if (!this.hasBuffer) return
    const event: ExecutorEvent = { type: 'token', text: this.bufferText, tokens_so_far: this.bufferTokens, model: this.bufferModel }
    this.bufferText = ''
    this.bufferTokens = null
    this.bufferModel = null
    this.hasBuffer = false
    this.sendNow(event)
  }

  /** Flushes and stops; later events are dropped. */
  destroy(): void {
    if (this.destroyed) return
    this.flush()
    this.clock.clearTimeout(this.windowTimer)
    this.windowTimer = null
    this.destroyed = true
  }

  private openWindow(): void {
    this.windowTimer = this.clock.setTimeout(() => this.closeWindow(), this.batchMs)
  }

  private closeWindow(): void {
    this.windowTimer = null
    if (this.destroyed || !this.hasBuffer) return
    this.flush()
    this.openWindow()
  }

  private sendNow(event: ExecutorEvent): void {
    try {
      this.send(toExecutionEvent(event, this.clock.now()))
    } catch {
      // progress is best effort: a closed socket must not fail the task
    }
  }
}
