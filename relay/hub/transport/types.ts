// The contract between the hub's business logic and whichever socket library serves it.
// Both adapters (uWebSockets.js and ws + node:http) implement exactly this; nothing above the
// transport may depend on which one runs.

export type TransportKind = 'uws' | 'ws'

export interface TransportLimits {
  /** Largest accepted HTTP request body; bigger → 413 `{"error":"payload_too_large"}`. */
  maxBodyBytes: number
  /** Largest accepted WebSocket message; bigger → close 1009. */
  maxFrameBytes: number
  /** A socket with no inbound frame (data, ping or pong) for this long is closed with 1002. */
  idleTimeoutMs: number
  /** A send() while more than this is still queued drops the message and closes with 1013. */
  maxBackpressureBytes: number
  /** close() waits this long for in-flight HTTP handlers and WS close handshakes. */
  shutdownGraceMs: number
}

export const DEFAULT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
  idleTimeoutMs: 60_000,
  maxBackpressureBytes: 4 * 1024 * 1024,
  shutdownGraceMs: 5_000,
})

/** winston's Logger satisfies this; so does the default JSON-lines stderr logger. */
export interface TransportLogger {
  error(message: string, meta?: Record<string, unknown>): void
  warn(message: string, meta?: Record<string, unknown>): void
}

/** An HTTP request as handlers see it, identical on both adapters. Fully read before the handler runs. */
export interface HubRequest {
  /** Upper-case: `GET`, `POST`, … */
  readonly method: string
  /** Path as sent (percent-encoded), without the query string. */
  readonly path: string
  readonly query: URLSearchParams
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  /** Textual IP of the peer; IPv4-mapped IPv6 addresses are given as plain IPv4. */
  readonly remoteIp: string
  /** Raw body, at most `maxBodyBytes`; empty for body-less requests. */
  readonly body: Buffer
  /**
   * The body parsed as JSON. Empty body → `{}`. Throws HttpError 415 when a non-empty body is not
   * `application/json` (or `application/*+json`), 400 `{"error":"invalid_json"}` when it does not parse.
   */
  json(): unknown
  /** Like json(), but anything that is not a JSON object (array, scalar) reads as `{}`. */
  jsonObject(): Record<string, unknown>
}

export interface HttpReply {
  readonly status: number
  /** Lower-case names. `content-length` is computed by the transport. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Buffer
}

export type HttpHandler = (req: HubRequest) => HttpReply | Promise<HttpReply>

/** What is known about a WebSocket upgrade request before the socket opens. */
export interface WsUpgradeInfo {
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  readonly remoteIp: string
}

export interface WsConnection<D = unknown> extends WsUpgradeInfo {
  /** Unique per transport instance. */
  readonly id: number
  /** Per-connection state owned by the endpoint; starts as `createData()`'s result. */
  data: D
  /** False from the moment either side starts closing. */
  readonly isOpen: boolean
  /** Bytes queued for this socket and not yet handed to the kernel. */
  readonly bufferedAmount: number
  /**
   * Sends one text frame. Returns false when the socket is closed, or when more than
   * `maxBackpressureBytes` were already queued: then the message is dropped and the socket is
   * closed with 1013 "backpressure limit exceeded" (the client reconnects and resyncs).
   */
  send(text: string): boolean
  /** Starts the close handshake; onClose fires (asynchronously) with this code and reason. */
  close(code?: number, reason?: string): void
}

/**
 * Handlers for one WebSocket path. Async callbacks are not awaited (the next frame is delivered
 * as soon as it arrives); a returned promise only matters if it rejects. An exception or
 * rejection in onOpen/onMessage is logged and closes the socket with 1011.
 */
export interface WsEndpoint<D> {
  createData(info: WsUpgradeInfo): D
  onOpen?(conn: WsConnection<D>): void | Promise<void>
  /** Text frames only, in arrival order. Binary frames never reach here (closed with 1003). */
  onMessage(conn: WsConnection<D>, text: string): void | Promise<void>
  /** Exactly once per opened connection, always asynchronously after the close began. */
  onClose?(conn: WsConnection<D>, code: number, reason: string): void
}

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
}

export interface TransportOptions {
  /** Forces an adapter; by default uws when its native binary loads, ws otherwise. */
  kind?: TransportKind
  http: HttpHandler
  /** Exact WebSocket paths, e.g. `{ '/ws': agentEndpoint, '/ws/dashboard': dashboardEndpoint }`. */
  websockets?: Readonly<Record<string, WsEndpoint<unknown>>>
  limits?: Partial<TransportLimits>
  logger?: TransportLogger
}

export interface HubTransport {
  readonly kind: TransportKind
  readonly limits: Readonly<TransportLimits>
  /** Resolves with the bound port. Rejects when the port cannot be bound. */
  listen(options?: ListenOptions): Promise<number>
  /**
   * Graceful stop: stops accepting, closes every WebSocket with 1001, lets in-flight HTTP
   * handlers finish (up to shutdownGraceMs), then drops whatever is left. Idempotent.
   */
  close(): Promise<void>
  /** WebSockets currently open (not closing). */
  readonly openSockets: number
}
