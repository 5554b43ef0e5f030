// Reply builders handlers return, and the error type they throw to short-circuit with a reply.
import type { HttpReply } from './types'

const JSON_TYPE = 'application/json; charset=utf-8'

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) ?? 'null' }
}

export function text(status: number, body: string, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body }
}

export function html(status: number, body: string, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body }
}

/**
 * Throw from a handler (or a helper it calls) to answer with a JSON error, e.g.
 * `throw new HttpError(404, { error: 'task_not_found', task_id })`. Never put secrets in `body`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status} ${typeof body.error === 'string' ? body.error : ''}`.trim())
    this.name = 'HttpError'
  }

  toReply(): HttpReply {
    return json(this.status, this.body, this.headers)
  }
}

export const notFound = (): HttpReply => json(404, { error: 'not_found' })
export const internalError = (): HttpReply => json(500, { error: 'internal_error' })
export const payloadTooLarge = (limitBytes: number): HttpReply =>
  json(413, { error: 'payload_too_large', limit_bytes: limitBytes }, { connection: 'close' })
