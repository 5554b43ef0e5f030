// HubTransport on node:http + the `ws` package.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData, type Server as WsServer, type ServerOptions } from 'ws'
import { dispatchHttp, InFlightRequests } from './http-dispatch'
import { internalError, json, notFound, payloadTooLarge } from './http-reply'
import { declaredBodyTooLarge, IncomingHubRequest, normaliseIp, splitUrl, type RequestParts } from './http-request'
import { LiveSockets } from './live-sockets'
import type { ResolvedTransportOptions } from './resolved-options'
import type { HttpReply, HubTransport, ListenOptions, TransportKind, TransportLimits, WsEndpoint, WsUpgradeInfo } from './types'
import { CLOSE_REASONS, HubWsConnection, type ConnectionContext } from './ws-connection'

/** Codes `ws` uses when it fails a connection itself (it sends them with an empty reason). */
const LIBRARY_CLOSE_REASONS: Readonly<Record<number, string>> = {
  1002: 'protocol error',
  1007: CLOSE_REASONS.invalidUtf8,
  1009: CLOSE_REASONS.tooBig,
}

/** `ws` closes without a reason when it rejects a frame; this fills one in for the peer. */
class ExplainingWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data ?? (code === undefined ? undefined : LIBRARY_CLOSE_REASONS[code]))
  }
}

/** `ws` error codes for the frames it rejects, and the close code it sent for each. */
const LIBRARY_ERROR_CLOSE_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
}

export class WsLibTransport implements HubTransport {
  readonly kind: TransportKind = 'ws'
  private server: Server | undefined
  private readonly wss: WsServer<typeof ExplainingWebSocket>
  private readonly endpoints: ReadonlyMap<string, WsEndpoint<unknown>>
  private readonly rawSockets = new Set<WebSocket>()
  private readonly live: LiveSockets
  private readonly inFlight = new InFlightRequests()
  private readonly connectionContext: ConnectionContext
  private nextConnectionId = 1
  private closing: Promise<void> | undefined

  constructor(private readonly options: ResolvedTransportOptions) {
    this.endpoints = new Map(Object.entries(options.websockets))
    this.live = new LiveSockets(options.limits.idleTimeoutMs)
    this.connectionContext = {
      limits: options.limits,
      logger: options.logger,
      forget: (conn) => this.live.delete(conn),
    }
    const serverOptions: ServerOptions<typeof ExplainingWebSocket> & { closeTimeout: number } = {
      noServer: true,
      WebSocket: ExplainingWebSocket,
      maxPayload: options.limits.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
      closeTimeout: options.limits.shutdownGraceMs,
    }
    this.wss = new WebSocketServer<typeof ExplainingWebSocket>(serverOptions)
  }

  get limits(): Readonly<TransportLimits> {
    return this.options.limits
  }

  get openSockets(): number {
    return this.live.size
  }

  async listen({ host = '127.0.0.1', port = 0 }: ListenOptions = {}): Promise<number> {
    if (this.server || this.closing) throw new Error('transport already started')
    const server = createServer((req, res) => this.onRequest(req, res))
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head))
    server.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
      else socket.destroy()
    })
    this.server = server
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (err) {
      this.server = undefined
      throw err
    }
    this.live.startIdleSweep()
    return (server.address() as AddressInfo).port
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    const server = this.server
    if (!server) return
    const grace = this.options.limits.shutdownGraceMs
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    this.live.stopIdleSweep()
    this.live.closeAll(1001, CLOSE_REASONS.shutdown)
    server.closeIdleConnections()
    await this.inFlight.drained(grace)
    await this.handshakesDone(grace)
    for (const socket of this.rawSockets) socket.terminate()
    server.closeAllConnections()
    await stopped
    this.server = undefined
  }

  /** Waits until every WebSocket finished its close handshake, or timeoutMs. */
  private async handshakesDone(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.rawSockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  // --- HTTP -----------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const limit = this.options.limits.maxBodyBytes
    const headers = readHeaders(req)
    let answered = false
    const answer = (reply: HttpReply): void => {
      if (answered) return
      answered = true
      writeReply(res, reply)
    }
    req.on('error', () => {}) // a client that vanishes mid-body: nothing to answer
    if (declaredBodyTooLarge(headers['content-length'], limit)) {
      answer(payloadTooLarge(limit))
      req.resume()
      return
    }
    const { path, rawQuery } = splitUrl(req.url ?? '/')
    const head = { method: (req.method ?? 'GET').toUpperCase(), path, rawQuery, headers, remoteIp: normaliseIp(req.socket.remoteAddress) }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      if (answered) return
      size += chunk.length
      if (size > limit) return answer(payloadTooLarge(limit))
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (answered) return
      this.handle({ ...head, body: Buffer.concat(chunks, size) }, answer)
    })
  }

  private handle(parts: RequestParts, answer: (reply: HttpReply) => void): void {
    this.inFlight.start()
    void dispatchHttp(this.options.http, new IncomingHubRequest(parts), this.options.logger)
      .then(answer)
      .finally(() => this.inFlight.finish())
  }

  // --- WebSocket ------------------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const { path, rawQuery } = splitUrl(req.url ?? '/')
    const endpoint = this.endpoints.get(path)
    if (!endpoint) return writeRawReply(socket, notFound())
    if (this.closing) return writeRawReply(socket, json(503, { error: 'shutting_down' }))
    const info: WsUpgradeInfo = { path, query: new URLSearchParams(rawQuery), headers: readHeaders(req), remoteIp: normaliseIp(req.socket.remoteAddress) }
    let data: unknown
    try {
      data = endpoint.createData(info)
    } catch (err) {
      this.options.logger.error('ws createData crashed', { path, error: err })
      return writeRawReply(socket, internalError())
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, info, data, endpoint))
  }

  private accept(ws: WebSocket, info: WsUpgradeInfo, data: unknown, endpoint: WsEndpoint<unknown>): void {
    const conn = new WsLibConnection(ws, this.nextConnectionId++, info, data, endpoint, this.connectionContext)
    this.rawSockets.add(ws)
    this.live.add(conn)
    ws.on('message', (payload: RawData, isBinary: boolean) => {
      if (isBinary) conn.receivedBinary()
      else conn.receivedText(rawDataToText(payload))
    })
    ws.on('ping', () => conn.receivedControlFrame())
    ws.on('pong', () => conn.receivedControlFrame())
    ws.on('error', (err: Error & { code?: string }) => {
      // `ws` has already sent its close frame; record what the peer was told.
      const code = LIBRARY_ERROR_CLOSE_CODES[err.code ?? ''] ?? 1002
      conn.ended(code, LIBRARY_CLOSE_REASONS[code] ?? '')
    })
    ws.on('close', (code: number, reason: Buffer) => {
      this.rawSockets.delete(ws)
      conn.ended(code, reason.toString('utf8'))
    })
    conn.opened()
    if (this.closing) conn.close(1001, CLOSE_REASONS.shutdown)
  }
}

class WsLibConnection<D> extends HubWsConnection<D> {
  constructor(
    private readonly socket: WebSocket,
    id: number,
    info: WsUpgradeInfo,
    data: D,
    endpoint: WsEndpoint<D>,
    context: ConnectionContext,
  ) {
    super(id, info, data, endpoint, context)
  }

  protected writeText(text: string): void {
    this.socket.send(text)
  }

  protected startClose(code: number, reason: string): void {
    this.socket.close(code, reason)
  }

  protected queuedBytes(): number {
    return this.socket.bufferedAmount
  }
}

function readHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = Object.create(null)
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name] = values.join(', ')
  }
  return headers
}

function rawDataToText(payload: RawData): string {
  if (Buffer.isBuffer(payload)) return payload.toString('utf8')
  if (Array.isArray(payload)) return Buffer.concat(payload).toString('utf8')
  return Buffer.from(payload).toString('utf8')
}

function writeReply(res: ServerResponse, reply: HttpReply): void {
  if (res.destroyed || res.writableEnded) return
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body
  res.statusCode = reply.status
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value)
  res.setHeader('content-length', body.length)
  res.end(body)
}

/** An HTTP reply on a socket that asked to upgrade (node hands those over raw). */
function writeRawReply(socket: Duplex, reply: HttpReply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body
  const headerLines = Object.entries({ ...reply.headers, 'content-length': String(body.length), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? 'Unknown'}\r\n${headerLines}\r\n`), body]))
}
