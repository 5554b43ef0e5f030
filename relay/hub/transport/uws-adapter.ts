// HubTransport on uWebSockets.js. uWS rules honoured here: everything on HttpRequest is read
// synchronously in the handler, HttpResponse is never touched after onAborted or after it was
// ended, every write is corked, and a native WebSocket is never touched after its close event.
import { connect } from 'node:net'
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket, WebSocketBehavior } from '@trufflesuite/uws-js-unofficial'
import { dispatchHttp, InFlightRequests, statusLine } from './http-dispatch'
import { internalError, json, notFound, payloadTooLarge } from './http-reply'
import { declaredBodyTooLarge, IncomingHubRequest, normaliseIp, type RequestParts } from './http-request'
import { LiveSockets } from './live-sockets'
import type { ResolvedTransportOptions } from './resolved-options'
import type { HttpReply, HubTransport, ListenOptions, TransportKind, TransportLimits, WsEndpoint, WsUpgradeInfo } from './types'
import type { UwsModule } from './uws-loader'
import { CLOSE_REASONS, HubWsConnection, type ConnectionContext } from './ws-connection'

/** This uWS build has App.close() (closes the listen socket and every connection); its types lag. */
type UwsApp = TemplatedApp & { close(): void }

interface UwsSocketData {
  info: WsUpgradeInfo
  data: unknown
  conn?: UwsConnection<unknown>
}

interface ResponseState {
  aborted: boolean
  answered: boolean
  /** uWS would send a HEAD reply's body (and its endWithoutBody() wedges the connection). */
  bodyless: boolean
}

/**
 * uWS cuts a message above its own maxPayloadLength without a close frame (the peer sees 1006).
 * Letting uWS accept up to 4× our limit and checking ours in JS gives peers a proper 1009 for
 * every oversized message up to that ceiling.
 */
export function nativeFrameCeiling(maxFrameBytes: number): number {
  return maxFrameBytes * 4
}

/** The reasons uWS gives its close handler for the connections it cuts itself. */
const NATIVE_FORCED_CLOSES: Readonly<Record<string, [number, string]>> = {
  'Received too big message': [1009, CLOSE_REASONS.tooBig],
  'Received invalid UTF-8': [1007, CLOSE_REASONS.invalidUtf8],
}

export class UwsTransport implements HubTransport {
  readonly kind: TransportKind = 'uws'
  private app: UwsApp | undefined
  private listenSocket: us_listen_socket | undefined
  private readonly live: LiveSockets
  private readonly inFlight = new InFlightRequests()
  private readonly connectionContext: ConnectionContext
  private nextConnectionId = 1
  private closing: Promise<void> | undefined

  constructor(
    private readonly uws: UwsModule,
    private readonly options: ResolvedTransportOptions,
  ) {
    this.live = new LiveSockets(options.limits.idleTimeoutMs)
    this.connectionContext = {
      limits: options.limits,
      logger: options.logger,
      forget: (conn) => this.live.delete(conn),
    }
  }

  get limits(): Readonly<TransportLimits> {
    return this.options.limits
  }

  get openSockets(): number {
    return this.live.size
  }

  listen({ host = '127.0.0.1', port = 0 }: ListenOptions = {}): Promise<number> {
    if (this.app || this.closing) return Promise.reject(new Error('transport already started'))
    const app = this.uws.App() as UwsApp
    for (const [path, endpoint] of Object.entries(this.options.websockets)) app.ws(path, this.behaviourFor(path, endpoint))
    app.any('/*', (res, req) => this.onRequest(res, req))
    this.app = app
    return new Promise((resolve, reject) => {
      app.listen(host, port, (listenSocket) => {
        if (!listenSocket) {
          this.app = undefined
          app.close()
          void explainBindFailure(host, port).then((why) => reject(new Error(`cannot listen on ${host}:${port}: ${why}`)))
          return
        }
        this.listenSocket = listenSocket
        this.live.startIdleSweep()
        resolve(this.uws.us_socket_local_port(listenSocket))
      })
    })
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    const app = this.app
    if (!app) return
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket)
    this.listenSocket = undefined
    this.live.stopIdleSweep()
    this.live.closeAll(1001, CLOSE_REASONS.shutdown)
    await this.inFlight.drained(this.options.limits.shutdownGraceMs)
    // One turn of the loop so the close frames queued above reach the kernel before the cut.
    await new Promise((resolve) => setImmediate(resolve))
    app.close()
    this.app = undefined
  }

  // --- HTTP -----------------------------------------------------------------------------------

  private onRequest(res: HttpResponse, req: HttpRequest): void {
    const method = req.getMethod().toUpperCase()
    const state: ResponseState = { aborted: false, answered: false, bodyless: method === 'HEAD' }
    res.onAborted(() => {
      state.aborted = true
    })
    const headers = readHeaders(req)
    if (headers.upgrade?.toLowerCase() === 'websocket') return this.answer(res, state, notFound())
    const limit = this.options.limits.maxBodyBytes
    if (declaredBodyTooLarge(headers['content-length'], limit)) return this.answer(res, state, payloadTooLarge(limit))
    const head = {
      method,
      path: req.getUrl(),
      rawQuery: req.getQuery() ?? '',
      headers,
      remoteIp: remoteIpOf(res),
    }
    const chunks: Buffer[] = []
    let size = 0
    res.onData((chunk, isLast) => {
      if (state.answered) return
      size += chunk.byteLength
      if (size > limit) return this.answer(res, state, payloadTooLarge(limit))
      // uWS neuters the ArrayBuffer when this callback returns: copy it.
      if (chunk.byteLength > 0) chunks.push(Buffer.from(new Uint8Array(chunk)))
      if (isLast) this.handle(res, state, { ...head, body: Buffer.concat(chunks, size) })
    })
  }

  private handle(res: HttpResponse, state: ResponseState, parts: RequestParts): void {
    this.inFlight.start()
    void dispatchHttp(this.options.http, new IncomingHubRequest(parts), this.options.logger)
      .then((reply) => this.answer(res, state, reply))
      .finally(() => this.inFlight.finish())
  }

  private answer(res: HttpResponse, state: ResponseState, reply: HttpReply): void {
    if (state.aborted || state.answered) return
    state.answered = true
    const closeConnection = reply.headers.connection?.toLowerCase() === 'close'
    res.cork(() => {
      res.writeStatus(statusLine(reply.status))
      for (const [name, value] of Object.entries(reply.headers)) {
        // uWS writes content-length itself, and "connection: close" when asked to close.
        if (name !== 'content-length' && name !== 'connection') res.writeHeader(name, value)
      }
      res.end(state.bodyless ? undefined : reply.body, closeConnection)
    })
  }

  // --- WebSocket ------------------------------------------------------------------------------

  private behaviourFor(path: string, endpoint: WsEndpoint<unknown>): WebSocketBehavior<UwsSocketData> {
    const limits = this.options.limits
    return {
      compression: this.uws.DISABLED,
      maxPayloadLength: nativeFrameCeiling(limits.maxFrameBytes),
      // Our own check in send() closes first; uWS's drop limit only guards against races.
      maxBackpressure: limits.maxBackpressureBytes * 2,
      idleTimeout: 0, // our sweep does it, with the same semantics on both adapters
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => {
        const headers = readHeaders(req)
        const info: WsUpgradeInfo = { path, query: new URLSearchParams(req.getQuery() ?? ''), headers, remoteIp: remoteIpOf(res) }
        const state: ResponseState = { aborted: false, answered: false, bodyless: false }
        if (this.closing) return this.answer(res, state, json(503, { error: 'shutting_down' }))
        let data: unknown
        try {
          data = endpoint.createData(info)
        } catch (err) {
          this.options.logger.error('ws createData crashed', { path, error: err })
          return this.answer(res, state, internalError())
        }
        res.upgrade<UwsSocketData>(
          { info, data },
          headers['sec-websocket-key'] ?? '',
          headers['sec-websocket-protocol'] ?? '',
          headers['sec-websocket-extensions'] ?? '',
          context,
        )
      },
      open: (ws) => {
        const socketData = ws.getUserData()
        const conn = new UwsConnection(ws, this.nextConnectionId++, socketData.info, socketData.data, endpoint, this.connectionContext)
        socketData.conn = conn
        this.live.add(conn)
        conn.opened()
      },
      message: (ws, message, isBinary) => {
        const conn = ws.getUserData().conn
        if (!conn) return
        if (isBinary) return conn.receivedBinary()
        if (message.byteLength > limits.maxFrameBytes) {
          conn.receivedControlFrame()
          return conn.close(1009, CLOSE_REASONS.tooBig)
        }
        conn.receivedText(Buffer.from(message).toString('utf8'))
      },
      ping: (ws) => ws.getUserData().conn?.receivedControlFrame(),
      pong: (ws) => ws.getUserData().conn?.receivedControlFrame(),
      close: (ws, code, message) => {
        const conn = ws.getUserData().conn
        if (!conn) return
        conn.nativeGone()
        const reason = Buffer.from(message).toString('utf8')
        const [reportedCode, reportedReason] = NATIVE_FORCED_CLOSES[reason] ?? [code, reason]
        conn.ended(reportedCode, reportedReason)
      },
    }
  }
}

class UwsConnection<D> extends HubWsConnection<D> {
  private gone = false

  constructor(
    private readonly socket: WebSocket<UwsSocketData>,
    id: number,
    info: WsUpgradeInfo,
    data: D,
    endpoint: WsEndpoint<D>,
    context: ConnectionContext,
  ) {
    super(id, info, data, endpoint, context)
  }

  /** After uWS's close event the native object is freed; touching it would throw. */
  nativeGone(): void {
    this.gone = true
  }

  protected writeText(text: string): void {
    if (!this.gone) this.socket.cork(() => this.socket.send(text, false))
  }

  protected startClose(code: number, reason: string): void {
    if (!this.gone) this.socket.end(code, reason)
  }

  protected queuedBytes(): number {
    return this.gone ? 0 : this.socket.getBufferedAmount()
  }
}

/**
 * uWS reports a failed bind without a reason. The usual one besides a live listener: uWS binds
 * without SO_REUSEADDR, so connections it closed itself keep the port blocked while they sit in
 * TIME_WAIT (about 60 s on Linux), even for other programs.
 */
async function explainBindFailure(host: string, port: number): Promise<string> {
  if (port === 0) return 'no free port (or the address is not local)'
  const someoneListens = await new Promise<boolean>((resolve) => {
    const probe = connect({ host, port })
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
  if (someoneListens) return 'address in use by another listener'
  return 'address not bindable: the port is privileged, the address is not local, or connections closed ' +
    'here less than ~60 s ago are in TIME_WAIT (uWebSockets.js binds without SO_REUSEADDR; wait or use another port)'
}

function readHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = Object.create(null)
  req.forEach((name, value) => {
    const key = name.toLowerCase()
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value
  })
  return headers
}

function remoteIpOf(res: HttpResponse): string {
  return normaliseIp(Buffer.from(res.getRemoteAddressAsText()).toString())
}
