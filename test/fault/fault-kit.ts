// Shared by the fault-injection suites: quick/soak sizing, a raw HTTP client (arbitrary bytes,
// any method), a raw WebSocket (binary and invalid-UTF-8 frames), and a watcher that collects
// actor crashes from the hub's log. (Fixture, no tests of its own.)
import { readFileSync, readdirSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import WebSocket from 'ws'
import { memoryLogger, VirtualClock, type MemoryLogger } from '../../actors/runtime'
import { createLogger, LOG_FILE_NAME, type AgentcomLogger } from '../../logging'
import { startHub, type StartHubOptions } from '../../relay/hub/start-hub'
import type { TransportKind } from '../../relay/hub/transport'
import { tempDataDir, type TestHub } from '../hub/harness'

interface Teardownable {
  teardown(fn: () => unknown): void
}

/**
 * An in-process hub like startTestHub's, but logging through the production winston logger at
 * debug level into `<dataDir>/logs/agentcom.log` (scanned for secrets) and, in parallel, into a
 * memory logger (scanned for crashes). The log level route works on it.
 */
export async function startLoggedHub(
  t: Teardownable,
  kind: TransportKind,
  options: Partial<StartHubOptions> & { dataDir?: string } = {},
): Promise<TestHub & { logFile: string; fileLogger: AgentcomLogger }> {
  const dataDir = options.dataDir ?? tempDataDir(t)
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock({ start: 1_700_000_000_000 })
  const log = memoryLogger()
  const fileLogger = createLogger({ dataDir, level: 'debug', stdout: false, defaultMeta: { service: 'hub' } })
  teeInto(fileLogger, log)
  const running = await startHub({ port: 0, transport: kind, ...options, dataDir, clock, logger: fileLogger })
  t.teardown(async () => {
    await running.close()
    await fileLogger.close()
  })
  const adminToken = running.newAdminToken?.token
  if (!adminToken) throw new Error('startLoggedHub needs a fresh data dir (no admin token printed)')
  return { running, port: running.port, dataDir, clock, log, adminToken, kind, logFile: fileLogger.filePath ?? join(dataDir, 'logs', LOG_FILE_NAME), fileLogger }
}

/** Every line the logger wrote also lands in `memory` (same level names as the runtime's Logger). */
function teeInto(logger: AgentcomLogger, memory: MemoryLogger): void {
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    const original = logger[level].bind(logger)
    ;(logger as unknown as Record<string, unknown>)[level] = (message: string, meta?: Record<string, unknown>) => {
      memory[level](message, meta)
      original(message, meta)
    }
  }
}

/** Every line of every log file under `dir` (recursively: logs/, rotated archives are compressed and skipped). */
export function logLinesUnder(dir: string): string[] {
  const lines: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.log')) lines.push(...readFileSync(path, 'utf8').split('\n').filter((l) => l !== ''))
    }
  }
  walk(dir)
  return lines
}

/** Log lines containing any of `secrets` (a token, or its first 16 characters). */
export function linesWithSecrets(lines: string[], secrets: string[]): string[] {
  const needles = secrets.filter((s) => s.length >= 16).flatMap((s) => [s, s.slice(0, 16)])
  return lines.filter((line) => needles.some((n) => line.includes(n)))
}

/** `npm run soak` sets AGENTCOM_SOAK=1: the long versions. */
export const SOAK = process.env.AGENTCOM_SOAK === '1'

/** Quick value in the regular run, soak value under AGENTCOM_SOAK=1. */
export function sized<T>(quick: T, soak: T): T {
  return SOAK ? soak : quick
}

export interface RawHttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** One request with an arbitrary body (bytes as given) on a fresh connection. */
export function rawHttp(
  port: number,
  method: string,
  path: string,
  opts: { token?: string; body?: Buffer | string; contentType?: string; timeoutMs?: number } = {},
): Promise<RawHttpResult> {
  const headers: Record<string, string> = { connection: 'close' }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8')
  if (body !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json'
    headers['content-length'] = String(body.length)
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 10_000} ms`)))
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

/** Parses JSON or returns undefined. */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A WebSocket that records every frame (parsed when JSON) and its close. */
export class RawSocket {
  readonly frames: unknown[] = []
  readonly unparsable: string[] = []
  closeInfo: { code: number; reason: string } | null = null
  private waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = String(data)
      const parsed = isBinary ? undefined : jsonOrUndefined(text)
      if (parsed === undefined) this.unparsable.push(text.slice(0, 200))
      else this.frames.push(parsed)
      this.wake()
    })
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: String(reason) }
      this.wake()
    })
    ws.on('error', () => undefined)
  }

  static async open(port: number, path = '/ws'): Promise<RawSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { maxPayload: 64 * 1024 * 1024 })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new RawSocket(ws)
  }

  get isOpen(): boolean {
    return this.closeInfo === null && this.ws.readyState === WebSocket.OPEN
  }

  sendText(text: string): void {
    this.ws.send(text)
  }

  /** Raw bytes in a text frame (invalid UTF-8 allowed: the client does not check). */
  sendTextBytes(bytes: Buffer): void {
    this.ws.send(bytes, { binary: false })
  }

  sendBinary(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true })
  }

  /** Resolves with the first frame matching `match` arriving after index `from`, or null when the socket closed / timed out. */
  async waitFor(match: (f: unknown) => boolean, from: number, timeoutMs = 5000): Promise<unknown | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      for (let i = from; i < this.frames.length; i++) if (match(this.frames[i])) return this.frames[i]
      if (this.closeInfo) return null
      const left = deadline - Date.now()
      if (left <= 0) return null
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  async waitClosed(timeoutMs = 3000): Promise<{ code: number; reason: string } | null> {
    const deadline = Date.now() + timeoutMs
    while (!this.closeInfo && Date.now() < deadline) await new Promise<void>((resolve) => this.waiters.push(resolve) && setTimeout(resolve, 50))
    return this.closeInfo
  }

  terminate(): void {
    if (this.closeInfo === null) this.ws.terminate()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}

/** Log entries that mean something crashed: actor crashes and request handlers that threw. */
export function crashEntries(log: MemoryLogger, since = 0): Array<{ message: string; meta?: unknown }> {
  return log.entries.slice(since).filter((e) => e.level === 'error' && /crash|failed|internal|uncaught|unhandled/i.test(e.message))
}

/** Fisher–Yates with a seeded generator: reproducible random moments. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 0x1_0000_0000
  }
}
