// The LLM endpoint record (smart-pipeline.md §4.1), its id, and how the three registration
// sources (HTTP / dashboard, identify.ollama_url, ollama_report) turn into a registration.
//
// Deviations from the original, all deliberate:
// - `port` must be an integer 1..65535 (a string or float port used to yield a distinct id);
//   a host given as `host:port` or as a URL is split instead of producing `host:port:11434`.
// - Re-registering an existing id keeps its health (status, models, failures): the original
//   reset it to `unknown`, making every sidecar reconnect un-routable for up to 30 s.
// - `host_agents` records which agents' hosts run the endpoint (identify / ollama_report), so
//   host resources, which are keyed by agent, can be joined to it (§5 BUG).
// - A loopback `ollama_url` (localhost, 127.x, ::1) from a remote sidecar names the sidecar's
//   own host: with `peerHost` it is rewritten to the sidecar's address, so several agents no
//   longer collapse into one record that the hub probes on its own localhost.

import { Type, type Static } from '@sinclair/typebox'

export const DEFAULT_OLLAMA_PORT = 11434
export const DEFAULT_OLLAMA_HOST = 'localhost'

export const ENDPOINT_STATUSES = ['unknown', 'healthy', 'unhealthy'] as const
export const EndpointStatusSchema = Type.Union(ENDPOINT_STATUSES.map((s) => Type.Literal(s)))
export type EndpointStatus = Static<typeof EndpointStatusSchema>

export const EndpointSourceSchema = Type.Union([Type.Literal('auto'), Type.Literal('manual')])
export type EndpointSource = Static<typeof EndpointSourceSchema>

/** A model Ollama has loaded (GET /api/ps): name and bytes resident in VRAM. */
export const LoadedModelSchema = Type.Object({ name: Type.String(), size_vram: Type.Number() })
export type LoadedModel = Static<typeof LoadedModelSchema>

export const EndpointRecordSchema = Type.Object({
  // the original's fields (§4.1)
  id: Type.String(),
  host: Type.String(),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  name: Type.Union([Type.String(), Type.Null()]),
  source: EndpointSourceSchema,
  status: EndpointStatusSchema,
  models: Type.Array(Type.String()),
  registered_at: Type.Integer(),
  last_checked_at: Type.Union([Type.Integer(), Type.Null()]),
  consecutive_failures: Type.Integer({ minimum: 0 }),
  // ours
  /** agents whose host runs this endpoint (from identify / ollama_report), oldest first */
  host_agents: Type.Array(Type.String()),
  /** models resident in memory at the last successful check (GET /api/ps) */
  loaded_models: Type.Array(LoadedModelSchema),
  /** why the last check failed (`timeout`, `connection_refused`, `http_500`, …), null after a success */
  last_error: Type.Union([Type.String(), Type.Null()]),
})
export type EndpointRecord = Static<typeof EndpointRecordSchema>

/** What every registration source reduces to. */
export interface EndpointRegistration {
  host: string
  port: number
  name: string | null
  source: EndpointSource
  /** the agent whose host runs the endpoint (auto registrations) */
  agent_id: string | null
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: 'invalid_params' | 'invalid_ollama_url'; detail: string }

const fail = <T>(error: 'invalid_params' | 'invalid_ollama_url', detail: string): ParseResult<T> => ({ ok: false, error, detail })

/** `host:port` — also `routing_decision.selected_endpoint` (the sidecar splits on the last colon). */
export function endpointId(host: string, port: number): string {
  return `${host}:${port}`
}

/** Splits an endpoint id on its last colon; null when there is no numeric port. */
export function splitEndpointId(id: string): { host: string; port: number } | null {
  const at = id.lastIndexOf(':')
  if (at <= 0) return null
  const port = Number(id.slice(at + 1))
  if (!isValidPort(port)) return null
  return { host: id.slice(0, at), port }
}

export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
}

function portFrom(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string' && /^\d+$/.test(value)) value = Number(value)
  return isValidPort(value) ? value : null
}

// eslint-disable-next-line no-control-regex
const UNSAFE_HOST = /[\s\u0000-\u001f\u007f/?#@\\]/

/**
 * The original's host cleaning (drop a leading `http://`/`https://` and trailing `/`), plus:
 * an embedded `:port` is split off, and anything that is not a bare host is refused.
 */
export function cleanHost(raw: string): { host: string; port: number | null } | null {
  let host = raw.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '')
  let port: number | null = null
  const bracketed = /^(\[[^\]]+\])(?::(\d+))?$/.exec(host)
  if (bracketed) {
    host = bracketed[1]!
    if (bracketed[2] !== undefined) port = Number(bracketed[2])
  } else {
    const withPort = /^([^:]+):(\d+)$/.exec(host)
    if (withPort) {
      host = withPort[1]!
      port = Number(withPort[2])
    }
  }
  if (host === '' || UNSAFE_HOST.test(host)) return null
  if (port !== null && !isValidPort(port)) return null
  return { host, port }
}

/**
 * `POST /api/admin/llm-registry` and the dashboard's `register_llm_endpoint`: `{host, port?,
 * name?}` → a manual registration, or `invalid_params` (missing/empty/malformed host, a port
 * that is not an integer 1..65535, a non-string name).
 */
export function parseManualRegistration(body: unknown): ParseResult<EndpointRegistration> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('invalid_params', 'body must be an object')
  const { host: rawHost, port: rawPort, name } = body as Record<string, unknown>
  if (typeof rawHost !== 'string' || rawHost.trim() === '') return fail('invalid_params', 'host is required')
  const cleaned = cleanHost(rawHost)
  if (!cleaned) return fail('invalid_params', `host ${JSON.stringify(rawHost)} is not a host name or address`)
  const port = portFrom(rawPort)
  if (port === null) return fail('invalid_params', 'port must be an integer between 1 and 65535')
  if (port !== undefined && cleaned.port !== null && port !== cleaned.port) {
    return fail('invalid_params', `host names port ${cleaned.port} but port is ${port}`)
  }
  if (name !== undefined && name !== null && typeof name !== 'string') return fail('invalid_params', 'name must be a string')
  const finalPort = port ?? cleaned.port ?? DEFAULT_OLLAMA_PORT
  return {
    ok: true,
    value: {
      host: cleaned.host,
      port: finalPort,
      name: typeof name === 'string' && name !== '' ? name : endpointId(cleaned.host, finalPort),
      source: 'manual',
      agent_id: null,
    },
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]', '0.0.0.0', '::', '[::]'])

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase()
  return LOOPBACK_HOSTS.has(h) || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || /^\[?::ffff:127\./.test(h)
}

/** A socket's remote address as a host: `::ffff:10.0.0.5` → `10.0.0.5`, bare IPv6 → `[…]`. */
export function hostFromPeerAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return mapped[1]!
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address
}

export interface OllamaUrlOptions {
  /** the sidecar's remote address; replaces a loopback host when it is itself not loopback */
  peerAddress?: string | null
}

/**
 * `identify.ollama_url` / `ollama_report.ollama_url` → host and port. As the original: host
 * defaults to `localhost`; port is the URL's, else the scheme's default (`http` → 80, `https`
 * → 443), else 11434 when the string has no scheme.
 */
export function parseOllamaUrl(url: unknown, options: OllamaUrlOptions = {}): ParseResult<{ host: string; port: number }> {
  if (typeof url !== 'string' || url.trim() === '') return fail('invalid_ollama_url', 'ollama_url must be a non-empty string')
  const trimmed = url.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase() ?? null
  if (scheme !== null && scheme !== 'http' && scheme !== 'https') {
    return fail('invalid_ollama_url', `unsupported scheme ${scheme}: (http or https expected)`)
  }
  let parsed: URL
  try {
    parsed = new URL(scheme === null ? `http://${trimmed}` : trimmed)
  } catch {
    return fail('invalid_ollama_url', `${JSON.stringify(url)} is not a URL`)
  }
  let host = parsed.hostname === '' ? DEFAULT_OLLAMA_HOST : parsed.hostname
  let port: number
  if (parsed.port !== '') port = Number(parsed.port)
  else if (scheme === 'https') port = 443
  else if (scheme === 'http') port = 80
  else port = DEFAULT_OLLAMA_PORT
  const peer = options.peerAddress ? hostFromPeerAddress(options.peerAddress) : null
  if (peer !== null && isLoopbackHost(host) && !isLoopbackHost(peer)) host = peer
  return { ok: true, value: { host, port } }
}

/** An agent's Ollama (identify or ollama_report): auto, named `<agent_id>-local`. */
export function parseAgentRegistration(agentId: string, ollamaUrl: unknown, options: OllamaUrlOptions = {}): ParseResult<EndpointRegistration> {
  const parsed = parseOllamaUrl(ollamaUrl, options)
  if (!parsed.ok) return parsed
  return {
    ok: true,
    value: { ...parsed.value, name: `${agentId}-local`, source: 'auto', agent_id: agentId },
  }
}

/**
 * The upsert. A new id starts `unknown` with no models. An existing id keeps its health and
 * `registered_at`; a manual registration takes over source and name, an auto one never
 * demotes a manual record; the registering agent joins `host_agents`.
 */
export function registerEndpoint(existing: EndpointRecord | undefined, reg: EndpointRegistration, now: number): EndpointRecord {
  const id = endpointId(reg.host, reg.port)
  const hostAgents = existing?.host_agents ?? []
  const withAgent = reg.agent_id !== null && !hostAgents.includes(reg.agent_id) ? [...hostAgents, reg.agent_id] : [...hostAgents]
  if (!existing) {
    return {
      id, host: reg.host, port: reg.port, name: reg.name, source: reg.source,
      status: 'unknown', models: [], registered_at: now, last_checked_at: null, consecutive_failures: 0,
      host_agents: withAgent, loaded_models: [], last_error: null,
    }
  }
  const keepManual = existing.source === 'manual' && reg.source === 'auto'
  return {
    ...existing,
    name: keepManual ? existing.name : reg.name,
    source: keepManual ? 'manual' : reg.source,
    host_agents: withAgent,
  }
}

/** An agent no longer runs this endpoint's host (e.g. it re-registered a different URL). */
export function withoutHostAgent(record: EndpointRecord, agentId: string): EndpointRecord {
  return record.host_agents.includes(agentId) ? { ...record, host_agents: record.host_agents.filter((a) => a !== agentId) } : record
}

/**
 * The agents whose host resources describe this endpoint's host. Records stored without
 * `host_agents` (older data) fall back to the `<agent_id>-local` name of auto registrations.
 */
export function hostAgentsOf(record: Pick<EndpointRecord, 'host_agents' | 'source' | 'name'>): string[] {
  if (record.host_agents && record.host_agents.length > 0) return record.host_agents
  if (record.source === 'auto' && record.name?.endsWith('-local') && record.name.length > '-local'.length) {
    return [record.name.slice(0, -'-local'.length)]
  }
  return []
}

/** Status reset at start-up (§4.1): nothing is known until the first check. */
export function resetForStartup(record: EndpointRecord): EndpointRecord {
  return { ...record, status: 'unknown', consecutive_failures: 0 }
}

/** Healthy and offering at least one model: a standard-tier candidate (§6.2). */
export function isRoutable(record: Pick<EndpointRecord, 'status' | 'models'>): boolean {
  return record.status === 'healthy' && record.models.length > 0
}
