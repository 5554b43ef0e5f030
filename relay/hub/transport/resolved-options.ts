// TransportOptions with every default filled in and every limit checked, shared by both adapters.
import { stderrLogger } from './stderr-logger'
import { DEFAULT_LIMITS, type HttpHandler, type TransportLimits, type TransportLogger, type TransportOptions, type WsEndpoint } from './types'

export interface ResolvedTransportOptions {
  readonly http: HttpHandler
  readonly websockets: Readonly<Record<string, WsEndpoint<unknown>>>
  readonly limits: Readonly<TransportLimits>
  readonly logger: TransportLogger
}

export function resolveTransportOptions(options: TransportOptions): ResolvedTransportOptions {
  const limits: TransportLimits = { ...DEFAULT_LIMITS, ...options.limits }
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`transport limit ${name} must be a positive integer, got ${value}`)
  }
  const websockets = options.websockets ?? {}
  for (const path of Object.keys(websockets)) {
    if (!/^\/[^?#\s]*$/.test(path)) throw new RangeError(`WebSocket path must start with "/" and hold no query: ${JSON.stringify(path)}`)
  }
  return Object.freeze({
    http: options.http,
    websockets: Object.freeze({ ...websockets }),
    limits: Object.freeze(limits),
    logger: options.logger ?? stderrLogger,
  })
}
