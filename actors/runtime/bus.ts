// Topic pub/sub. Actors receive events as `{ type: 'bus', topic, event }` infos, in publish
// order, and are unsubscribed automatically when they exit. Plain functions may subscribe too
// (the endpoint layer); they run synchronously inside publish, so keep them short — an
// exception there is logged, never thrown at the publisher. Topic '*' receives everything.

import type { ActorRef } from './actor-ref'
import { cellOf, type Cell } from './cell'
import { formatReason, reasonFromThrown } from './exit-reason'
import type { Logger } from './logger'

export type BusListener = (event: unknown, topic: string) => void

export const ALL_TOPICS = '*'

export class Bus {
  private readonly subscribers = new Map<string, Set<Cell | BusListener>>()

  constructor(private readonly logger: Logger) {}

  /** Returns a function that unsubscribes. */
  subscribe(topic: string, subscriber: ActorRef | BusListener): () => void {
    assertTopic(topic)
    const target = toTarget(subscriber)
    if (typeof target !== 'function') {
      if (!target.isAlive) return () => {}
      target.topics.add(topic)
    }
    let set = this.subscribers.get(topic)
    if (!set) this.subscribers.set(topic, (set = new Set()))
    set.add(target)
    return () => this.unsubscribe(topic, subscriber)
  }

  unsubscribe(topic: string, subscriber: ActorRef | BusListener): void {
    const target = toTarget(subscriber)
    if (typeof target !== 'function') target.topics.delete(topic)
    const set = this.subscribers.get(topic)
    if (!set) return
    set.delete(target)
    if (set.size === 0) this.subscribers.delete(topic)
  }

  /** Delivers to every subscriber of `topic` and of '*'. Returns how many were reached. */
  publish(topic: string, event: unknown): number {
    assertTopic(topic)
    let reached = this.deliver(this.subscribers.get(topic), topic, event)
    if (topic !== ALL_TOPICS) reached += this.deliver(this.subscribers.get(ALL_TOPICS), topic, event)
    return reached
  }

  subscriberCount(topic: string): number {
    return this.subscribers.get(topic)?.size ?? 0
  }

  topics(): string[] {
    return [...this.subscribers.keys()]
  }

  private deliver(set: Set<Cell | BusListener> | undefined, topic: string, event: unknown): number {
    if (!set) return 0
    let reached = 0
    for (const target of set) {
      if (typeof target === 'function') {
        try {
          target(event, topic)
          reached++
        } catch (thrown) {
          this.logger.error('bus listener failed', { topic, error: formatReason(reasonFromThrown(thrown)) })
        }
      } else if (target.isAlive) {
        target.info({ type: 'bus', topic, event })
        reached++
      }
    }
    return reached
  }
}

function toTarget(subscriber: ActorRef | BusListener): Cell | BusListener {
  if (typeof subscriber === 'function') return subscriber
  const cell = cellOf(subscriber)
  if (!cell) throw new TypeError(`bus subscriber is neither a function nor an actor ref: ${String(subscriber)}`)
  return cell
}

function assertTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0) throw new TypeError(`bus topic must be a non-empty string, got ${String(topic)}`)
}
