// Hub front-door benchmark, per transport, beside the bare transport (bench/relay-transport.ts's
// echo server, the limit): the real hub (startHub: storage, supervision tree, sessions) runs in a
// child process; the clients are `ws` / node:http in this one. Prints one JSON line per figure:
//   {"bench":"relay-hub","transport","server":"hub"|"bare","case", …figures}
// Cases: identify storm (N clients connect + identify; time, identifies/s, hub RSS),
// ping→pong round trips/s with 1, 100 and 1,000 identified clients (one ping in flight each),
// GET /health req/s (keep-alive, 32 concurrent). The bare server answers the same frames by echo.
//
// Run: npm run bench:relay-hub [-- --clients 10000 --seconds 3]
// The bench agents are whitelisted from rate limiting (the light tier would cap pings at 120/min).
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { httpLoad } from './sim/http-load'
import { silentLogger } from '../actors/runtime'
import { ACTOR } from '../actors/names'
import { generateToken, hashToken, tokenPrefix, type TokenRecord } from '../actors/auth'
import { openStorage } from '../storage'
import { startHub } from '../relay/hub/start-hub'
import { availableTransportKinds, type TransportKind } from '../relay/hub/transport'

const SERVE_HUB = '--serve-hub'
const BARE_SERVER = join(__dirname, `relay-transport${extname(__filename)}`)
const BARE_FLAG = '--serve-transport'
const PING = JSON.stringify({ type: 'ping' })
const CONNECT_CONCURRENCY = 250
/** Identified clients ping like sidecars (every 30 s) so a long storm does not get them reaped. */
const KEEPALIVE_MS = 25_000
const keepalives = new Map<WebSocket, NodeJS.Timeout>()

type ServerReply = { port: number; tokens?: string[] } | { rss: number }

// ---- the hub process ----------------------------------------------------------------------------

async function serveHub(kind: TransportKind, dataDir: string, count: number): Promise<void> {
  const tokens = await seedTokens(dataDir, count)
  const running = await startHub({ port: 0, transport: kind, dataDir, logger: silentLogger })
  // the bench agents are exempt from rate limits (the light tier caps pings at 120 a minute)
  await running.hub.system.whereis(ACTOR.rateLimiter)?.call({ type: 'put_whitelist', body: { agent_ids: tokens.map((_, i) => benchAgent(i)) } })
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'rss') process.send?.({ rss: process.memoryUsage().rss })
    else if (msg.type === 'stop') void running.close().then(() => process.exit(0))
  })
  process.send?.({ port: running.port, tokens })
}

const benchAgent = (i: number) => `bench-${i}`

/**
 * Setup, not measured: the agents' tokens written straight into the store before the hub opens
 * it, in one transaction (the auth actor commits one token per call, which would make the setup
 * of 10,000 agents take minutes on a loaded disk). Same record shape as the auth actor's.
 */
async function seedTokens(dataDir: string, count: number): Promise<string[]> {
  const storage = openStorage({ dataDir })
  const table = storage.table<string, TokenRecord>('tokens')
  const tokens = Array.from({ length: count }, () => generateToken())
  const now = Date.now()
  await Promise.all(tokens.map((token, i) => table.put(hashToken(token), { agent_id: benchAgent(i), role: 'agent', created_at: now, prefix: tokenPrefix(token) })))
  await storage.close()
  return tokens
}

// ---- child process plumbing ---------------------------------------------------------------------

interface Server {
  child: ChildProcess
  port: number
  tokens: string[]
  ask<T extends ServerReply>(msg: unknown): Promise<T>
}

function startChild(script: string, args: string[]): Promise<Server> {
  const child = fork(script, args, { execArgv: process.execArgv, stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('message', (msg: ServerReply) => {
      if (!('port' in msg)) return reject(new Error('server did not report its port'))
      resolve({
        child,
        port: msg.port,
        tokens: msg.tokens ?? [],
        ask: <T extends ServerReply>(question: unknown) =>
          new Promise<T>((answer) => {
            child.once('message', (reply: T) => answer(reply))
            child.send(question as string)
          }),
      })
    })
  })
}

async function stopChild(server: Server, stopMessage: unknown): Promise<void> {
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()))
  server.child.send(stopMessage as string)
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(timer)
}

const rssOf = async (server: Server, bare: boolean): Promise<number> => (await server.ask<{ rss: number }>(bare ? 'rss' : { type: 'rss' })).rss

// ---- clients ------------------------------------------------------------------------------------

function open(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Connects (and, with tokens, identifies) `count` clients, CONNECT_CONCURRENCY at a time. */
async function storm(port: number, count: number, identity: ((i: number) => { agent_id: string; token: string }) | null): Promise<{ sockets: WebSocket[]; failures: string[] }> {
  const sockets: WebSocket[] = []
  const failures: string[] = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      try {
        const ws = await open(port)
        if (identity) await identify(ws, identity(i))
        sockets.push(ws)
      } catch (error) {
        failures.push(String(error instanceof Error ? error.message : error))
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count) }, worker))
  return { sockets, failures }
}

/** Resolves on `identified`; rejects on an error frame or a close before it (never hangs). */
function identify(ws: WebSocket, who: { agent_id: string; token: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as { type: string }
      ws.off('close', onClose)
      ws.off('message', onMessage)
      if (frame.type === 'identified') {
        keepalives.set(ws, setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(PING), KEEPALIVE_MS))
        resolve()
      } else reject(new Error(`identify ${who.agent_id}: ${String(data).slice(0, 200)}`))
    }
    const onClose = (code: number, reason: Buffer) => {
      ws.off('message', onMessage)
      reject(new Error(`closed ${code} ${String(reason)} before identified`))
    }
    ws.on('message', onMessage)
    ws.once('close', onClose)
    ws.send(JSON.stringify({ type: 'identify', ...who, name: who.agent_id, status: 'idle', capabilities: [], protocol_version: 1 }))
  })
}

/** One ping in flight per client for `seconds`; a reply of another type (a push) is skipped. */
async function pingLoad(sockets: WebSocket[], seconds: number, expect: string): Promise<number[]> {
  const samples: number[] = []
  const deadline = performance.now() + seconds * 1000
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((done) => {
          let sentAt = 0
          const send = () => {
            sentAt = performance.now()
            ws.send(PING)
          }
          const finish = () => {
            ws.off('message', onMessage)
            ws.off('close', finish)
            done()
          }
          const onMessage = (data: WebSocket.RawData) => {
            if (!String(data).includes(expect)) return
            const now = performance.now()
            samples.push(now - sentAt)
            if (now < deadline) send()
            else finish()
          }
          ws.on('message', onMessage)
          ws.once('close', finish) // a socket the server closed must not hang the run
          if (ws.readyState !== WebSocket.OPEN) return finish()
          send()
        }),
    ),
  )
  return samples
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  for (const ws of sockets) {
    clearInterval(keepalives.get(ws))
    keepalives.delete(ws)
  }
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((closed) => {
          if (ws.readyState === WebSocket.CLOSED) return closed()
          ws.once('close', () => closed())
          ws.terminate()
        }),
    ),
  )
}

// ---- reporting ----------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1)

function emit(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'relay-hub', ...fields }))
}

function rates(samples: number[], seconds: number): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b)
  return { per_s: Math.round(samples.length / seconds), p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)) }
}

// ---- the cases ----------------------------------------------------------------------------------

async function benchServer(kind: TransportKind, server: Server, bare: boolean, clients: number, seconds: number, tokens: string[] | null): Promise<void> {
  const base = { transport: kind, server: bare ? 'bare' : 'hub' }
  const rssBefore = await rssOf(server, bare)
  const started = performance.now()
  const { sockets, failures } = await storm(server.port, clients, tokens ? (i) => ({ agent_id: benchAgent(i), token: tokens[i]! }) : null)
  const stormMs = performance.now() - started
  emit({ ...base, case: bare ? 'connect_storm' : 'identify_storm', clients, ok: sockets.length, failed: failures.length, ms: Math.round(stormMs), per_s: Math.round(sockets.length / (stormMs / 1000)), rss_before_mb: mb(rssBefore), rss_mb: mb(await rssOf(server, bare)) })
  if (failures.length > 0) console.error(`relay-hub: ${failures.length} clients failed, e.g. ${[...new Set(failures)].slice(0, 3).join(' | ')}`)
  for (const n of [1, 100, 1000].filter((n) => n <= sockets.length)) {
    const samples = await pingLoad(sockets.slice(0, n), seconds, bare ? '"ping"' : '"pong"')
    emit({ ...base, case: 'ping_pong', clients: n, identified_total: bare ? 0 : clients, ...rates(samples, seconds), rss_mb: mb(await rssOf(server, bare)) })
  }
  const health = await httpLoad(server.port, 32, seconds)
  emit({ ...base, case: 'http_get_health', concurrency: 32, open_sockets: clients, ...rates(health, seconds), rss_mb: mb(await rssOf(server, bare)) })
  await closeAll(sockets)
}

function argValue(name: string, fallback: number): number {
  const at = process.argv.indexOf(name)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}

async function main(): Promise<void> {
  const clients = argValue('--clients', 2000)
  const seconds = argValue('--seconds', 3)
  const only = process.argv.includes('--transport') ? [process.argv[process.argv.indexOf('--transport') + 1] as TransportKind] : availableTransportKinds()
  for (const kind of only) {
    const bare = await startChild(BARE_SERVER, [BARE_FLAG, kind])
    await benchServer(kind, bare, true, clients, seconds, null)
    await stopChild(bare, 'stop')

    const dataDir = mkdtempSync(join(tmpdir(), 'agentcom-bench-hub-'))
    try {
      const hub = await startChild(__filename, [SERVE_HUB, kind, dataDir, String(clients)])
      await benchServer(kind, hub, false, clients, seconds, hub.tokens)
      await stopChild(hub, { type: 'stop' })
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

const serveAt = process.argv.indexOf(SERVE_HUB)
if (serveAt !== -1) {
  serveHub(process.argv[serveAt + 1] as TransportKind, process.argv[serveAt + 2]!, Number(process.argv[serveAt + 3])).catch((error) => {
    console.error(error)
    process.exit(1)
  })
} else {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
