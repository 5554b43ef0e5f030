// Shared by the hub tests: an in-process hub on 127.0.0.1:0 with a temp data dir and a virtual
// clock, an HTTP client, and a WebSocket client that behaves like a sidecar's connection.
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { memoryLogger, VirtualClock, type MemoryLogger } from '../../actors/runtime'
import { startHub, type RunningHub, type StartHubOptions } from '../../relay/hub/start-hub'
import { availableTransportKinds, type TransportKind } from '../../relay/hub/transport'

/** Both adapters when uWS loads here; every black-box suite runs once per kind. */
export const KINDS: TransportKind[] = availableTransportKinds()

interface Teardownable {
  teardown(fn: () => unknown): void
}

export interface TestHub {
  running: RunningHub
  port: number
  dataDir: string
  clock: VirtualClock
  log: MemoryLogger
  adminToken: string
  kind: TransportKind
}

export function tempDataDir(t: Teardownable): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-hub-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function startTestHub(
  t: Teardownable,
  kind: TransportKind,
  options: Partial<StartHubOptions> & { dataDir?: string; adminToken?: string } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? tempDataDir(t)
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock({ start: 1_700_000_000_000 })
  const log = memoryLogger()
  const running = await startHub({ port: 0, transport: kind, ...options, dataDir, clock, logger: log })
  t.teardown(() => running.close())
  const adminToken = running.newAdminToken?.token ?? options.adminToken
  if (!adminToken) throw new Error('no admin token: pass the one from the first start')
  return { running, port: running.port, dataDir, clock, log, adminToken, kind }
}

// ---- HTTP ---------------------------------------------------------------------------------

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

export function http(
  port: number,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body)
  const headers: Record<string, string> = { connection: 'close', ...opts.headers }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (payload !== undefined) {
    headers['content-type'] = 'application/json'
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  return new Promise((resolve, reject) => {
    // agent: false — a fresh connection per request (no pooled socket the server already closed)
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = undefined
        try {
          body = JSON.parse(text)
        } catch {
          body = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body })
      })
    })
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

/** A fresh agent token through the admin API. */
export async function createToken(hub: TestHub, agentId: string): Promise<string> {
  const res = await http(hub.port, 'POST', '/admin/tokens', { token: hub.adminToken, body: { agent_id: agentId } })
  if (res.status !== 201) throw new Error(`token for ${agentId}: ${res.status} ${res.text}`)
  return res.body.token as string
}

// ---- WebSocket ----------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>

/** A WebSocket whose frames queue until read, with its close recorded; the test clients build on it. */
export class FrameQueue {
  readonly frames: Frame[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private waiters: Array<() => void> = []
  private closeInfo: { code: number; reason: string } | null = null

  protected constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame)
      this.wake()
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: String(reason) }
        resolve(this.closeInfo)
        this.wake()
      })
    })
    ws.on('error', () => undefined)
  }

  get isClosed(): boolean {
    return this.closeInfo !== null
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The next unread frame matching `match` (removed from the queue); rejects after `timeoutMs` real ms. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 3000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.frames.findIndex(match)
      if (index >= 0) return this.frames.splice(index, 1)[0]!
      if (this.closeInfo) throw new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting; unread: ${JSON.stringify(this.frames)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; unread: ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  nextOfType(type: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs)
  }

  async waitClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs).unref()),
    ])
  }

  close(): void {
    this.ws.close()
  }

  terminate(): void {
    if (!this.isClosed) this.ws.terminate()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}

/** An agent's socket on /ws, as a sidecar's connection behaves. */
export class AgentClient extends FrameQueue {
  static async connect(t: Teardownable, port: number, path = '/ws'): Promise<AgentClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const client = new AgentClient(ws)
    t.teardown(() => client.terminate())
    return client
  }

  /** Sends and returns the next frame (any type). */
  async request(frame: unknown, timeoutMs?: number): Promise<Frame> {
    this.send(frame)
    return this.next(undefined, timeoutMs)
  }
}

/** Connects and identifies; returns the client after `identified` (which must be the first frame). */
export async function connectAgent(t: Teardownable, hub: TestHub, agentId: string, token: string, extra: Frame = {}): Promise<AgentClient> {
  const client = await AgentClient.connect(t, hub.port)
  client.send({ type: 'identify', agent_id: agentId, token, ...extra })
  const first = await client.next()
  if (first.type !== 'identified') throw new Error(`expected identified first, got ${JSON.stringify(first)}`)
  return client
}

/** Polls `check` (real time) until it returns true; for state that settles asynchronously. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
