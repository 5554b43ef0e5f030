// The set of open WebSockets of one transport, and the idle sweep over it. One timer for all
// sockets instead of one per socket: resetting a timer on every frame costs more than a sweep.
import { performance } from 'node:perf_hooks'
import { CLOSE_REASONS, type HubWsConnection } from './ws-connection'

/** Idle closes land between idleTimeoutMs and idleTimeoutMs + this interval. */
export function sweepIntervalMs(idleTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(idleTimeoutMs / 4)))
}

export class LiveSockets {
  private readonly sockets = new Set<HubWsConnection<unknown>>()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly idleTimeoutMs: number) {}

  get size(): number {
    return this.sockets.size
  }

  add(conn: HubWsConnection<unknown>): void {
    this.sockets.add(conn)
  }

  delete(conn: HubWsConnection<unknown>): void {
    this.sockets.delete(conn)
  }

  startIdleSweep(): void {
    if (this.timer || this.idleTimeoutMs <= 0) return
    this.timer = setInterval(() => this.closeIdle(performance.now()), sweepIntervalMs(this.idleTimeoutMs))
    this.timer.unref()
  }

  stopIdleSweep(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  closeIdle(now: number): void {
    for (const conn of this.sockets) {
      // 1002 as the original's framework does; clients treat any close as "reconnect".
      if (now - conn.lastInboundAt >= this.idleTimeoutMs) conn.close(1002, CLOSE_REASONS.idle)
    }
  }

  closeAll(code: number, reason: string): void {
    for (const conn of this.sockets) conn.close(code, reason)
  }
}
