// Connection state shared by both adapters: open/closed bookkeeping, the backpressure policy,
// idle accounting and crash containment. Adapters only supply the three raw socket operations.
import { performance } from 'node:perf_hooks'
import type { TransportLimits, TransportLogger, WsConnection, WsEndpoint, WsUpgradeInfo } from './types'

export interface ConnectionContext {
  readonly limits: Readonly<TransportLimits>
  readonly logger: TransportLogger
  /** Called once when the connection stops being open (either side closed it). */
  readonly forget: (conn: HubWsConnection<unknown>) => void
}

export const CLOSE_REASONS = Object.freeze({
  binary: 'binary frames are not supported',
  tooBig: 'message too big',
  invalidUtf8: 'invalid UTF-8',
  idle: 'idle timeout',
  backpressure: 'backpressure limit exceeded',
  crash: 'internal error',
  shutdown: 'server shutting down',
})

export abstract class HubWsConnection<D> implements WsConnection<D> {
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  readonly remoteIp: string
  lastInboundAt = performance.now()
  private open = true
  private closeReported = false

  constructor(
    readonly id: number,
    info: WsUpgradeInfo,
    public data: D,
    private readonly endpoint: WsEndpoint<D>,
    private readonly context: ConnectionContext,
  ) {
    this.path = info.path
    this.query = info.query
    this.headers = info.headers
    this.remoteIp = info.remoteIp
  }

  protected abstract writeText(text: string): void
  protected abstract startClose(code: number, reason: string): void
  protected abstract queuedBytes(): number

  get isOpen(): boolean {
    return this.open
  }

  get bufferedAmount(): number {
    return this.open ? this.queuedBytes() : 0
  }

  send(text: string): boolean {
    if (!this.open) return false
    if (this.queuedBytes() > this.context.limits.maxBackpressureBytes) {
      this.close(1013, CLOSE_REASONS.backpressure)
      return false
    }
    this.writeText(text)
    return true
  }

  close(code = 1000, reason = ''): void {
    assertSendableCloseCode(code)
    if (!this.open) return
    const shortReason = truncateUtf8(reason, 123)
    this.open = false
    this.startClose(code, shortReason)
    this.reportClose(code, shortReason)
  }

  // --- called by adapters -------------------------------------------------------------------

  opened(): void {
    if (this.endpoint.onOpen) this.guard('onOpen', () => this.endpoint.onOpen?.(this))
  }

  receivedText(text: string): void {
    this.lastInboundAt = performance.now()
    if (this.open) this.guard('onMessage', () => this.endpoint.onMessage(this, text))
  }

  receivedBinary(): void {
    this.lastInboundAt = performance.now()
    this.close(1003, CLOSE_REASONS.binary)
  }

  receivedControlFrame(): void {
    this.lastInboundAt = performance.now()
  }

  /** The connection ended without our close(): the peer closed, or the library cut it. */
  ended(code: number, reason: string): void {
    if (!this.open) return
    this.open = false
    this.reportClose(code, reason)
  }

  // --- internals ------------------------------------------------------------------------------

  private reportClose(code: number, reason: string): void {
    if (this.closeReported) return
    this.closeReported = true
    this.context.forget(this)
    const onClose = this.endpoint.onClose
    if (!onClose) return
    queueMicrotask(() => {
      try {
        onClose.call(this.endpoint, this, code, reason)
      } catch (err) {
        this.context.logger.error('ws onClose handler crashed', { path: this.path, connection: this.id, error: err })
      }
    })
  }

  private guard(callback: string, run: () => void | Promise<void>): void {
    try {
      const result = run()
      if (result instanceof Promise) result.catch((err: unknown) => this.crashed(callback, err))
    } catch (err) {
      this.crashed(callback, err)
    }
  }

  private crashed(callback: string, err: unknown): void {
    this.context.logger.error(`ws ${callback} handler crashed`, { path: this.path, connection: this.id, error: err })
    this.close(1011, CLOSE_REASONS.crash)
  }
}

/** Codes an endpoint may put in a close frame (RFC 6455 §7.4; 1004–1006 and 1015 are reserved). */
export function isSendableCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999))
}

function assertSendableCloseCode(code: number): void {
  if (!isSendableCloseCode(code)) throw new RangeError(`invalid WebSocket close code ${code}`)
}

/** Close reasons are limited to 123 bytes; cut on a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  let out = ''
  let used = 0
  for (const char of text) {
    const size = Buffer.byteLength(char)
    if (used + size > maxBytes) break
    out += char
    used += size
  }
  return out
}
