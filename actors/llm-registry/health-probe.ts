// The real health probe: GET /api/tags (health and installed models) and GET /api/ps (loaded
// models) against one Ollama endpoint, both under one deadline (default 5 s). Never throws.
// Success means /api/tags answered 200; an unparseable tags body still counts as healthy with
// no models (as the original); a failing /api/ps only leaves `loaded` null.

import { parseJsonOrUndefined, parsePsModels, parseTagsModels } from './model-lists'
import { HEALTH_PROBE_TIMEOUT_MS, type ProbeResult } from './health'
import type { EndpointRecord, LoadedModel } from './endpoint'

export interface ProbeOptions {
  timeoutMs?: number
  /** injectable for tests; defaults to the global fetch */
  fetchImpl?: typeof fetch
  /** injectable for latency figures */
  now?: () => number
}

/** `http://host:port` — bare IPv6 hosts get brackets. */
export function endpointBaseUrl(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `http://${h}:${port}`
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

function isTimeout(err: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true
  const name = err instanceof Error ? err.name : ''
  return name === 'TimeoutError' || name === 'AbortError'
}

function describe(err: unknown): string {
  const code = errorCode(err)
  const message = err instanceof Error ? err.message : String(err)
  return code ? `${code} ${message}` : message
}

async function getJson(fetchImpl: typeof fetch, url: string, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
  const res = await fetchImpl(url, { method: 'GET', signal, headers: { accept: 'application/json' } })
  const text = await res.text()
  return { status: res.status, body: parseJsonOrUndefined(text) }
}

export async function probeOllama(
  endpoint: Pick<EndpointRecord, 'host' | 'port'>,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const fetchImpl = options.fetchImpl ?? fetch
  const now = options.now ?? Date.now
  const timeoutMs = options.timeoutMs ?? HEALTH_PROBE_TIMEOUT_MS
  const base = endpointBaseUrl(endpoint.host, endpoint.port)
  const signal = AbortSignal.timeout(timeoutMs)
  const started = now()

  const ps: Promise<LoadedModel[] | null> = getJson(fetchImpl, `${base}/api/ps`, signal)
    .then((r) => (r.status === 200 ? parsePsModels(r.body) : null))
    .catch(() => null)

  try {
    const tags = await getJson(fetchImpl, `${base}/api/tags`, signal)
    if (tags.status !== 200) {
      return { ok: false, reason: `http_${tags.status}`, detail: `GET /api/tags answered ${tags.status}`, latency_ms: now() - started }
    }
    const loaded = await ps
    return { ok: true, models: parseTagsModels(tags.body), loaded, latency_ms: now() - started }
  } catch (err) {
    const latency_ms = now() - started
    if (isTimeout(err, signal)) return { ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms`, latency_ms }
    if (errorCode(err) === 'ECONNREFUSED') return { ok: false, reason: 'connection_refused', detail: describe(err), latency_ms }
    return { ok: false, reason: 'network_error', detail: describe(err), latency_ms }
  }
}
