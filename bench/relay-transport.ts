// Transport benchmark: WebSocket echo round trips and HTTP GET throughput, per adapter.
// The server runs in a child process (so client and server use separate cores); clients are
// `ws` and node:http with a keep-alive agent. Prints one JSON line per figure:
// {"bench":"relay-transport","transport","case","clients"|"concurrency","per_s","p50_ms","p99_ms","server_rss_mb"}.
//
// Run: npm run build && node dist/bench/relay-transport.js [seconds-per-case, default 3]
import { fork, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { httpLoad } from './sim/http-load'
import { HubRouter } from '../relay/hub/routing'
import { availableTransportKinds, createTransport, json, type TransportKind, type WsEndpoint } from '../relay/hub/transport'

const SERVE_FLAG = '--serve-transport'
const PAYLOAD = JSON.stringify({ type: 'ping', agent_id: 'bench-agent-0001', timestamp: 1_700_000_000_000 })

type ServerMessage = { port: number } | { rss: number }

// --- server side (child process) ---------------------------------------------------------------

async function serve(kind: TransportKind): Promise<void> {
  const router = new HubRouter()
  router.get('/health', () => json(200, { status: 'ok', service: 'agent_com', agents_connected: 0 }))
  const echo: WsEndpoint<null> = { createData: () => null, onMessage: (conn, text) => void conn.send(text) }
  const transport = createTransport({ kind, http: router.handle, websockets: { '/ws': echo } })
  const port = await transport.listen({ port: 0 })
  process.on('message', (msg: string) => {
    if (msg === 'rss') process.send?.({ rss: process.memoryUsage().rss })
    if (msg === 'stop') void transport.close().then(() => process.exit(0))
  })
  process.send?.({ port })
}

// --- client side -------------------------------------------------------------------------------

interface Server {
  child: ChildProcess
  port: number
  ask(question: 'rss'): Promise<number>
}

function startServer(kind: TransportKind): Promise<Server> {
  const child = fork(__filename, [SERVE_FLAG, kind], { execArgv: process.execArgv, stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('message', (msg: ServerMessage) => {
      if (!('port' in msg)) return reject(new Error('server did not report its port'))
      resolve({
        child,
        port: msg.port,
        ask: () => new Promise((answer) => {
          child.once('message', (reply: ServerMessage) => answer('rss' in reply ? reply.rss : 0))
          child.send('rss')
        }),
      })
    })
  })
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve())
    server.child.send('stop')
  })
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

function openClient(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Each client keeps one message in flight; returns every round-trip time in ms. */
async function echoLoad(port: number, clients: number, seconds: number): Promise<number[]> {
  const sockets = await Promise.all(Array.from({ length: clients }, () => openClient(port)))
  const samples: number[] = []
  const deadline = performance.now() + seconds * 1000
  await Promise.all(sockets.map((ws) => new Promise<void>((done) => {
    let sentAt = 0
    const sendOne = (): void => {
      sentAt = performance.now()
      ws.send(PAYLOAD)
    }
    ws.on('message', () => {
      const now = performance.now()
      samples.push(now - sentAt)
      if (now < deadline) sendOne()
      else done()
    })
    sendOne()
  })))
  await Promise.all(sockets.map((ws) => new Promise((closed) => {
    ws.once('close', closed)
    ws.close()
  })))
  return samples
}

/** `concurrency` loops of keep-alive GET /health; returns every request time in ms. */
function report(kind: TransportKind, name: string, load: Record<string, number>, samples: number[], seconds: number, rss: number): void {
  const sorted = [...samples].sort((a, b) => a - b)
  console.log(JSON.stringify({
    bench: 'relay-transport',
    transport: kind,
    case: name,
    ...load,
    per_s: Math.round(samples.length / seconds),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    server_rss_mb: round(rss / 1024 / 1024, 1),
  }))
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3)
  for (const kind of availableTransportKinds()) {
    const server = await startServer(kind)
    for (const clients of [1, 100]) {
      const samples = await echoLoad(server.port, clients, seconds)
      report(kind, 'ws_echo', { clients }, samples, seconds, await server.ask('rss'))
    }
    const samples = await httpLoad(server.port, 32, seconds)
    report(kind, 'http_get_health', { concurrency: 32 }, samples, seconds, await server.ask('rss'))
    await stopServer(server)
  }
}

const serveAt = process.argv.indexOf(SERVE_FLAG)
if (serveAt !== -1) {
  void serve(process.argv[serveAt + 1] as TransportKind)
} else {
  main().catch((err) => {
    console.error(err)
    process.exit(1)
  })
}
