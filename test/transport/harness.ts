// Shared by the transport tests: start a transport on 127.0.0.1:0 with teardown, a plain HTTP
// client without keep-alive, a WebSocket client that queues messages, and a capturing logger.
import { request } from 'node:http'
import WebSocket from 'ws'
import { availableTransportKinds, createTransport } from '../../relay/hub/transport'
import type { HttpHandler, HubTransport, TransportKind, TransportLimits, TransportLogger, WsEndpoint } from '../../relay/hub/transport'
import { json } from '../../relay/hub/transport'

/** Every kind that loads here; the suites run once per kind. */
export const KINDS: TransportKind[] = availableTransportKinds()

interface Teardownable {
  teardown(fn: () => unknown): void
}

export interface LogLine {
  level: 'error' | 'warn'
  message: string
  meta?: Record<string, unknown>
}

export function captureLogger(): TransportLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  return {
    lines,
    error: (message, meta) => lines.push({ level: 'error', message, meta }),
    warn: (message, meta) => lines.push({ level: 'warn', message, meta }),
  }
}

export interface StartOptions {
  http?: HttpHandler
  logger?: TransportLogger & { lines: LogLine[] }
  websockets?: Record<string, WsEndpoint<unknown>>
  limits?: Partial<TransportLimits>
}

export interface Started {
  transport: HubTransport
  port: number
  logs: LogLine[]
  wsUrl(path: string): string
}

export async function startTransport(t: Teardownable, kind: TransportKind, options: StartOptions = {}): Promise<Started> {
  const logger = options.logger ?? captureLogger()
  const transport = createTransport({
    kind,
    http: options.http ?? (() => json(200, { ok: true })),
    websockets: options.websockets,
    limits: options.limits,
    logger,
  })
  const port = await transport.listen({ port: 0 })
  t.teardown(() => transport.close())
  return { transport, port, logs: logger.lines, wsUrl: (path) => `ws://127.0.0.1:${port}${path}` }
}

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json(): unknown
}

export interface HttpCall {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** Send the body with chunked encoding instead of Content-Length. */
  chunked?: boolean
}

export function httpCall(port: number, call: HttpCall): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...call.headers }
    if (call.body !== undefined && !call.chunked) headers['content-length'] = String(Buffer.byteLength(call.body))
    const req = request({ host: '127.0.0.1', port, method: call.method ?? 'GET', path: call.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })
      })
    })
    // The server may answer 413 and close while we are still writing: the reply is what counts.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err)
    })
    if (call.body !== undefined) req.write(call.body)
    req.end()
  })
}

export interface Closed {
  code: number
  reason: string
}

/** A `ws` client whose messages wait in a queue until the test asks for them. */
export class TestClient {
  readonly closed: Promise<Closed>
  private readonly queue: string[] = []
  private readonly waiters: Array<(text: string) => void> = []

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      const text = data.toString()
      const waiter = this.waiters.shift()
      if (waiter) waiter(text)
      else this.queue.push(text)
    })
    socket.on('error', () => {}) // surfaced through `closed`
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, ...options })
      const client = new TestClient(socket)
      socket.once('open', () => resolve(client))
      socket.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`upgrade refused with ${res.statusCode}`), { status: res.statusCode }))
        socket.terminate()
      })
      socket.once('error', reject)
    })
  }

  send(text: string): void {
    this.socket.send(text)
  }

  next(timeoutMs = 5000): Promise<string> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within ' + timeoutMs + ' ms')), timeoutMs)
      this.waiters.push((text) => {
        clearTimeout(timer)
        resolve(text)
      })
    })
  }

  close(code = 1000, reason = ''): Promise<Closed> {
    this.socket.close(code, reason)
    return this.closed
  }

  terminate(): void {
    this.socket.terminate()
  }
}

/** An echo endpoint that records its lifecycle, for the WebSocket suites. */
export function echoEndpoint(events: string[] = []): WsEndpoint<{ opened: number }> {
  return {
    createData: () => ({ opened: Date.now() }),
    onOpen: () => void events.push('open'),
    onMessage: (conn, text) => void conn.send(text),
    onClose: (_conn, code, reason) => void events.push(`close ${code} ${reason}`),
  }
}

export function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (predicate()) return resolve()
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(poll, 5)
    }
    poll()
  })
}

// Run directly (tap runs every file under test/), the harness checks its own HTTP client and
// message queue against a bare node server, so a broken harness cannot pass the suites vacuously.
if (require.main === module) {
  void import('tap').then(({ default: t }) => {
    t.test('harness: httpCall and TestClient against bare servers', async (t) => {
      const { createServer } = await import('node:http')
      const server = createServer((req, res) => res.end(`${req.method} ${req.url}`))
      const wss = new WebSocket.Server({ server })
      wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo ${data.toString()}`)))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      t.teardown(() => {
        wss.close()
        server.close()
      })
      const port = (server.address() as import('node:net').AddressInfo).port
      t.equal((await httpCall(port, { method: 'POST', path: '/x?y=1', body: 'b' })).text, 'POST /x?y=1')
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/`)
      client.send('1')
      client.send('2')
      t.equal(await client.next(), 'echo 1')
      t.equal(await client.next(), 'echo 2')
      await t.rejects(client.next(50), /no message within 50 ms/)
      t.same(await client.close(4000, 'done'), { code: 4000, reason: 'done' })
    })
  })
}
