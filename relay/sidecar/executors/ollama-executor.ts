// The standard-tier executor (sidecar.md §9.2): one streamed `/api/chat` turn against the
// routed Ollama endpoint. Fixed against the original: an `{"error":…}` line inside a 200 stream
// is a failure (it counted as success with partial output), a stream that ends without its
// `done` line is a failure, the 5-minute timeout is inactivity AND there is a total cap, and a
// 404 "model not found" is not retried (it cannot succeed on the same endpoint).
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { LineSplitter, parseJsonLine } from './ndjson-lines'
import { ollamaMessages } from './task-prompt'
import {
  failedResult,
  routingString,
  type ExecutionContext,
  type ExecutionTask,
  type Executor,
  type ExecutorResult,
} from './execution-types'

export const OLLAMA_DEFAULTS = {
  attempts: 3,
  inactivityTimeoutMs: 300_000,
  totalTimeoutMs: 1_800_000,
  model: 'llama3.2:latest',
  port: 11434,
}

export interface OllamaEndpoint {
  host: string
  port: number
}

/**
 * `selected_endpoint` is `host:port` (split on the last colon; `[v6]:port` accepted); an
 * unparsable port leaves the whole string as host with the default port. The configured
 * `ollama_url` (a URL) is the fallback, then localhost.
 */
export function resolveOllamaEndpoint(selected: string | null, ollamaUrl: string | null | undefined): OllamaEndpoint {
  if (selected) return parseHostPort(selected)
  if (ollamaUrl) {
    try {
      const url = new URL(ollamaUrl.includes('://') ? ollamaUrl : `http://${ollamaUrl}`)
      return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : OLLAMA_DEFAULTS.port }
    } catch {
      return parseHostPort(ollamaUrl)
    }
  }
  return { host: 'localhost', port: OLLAMA_DEFAULTS.port }
}

function parseHostPort(text: string): OllamaEndpoint {
  const trimmed = text.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '')
  const colon = trimmed.lastIndexOf(':')
  if (colon > 0) {
    const port = Number(trimmed.slice(colon + 1))
    if (Number.isInteger(port) && port > 0 && port < 65536) {
      return { host: trimmed.slice(0, colon).replace(/^\[|\]$/g, ''), port }
    }
  }
  return { host: trimmed, port: OLLAMA_DEFAULTS.port }
}

type AttemptResult = ExecutorResult & { retryable: boolean }

export class OllamaExecutor implements Executor {
  readonly targetType = 'ollama' as const

  constructor(private readonly options: Partial<typeof OLLAMA_DEFAULTS> = {}) {}

  async execute(task: ExecutionTask, ctx: ExecutionContext): Promise<ExecutorResult> {
    const settings = { ...OLLAMA_DEFAULTS, ...this.options }
    const model = routingString(task, 'selected_model') ?? settings.model
    const endpoint = resolveOllamaEndpoint(routingString(task, 'selected_endpoint'), ctx.ollamaUrl)
    const body = JSON.stringify({ model, messages: ollamaMessages(task), stream: true })
    let last: AttemptResult = { ...failedResult(model, 'not run', 0), retryable: false }
    for (let attempt = 1; attempt <= settings.attempts; attempt++) {
      if (attempt > 1) ctx.onEvent({ type: 'status', text: `Ollama retry ${attempt - 1}/${settings.attempts - 1}...` })
      last = await streamChat(endpoint, model, body, settings, ctx, attempt)
      if (last.status === 'success' || !last.retryable || ctx.signal?.aborted) break
    }
    const { retryable: _retryable, ...result } = last
    if (result.status === 'failed') ctx.onEvent({ type: 'error', text: result.error ?? 'Ollama request failed' })
    return result
  }
}

function streamChat(
  endpoint: OllamaEndpoint,
  model: string,
  body: string,
  settings: typeof OLLAMA_DEFAULTS,
  ctx: ExecutionContext,
  attempt: number,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const { clock } = ctx
    let output = ''
    let settled = false
    let inactivityTimer: unknown = null
    let totalTimer: unknown = null
    let req: ClientRequest | null = null

    const finish = (result: AttemptResult): void => {
      if (settled) return
      settled = true
      clock.clearTimeout(inactivityTimer)
      clock.clearTimeout(totalTimer)
      ctx.signal?.removeEventListener('abort', onAbort)
      req?.destroy()
      resolve(result)
    }
    const fail = (error: string, retryable = true): void =>
      finish({ ...failedResult(model, error, attempt, output), retryable })
    const armInactivity = (): void => {
      clock.clearTimeout(inactivityTimer)
      inactivityTimer = clock.setTimeout(
        () => fail(`Ollama request timeout: no data for ${Math.round(settings.inactivityTimeoutMs / 1000)}s`),
        settings.inactivityTimeoutMs,
      )
    }
    const onAbort = (): void => fail('Ollama request aborted: the task was taken away or the sidecar is stopping', false)

    if (ctx.signal?.aborted) return onAbort()
    ctx.signal?.addEventListener('abort', onAbort, { once: true })
    armInactivity()
    totalTimer = clock.setTimeout(
      () => fail(`Ollama request exceeded the total limit of ${Math.round(settings.totalTimeoutMs / 1000)}s`),
      settings.totalTimeoutMs,
    )

    req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        method: 'POST',
        path: '/api/chat',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        agent: false,
      },
      (res) => onResponse(res),
    )
    req.on('error', (err) => fail(`Ollama request failed (${endpoint.host}:${endpoint.port}): ${err.message}`))
    req.end(body)

    function onResponse(res: IncomingMessage): void {
      armInactivity()
      if (res.statusCode !== 200) return collectErrorBody(res)
      const lines = new LineSplitter()
      let sawDone = false
      let tokensIn = 0
      let tokensOut = 0
      const handleLine = (line: string): void => {
        if (settled || sawDone) return
        const obj = parseJsonLine(line)
        if (!obj) return
        if (obj.error !== undefined) return fail(`Ollama stream error: ${String(obj.error)}`)
        const content = messageContent(obj)
        if (obj.done === true) {
          sawDone = true
          if (content) output += content
          tokensIn = count(obj.prompt_eval_count)
          tokensOut = count(obj.eval_count)
          return
        }
        if (content) {
          output += content
          ctx.onEvent({ type: 'token', text: content, tokens_so_far: output.length, model })
        }
      }
      res.on('data', (chunk: Buffer) => {
        armInactivity()
        for (const line of lines.push(chunk)) handleLine(line)
      })
      res.on('end', () => {
        for (const line of lines.end()) handleLine(line)
        if (!sawDone) return fail('Ollama stream ended before its final "done" line')
        finish({
          ...failedResult(model, '', attempt, output),
          status: 'success',
          error: null,
          tokens_in: tokensIn,
          tokens_out: tokensOut,
          retryable: false,
        })
      })
      res.on('error', (err) => fail(`Ollama response failed: ${err.message}`))
    }

    function collectErrorBody(res: IncomingMessage): void {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        armInactivity()
        if (text.length < 500) text += chunk
      })
      res.on('end', () => {
        const notFound = res.statusCode === 404
        fail(`Ollama HTTP ${res.statusCode}: ${text.slice(0, 500)}`, !notFound)
      })
      res.on('error', (err) => fail(`Ollama HTTP ${res.statusCode}: ${err.message}`))
    }
  })
}

function messageContent(obj: Record<string, unknown>): string {
  const message = obj.message
  if (message && typeof message === 'object') {
    const content = (message as { content?: unknown }).content
    if (typeof content === 'string') return content
  }
  return ''
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0
}
