// A small fake Ollama for the health probe: GET /api/tags and GET /api/ps with the real JSON
// shapes (DIGEST.md "Faking"), on 127.0.0.1 port 0, with knobs for the failure modes the
// health state machine must see. (The chat-capable fake for executors is test/fakes/ollama-server.ts.)
// Not a test file: tap runs it, finds no tests, and passes.
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface HealthKnobs {
  /** installed models (/api/tags) */
  models: string[]
  /** loaded models (/api/ps) with VRAM bytes */
  loaded: Array<{ name: string; size_vram: number }>
  /** status for /api/tags (200 = healthy) */
  tagsStatus: number
  /** status for /api/ps */
  psStatus: number
  /** answer /api/tags with this raw text instead of JSON */
  tagsRawBody: string | null
  /** accept the request and never answer (a hung Ollama) */
  hang: boolean
}

export interface FakeOllamaHealth {
  host: '127.0.0.1'
  port: number
  knobs: HealthKnobs
  /** request paths in arrival order */
  hits: string[]
  close(): Promise<void>
}

const DIGEST = 'sha256:365c0bd3c000a25d28ddbf732fe1c6add414de7275464c4e4d1c3b5fcb5d8ad1'

function tagsEntry(name: string) {
  return {
    name, model: name, modified_at: '2025-02-03T14:05:06.789012345Z', size: 4683087332, digest: DIGEST,
    details: { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
  }
}

function psEntry(m: { name: string; size_vram: number }) {
  const { modified_at: _m, ...base } = tagsEntry(m.name)
  return { ...base, size: Math.max(m.size_vram, 4683087332), size_vram: m.size_vram, expires_at: '2099-01-01T00:05:00.000000000Z' }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

export async function startFakeOllamaHealth(knobs: Partial<HealthKnobs> = {}): Promise<FakeOllamaHealth> {
  const state: HealthKnobs = { models: ['qwen2.5-coder:7b', 'llama3.2:latest'], loaded: [], tagsStatus: 200, psStatus: 200, tagsRawBody: null, hang: false, ...knobs }
  const hits: string[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    hits.push(path)
    if (state.hang) return
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' })
    if (path === '/api/tags') {
      if (state.tagsRawBody !== null) return json(res, state.tagsStatus, state.tagsRawBody)
      if (state.tagsStatus !== 200) return json(res, state.tagsStatus, { error: 'llama runner process has terminated' })
      return json(res, 200, { models: state.models.map(tagsEntry) })
    }
    if (path === '/api/ps') {
      if (state.psStatus !== 200) return json(res, state.psStatus, { error: 'unavailable' })
      return json(res, 200, { models: state.loaded.map(psEntry) })
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      return void res.end('Ollama is running')
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('404 page not found')
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    knobs: state,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A port on 127.0.0.1 that refuses connections: bound once, then released. */
export async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
