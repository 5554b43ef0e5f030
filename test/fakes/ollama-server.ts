// A fake Ollama server speaking the real wire format (GET /, /api/tags, /api/ps, /api/version,
// POST /api/chat streamed as application/x-ndjson or as one object), on 127.0.0.1 port 0.
// Behaviour is steered by mutable knobs (see test/fakes/README.md). Standalone:
//   npx ts-node-transpile-only test/fakes/ollama-server.ts [--port N] [--model NAME]...
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeOllamaKnobs {
  /** models served by /api/tags and accepted by /api/chat */
  models: string[]
  /** models reported as loaded by /api/ps, with size_vram */
  loaded: Array<{ name: string; size_vram: number }>
  /** the assistant's reply; a function sees the parsed request body and the 1-based chat count */
  reply: string | ((body: ChatRequestBody, chatCount: number) => string)
  /** write every NDJSON line in several small TCP writes, cutting lines (and UTF-8 characters) apart */
  splitChunks: boolean
  /** leave prompt_eval_count out of the done line (Ollama does that on a full prompt-cache hit) */
  omitPromptEvalCount: boolean
  /** after this many content lines, send `{"error": errorMidStream}` and end the 200 stream */
  errorMidStream: string | null
  errorAfterLines: number
  /** end the stream without the final done line */
  endWithoutDone: boolean
  /** real milliseconds between streamed lines */
  trickleMs: number
  /** the next N /api/chat requests answer HTTP 500 */
  fail500Count: number
  /** "silent": never answer; "after_headers": send 200 headers, then nothing */
  hang: false | 'silent' | 'after_headers'
  promptEvalCount: number | null
  evalCount: number | null
}

export interface ChatRequestBody {
  model?: unknown
  messages?: Array<{ role?: unknown; content?: unknown }>
  stream?: unknown
  [key: string]: unknown
}

export interface RecordedRequest {
  method: string
  path: string
  body: ChatRequestBody | null
  rawBody: string
}

export interface FakeOllama {
  url: string
  host: string
  port: number
  /** `127.0.0.1:<port>` — the hub's endpoint id form, used as routing_decision.selected_endpoint */
  endpointId: string
  knobs: FakeOllamaKnobs
  requests: RecordedRequest[]
  chatRequests(): RecordedRequest[]
  close(): Promise<void>
}

export const DEFAULT_KNOBS: FakeOllamaKnobs = {
  models: ['llama3.2:latest', 'qwen2.5-coder:7b'],
  loaded: [],
  reply: 'Hello from the fake Ollama. ✓ Done.',
  splitChunks: false,
  omitPromptEvalCount: false,
  errorMidStream: null,
  errorAfterLines: 1,
  endWithoutDone: false,
  trickleMs: 0,
  fail500Count: 0,
  hang: false,
  promptEvalCount: null,
  evalCount: null,
}

const DIGEST = 'sha256:a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72'

function modelEntry(name: string): Record<string, unknown> {
  return {
    name,
    model: name,
    modified_at: '2025-01-15T10:20:30.123456789Z',
    size: 2019393189,
    digest: DIGEST,
    details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
  }
}

function nowIso(): string {
  return new Date().toISOString()
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Splits a reply into word-ish chunks the way a model streams tokens. */
export function replyChunks(reply: string): string[] {
  return reply.match(/\S+\s*|\s+/g) ?? (reply ? [reply] : [])
}

export async function startFakeOllama(knobs: Partial<FakeOllamaKnobs> = {}, port = 0): Promise<FakeOllama> {
  const state: FakeOllamaKnobs = { ...DEFAULT_KNOBS, ...knobs }
  const requests: RecordedRequest[] = []
  let chatCount = 0

  const server: Server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (raw += c))
    req.on('end', () => {
      let body: ChatRequestBody | null = null
      try {
        body = raw ? (JSON.parse(raw) as ChatRequestBody) : null
      } catch {
        body = null
      }
      const path = (req.url ?? '/').split('?')[0]
      requests.push({ method: req.method ?? 'GET', path, body, rawBody: raw })
      route(req, res, path, raw, body).catch(() => res.destroy())
    })
  })

  async function route(req: IncomingMessage, res: ServerResponse, path: string, raw: string, body: ChatRequestBody | null): Promise<void> {
    if (req.method === 'GET' && (path === '/' || path === '')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      return void res.end('Ollama is running')
    }
    if (req.method === 'GET' && path === '/api/tags') return json(res, 200, { models: state.models.map(modelEntry) })
    if (req.method === 'GET' && path === '/api/version') return json(res, 200, { version: '0.12.6' })
    if (req.method === 'GET' && path === '/api/ps') {
      const expires = new Date(Date.now() + 300_000).toISOString()
      return json(res, 200, {
        models: state.loaded.map((m) => ({ ...modelEntry(m.name), size: Math.max(m.size_vram, 2019393189), size_vram: m.size_vram, expires_at: expires })),
      })
    }
    if (req.method === 'POST' && path === '/api/chat') return chat(res, raw, body)
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('404 page not found')
  }

  async function chat(res: ServerResponse, raw: string, body: ChatRequestBody | null): Promise<void> {
    chatCount++
    if (!body) return json(res, 400, { error: raw ? 'invalid character in request body' : 'missing request body' })
    if (typeof body.model !== 'string' || body.model === '') return json(res, 400, { error: 'model is required' })
    if (!state.models.includes(body.model)) return json(res, 404, { error: `model "${body.model}" not found, try pulling it first` })
    if (state.fail500Count > 0) {
      state.fail500Count--
      return json(res, 500, { error: 'llama runner process has terminated: exit status 2' })
    }
    if (state.hang === 'silent') return
    const model = body.model
    const text = typeof state.reply === 'function' ? state.reply(body, chatCount) : state.reply
    const chunks = replyChunks(text)
    const promptTokens = state.promptEvalCount ?? countPromptWords(body)
    const evalTokens = state.evalCount ?? chunks.length
    const doneLine = (content: string): Record<string, unknown> => {
      const line: Record<string, unknown> = {
        model,
        created_at: nowIso(),
        message: { role: 'assistant', content },
        done: true,
        done_reason: 'stop',
        total_duration: 1_234_567_890,
        load_duration: 12_345_678,
        prompt_eval_count: promptTokens,
        prompt_eval_duration: 98_765_432,
        eval_count: evalTokens,
        eval_duration: 1_100_000_000,
      }
      if (state.omitPromptEvalCount) delete line.prompt_eval_count
      return line
    }
    if (body.stream === false) return json(res, 200, doneLine(text))

    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    if (state.hang === 'after_headers') {
      res.flushHeaders()
      return
    }
    let written = 0
    for (const chunk of chunks) {
      if (state.errorMidStream !== null && written >= state.errorAfterLines) {
        await writeLine(res, { error: state.errorMidStream })
        return void res.end()
      }
      await writeLine(res, { model, created_at: nowIso(), message: { role: 'assistant', content: chunk }, done: false })
      written++
    }
    if (state.errorMidStream !== null) {
      await writeLine(res, { error: state.errorMidStream })
      return void res.end()
    }
    if (!state.endWithoutDone) await writeLine(res, doneLine(''))
    res.end()
  }

  async function writeLine(res: ServerResponse, obj: Record<string, unknown>): Promise<void> {
    if (state.trickleMs > 0) await wait(state.trickleMs)
    if (res.destroyed) return
    const bytes = Buffer.from(JSON.stringify(obj) + '\n', 'utf8')
    if (!state.splitChunks) return void res.write(bytes)
    // odd-sized pieces so cuts land inside JSON tokens and inside multi-byte characters
    for (let i = 0; i < bytes.length; i += 7) {
      if (res.destroyed) return
      res.write(bytes.subarray(i, i + 7))
      await wait(1)
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  const fake: FakeOllama = {
    url: `http://127.0.0.1:${address.port}`,
    host: '127.0.0.1',
    port: address.port,
    endpointId: `127.0.0.1:${address.port}`,
    knobs: state,
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/api/chat'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return fake
}

function countPromptWords(body: ChatRequestBody): number {
  const text = (body.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : '')).join(' ')
  return text.split(/\s+/).filter(Boolean).length
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

if (require.main === module) {
  const args = process.argv.slice(2)
  const portArg = args.indexOf('--port')
  const models = args.flatMap((a, i) => (a === '--model' && args[i + 1] ? [args[i + 1]] : []))
  startFakeOllama(models.length > 0 ? { models } : {}, portArg >= 0 ? Number(args[portArg + 1]) : 0)
    .then((fake) => process.stdout.write(`fake ollama listening on ${fake.url}\n`))
    .catch((err: Error) => {
      process.stderr.write(`fake ollama failed to start: ${err.message}\n`)
      process.exit(1)
    })
}
