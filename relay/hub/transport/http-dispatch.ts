// The last line of defence between a handler and the socket: whatever a handler does, the
// client gets a well-formed reply and the process keeps running.
import { STATUS_CODES } from 'node:http'
import { HttpError, internalError } from './http-reply'
import type { HttpHandler, HttpReply, HubRequest, TransportLogger } from './types'

export async function dispatchHttp(handler: HttpHandler, req: HubRequest, logger: TransportLogger): Promise<HttpReply> {
  try {
    const reply = await handler(req)
    if (isHttpReply(reply)) return reply
    logger.error('http handler returned no reply', { method: req.method, path: req.path })
    return internalError()
  } catch (err) {
    if (err instanceof HttpError) return err.toReply()
    // Path only: the query string may carry ?token=.
    logger.error('http handler crashed', { method: req.method, path: req.path, error: err })
    return internalError()
  }
}

function isHttpReply(value: unknown): value is HttpReply {
  if (typeof value !== 'object' || value === null) return false
  const reply = value as Partial<HttpReply>
  return Number.isInteger(reply.status) && typeof reply.headers === 'object' && reply.headers !== null &&
    (typeof reply.body === 'string' || Buffer.isBuffer(reply.body))
}

export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`
}

/** Counts requests between "body read" and "reply written", so close() can wait for them. */
export class InFlightRequests {
  private count = 0
  private waiters: Array<() => void> = []

  start(): void {
    this.count++
  }

  finish(): void {
    this.count--
    if (this.count === 0) this.waiters.splice(0).forEach((wake) => wake())
  }

  get size(): number {
    return this.count
  }

  /** Resolves when nothing is in flight or after timeoutMs, whichever comes first. */
  drained(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
