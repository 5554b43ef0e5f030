// The live feed of every dashboard socket: bus events become event items, batched and flushed
// 100 ms after the first pending item (so at most 10 `events` frames per second, none when
// nothing happened — protocol.md §5.1); execution-stream events go out at once, unbatched
// (smart-pipeline.md §11.2). Time comes from the injected clock.
import type { ActorSystem, Clock, TimerHandle } from '../../../actors/runtime'
import { TOPIC } from '../../../actors/names'
import { dashboardEventItem, FEED_TOPICS, type DashboardEventItem } from '../../../actors/dashboard-state/event-items'

export const EVENT_FLUSH_INTERVAL_MS = 100

export interface ExecutionEventFrame {
  type: 'execution_event'
  task_id: string
  event_type: unknown
  text: unknown
  tokens_so_far: unknown
  model: unknown
  timestamp: unknown
}

export interface FeedSink {
  events(items: DashboardEventItem[]): void
  execution(frame: ExecutionEventFrame): void
}

export class DashboardFeed {
  private readonly sinks = new Set<FeedSink>()
  private pending: DashboardEventItem[] = []
  private flushTimer: TimerHandle | null = null
  private unsubscribers: Array<() => void> = []

  constructor(
    private readonly system: ActorSystem,
    private readonly clock: Clock = system.clock,
    private readonly flushIntervalMs = EVENT_FLUSH_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.unsubscribers.length > 0) return
    for (const topic of FEED_TOPICS) {
      this.unsubscribers.push(this.system.bus.subscribe(topic, (event: unknown) => this.onEvent(topic, event)))
    }
    this.unsubscribers.push(this.system.bus.subscribe(TOPIC.execution, (event: unknown) => this.onExecution(event)))
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
    if (this.flushTimer !== null) this.clock.cancel(this.flushTimer)
    this.flushTimer = null
    this.pending = []
    this.sinks.clear()
  }

  /** Returns the detach function. */
  attach(sink: FeedSink): () => void {
    this.sinks.add(sink)
    return () => this.sinks.delete(sink)
  }

  get sinkCount(): number {
    return this.sinks.size
  }

  private onEvent(topic: string, event: unknown): void {
    if (this.sinks.size === 0) return
    const item = dashboardEventItem(topic, event, this.clock.now())
    if (item === null) return
    this.pending.push(item)
    if (this.flushTimer === null) this.flushTimer = this.clock.schedule(this.flushIntervalMs, () => this.flush())
  }

  private flush(): void {
    this.flushTimer = null
    const batch = this.pending
    this.pending = []
    if (batch.length === 0) return
    for (const sink of [...this.sinks]) sink.events(batch)
  }

  private onExecution(event: unknown): void {
    if (this.sinks.size === 0) return
    const frame = executionFrame(event)
    if (frame === null) return
    for (const sink of [...this.sinks]) sink.execution(frame)
  }
}

/** The §11.2 frame from a topic-`execution` event (CONTRACTS.md "Execution stream"). */
export function executionFrame(event: unknown): ExecutionEventFrame | null {
  if (typeof event !== 'object' || event === null) return null
  const e = event as Record<string, unknown>
  if (typeof e.task_id !== 'string') return null
  return {
    type: 'execution_event',
    task_id: e.task_id,
    event_type: e.event_type ?? null,
    text: e.text ?? null,
    tokens_so_far: e.tokens_so_far ?? null,
    model: e.model ?? null,
    timestamp: e.timestamp ?? null,
  }
}
