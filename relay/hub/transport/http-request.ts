// The request object both adapters build; body parsing rules live here so they cannot drift apart.
import { HttpError } from './http-reply'
import type { HubRequest } from './types'
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../protocol/json-depth'

export interface RequestParts {
  method: string
  path: string
  rawQuery: string
  headers: Record<string, string>
  remoteIp: string
  body: Buffer
}

export class IncomingHubRequest implements HubRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  readonly remoteIp: string
  readonly body: Buffer
  private parsed: { value: unknown } | undefined

  constructor(parts: RequestParts) {
    this.method = parts.method
    this.path = parts.path
    this.query = new URLSearchParams(parts.rawQuery)
    this.headers = parts.headers
    this.remoteIp = parts.remoteIp
    this.body = parts.body
  }

  json(): unknown {
    this.parsed ??= { value: parseJsonBody(this.body, this.headers['content-type']) }
    return this.parsed.value
  }

  jsonObject(): Record<string, unknown> {
    const value = this.json()
    return isPlainObject(value) ? value : {}
  }
}

/** Body-less requests read as `{}`, as Plug does for a request without a body. */
export function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return {}
  if (!isJsonContentType(contentType)) {
    throw new HttpError(415, { error: 'unsupported_media_type', detail: 'expected Content-Type: application/json' })
  }
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    // The parser's message quotes the body, which may hold a token: never echo it.
    throw new HttpError(400, { error: 'invalid_json' })
  }
  if (exceedsJsonDepth(value)) throw new HttpError(400, { error: 'invalid_json', detail: `nested deeper than ${MAX_JSON_DEPTH} levels` })
  return value
}

export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const mediaType = contentType.split(';', 1)[0].trim().toLowerCase()
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'))
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function splitUrl(url: string): { path: string; rawQuery: string } {
  const mark = url.indexOf('?')
  return mark === -1 ? { path: url, rawQuery: '' } : { path: url.slice(0, mark), rawQuery: url.slice(mark + 1) }
}

export function normaliseIp(address: string | undefined): string {
  if (!address) return ''
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/** True when a declared Content-Length already exceeds the limit (checked before reading). */
export function declaredBodyTooLarge(contentLength: string | undefined, limit: number): boolean {
  if (contentLength === undefined || contentLength === '') return false
  const declared = Number(contentLength)
  return Number.isFinite(declared) && declared > limit
}
