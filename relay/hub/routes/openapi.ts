// `GET /api/openapi.json`: an OpenAPI 3.1 description of every route the hub registers. Nothing
// is hand-listed: paths come from the live router, request bodies from relay/protocol's
// HTTP_BODIES (each names its route), and each route's auth requirement is *observed* by probing
// its handler on a private router whose hub answers nothing (see probeRouteAuth) — so a route
// that changes its guard changes the document. The document route itself is public.
import { ACTOR } from '../../../actors/names'
import { HTTP_BODIES, HTTP_BODY_KEYS, httpBodyComponent, openApiComponents, type HttpBodyKey } from '../../protocol'
import type { RouteModule } from '../http/route-module'
import type { HubContext, HubOptions } from '../hub-context'
import { HubRouter, type HttpMethod } from '../routing'
import type { HubRequest, TransportLogger } from '../transport/types'
import { API_ROUTE_MODULES, registerRoutes } from './route-modules'

export const OPENAPI_PATH = '/api/openapi.json'

/** How a route authenticates: `bearer` = Authorization header only; `token` = header or `?token=`. */
export interface RouteAuth {
  style: 'bearer' | 'token'
  role: 'agent' | 'admin'
}

export interface RouteDescription {
  method: HttpMethod
  path: string
  /** null: the route answers without a token. */
  auth: RouteAuth | null
}

export type OpenApiDocument = Record<string, unknown> & { openapi: '3.1.0'; paths: Record<string, Record<string, OpenApiOperation>> }
export type OpenApiOperation = Record<string, unknown> & { operationId: string; responses: Record<string, unknown> }

export const openApiRoutes: RouteModule = (router, hub) => {
  let cached: Promise<string> | undefined
  router.get(OPENAPI_PATH, async () => {
    // Built on first request, when every module has registered its routes on `router`.
    cached ??= routeDescriptionsOf(router.routes(), hub.options).then((routes) => JSON.stringify(buildOpenApiDocument(routes)))
    // a failed build is not cached: the next request tries again (and the 500 is logged by dispatch)
    const body = await cached.catch((error: unknown) => {
      cached = undefined
      throw error
    })
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body }
  })
}

/** `routes` (from a live router) with the auth requirement each one was observed to enforce. */
export async function routeDescriptionsOf(routes: ReadonlyArray<{ method: HttpMethod; path: string }>, options: HubOptions): Promise<RouteDescription[]> {
  const observed = await probeRouteAuth(options)
  return routes.map(({ method, path }) => ({ method, path, auth: observed.get(routeKey(method, path)) ?? null }))
}

// ---- auth probing ---------------------------------------------------------------------------

const PROBE_AGENT_ID = 'openapi-probe'
const PROBE_TOKEN = 'openapi-probe-token'

/** Thrown by the probe hub for anything a handler asks of it beyond token verification. */
class ProbeHubUntouchable extends Error {}

/**
 * Registers every route module on a private router wired to a hub that verifies exactly one
 * (agent-role) token and refuses everything else, then asks each route twice: without a token
 * (401 → protected; the 401 body tells bearer-only from `?token=`-accepting) and with the agent
 * token (403 → admin only). Handlers never reach real actors or storage, so probing is side-effect free.
 */
export async function probeRouteAuth(options: HubOptions): Promise<Map<string, RouteAuth | null>> {
  const router = new HubRouter({ logger: silentLogger })
  registerRoutes(router, probeHub(options), { ...API_ROUTE_MODULES, openApi: openApiRoutes })
  const result = new Map<string, RouteAuth | null>()
  for (const { method, path } of router.routes()) {
    // this document's own route is public, and probing it would recurse
    if (path === OPENAPI_PATH) {
      result.set(routeKey(method, path), null)
      continue
    }
    const anonymous = await router.handle(probeRequest(method, path, {}))
    if (anonymous.status !== 401) {
      result.set(routeKey(method, path), null)
      continue
    }
    const withAgentToken = await router.handle(probeRequest(method, path, { authorization: `Bearer ${PROBE_TOKEN}` }))
    result.set(routeKey(method, path), { style: acceptsQueryToken(anonymous.body) ? 'token' : 'bearer', role: withAgentToken.status === 403 ? 'admin' : 'agent' })
  }
  return result
}

/** Bearer-only routes answer 401 with a `hint` naming the header (UNAUTHORIZED_BEARER). */
function acceptsQueryToken(body: string | Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString()) as { hint?: unknown }
    return parsed.hint === undefined
  } catch {
    return false
  }
}

function routeKey(method: string, path: string): string {
  return `${method} ${path}`
}

const silentLogger: TransportLogger = { error() {}, warn() {} }

function untouchable(what: string): never {
  throw new ProbeHubUntouchable(`probe hub: ${what}`)
}

function probeHub(options: HubOptions): HubContext {
  const refuse = (): never => untouchable('actor call')
  const system = new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === 'whereis') return () => undefined
        if (prop === 'byName')
          return (name: string) => ({
            call: async (message: { type?: string; token?: string }) =>
              name === ACTOR.auth && message.type === 'verify' && message.token === PROBE_TOKEN ? { agent_id: PROBE_AGENT_ID, role: 'agent' } : refuse(),
            // fire-and-forget messages (a module subscribing at registration) are dropped, not refused
            cast: () => undefined,
            send: () => undefined,
          })
        return () => untouchable(`system.${String(prop)}`)
      },
    },
  )
  const storage = new Proxy({}, { get: (_t, prop) => () => untouchable(`storage.${String(prop)}`) })
  const log = { debug() {}, info() {}, notice() {}, warn() {}, warning() {}, error() {}, child: () => log }
  // A true boundary: the probe stands in for the whole hub context without implementing it.
  return { system, storage, options, log, now: () => 0 } as unknown as HubContext
}

function probeRequest(method: HttpMethod, pattern: string, headers: Record<string, string>): HubRequest {
  const path = pattern.replace(/:([A-Za-z0-9_]+)/g, 'probe').replace(/\*$/, 'probe')
  return {
    method,
    path,
    query: new URLSearchParams(),
    headers,
    remoteIp: '127.0.0.1',
    body: Buffer.alloc(0),
    json: () => ({}),
    jsonObject: () => ({}),
  }
}

// ---- the document (pure) ---------------------------------------------------------------------

/** `/api/tasks/:task_id` → `/api/tasks/{task_id}`; a trailing `*` becomes `{path}`. */
export function openApiPath(pattern: string): { path: string; params: string[] } {
  const params: string[] = []
  const path = pattern
    .replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
      params.push(name)
      return `{${name}}`
    })
    .replace(/\*$/, () => {
      params.push('path')
      return '{path}'
    })
  return { path, params }
}

/** The HTTP body schema key whose `route` is `method path`, if any. */
export function bodyKeyFor(method: string, path: string): HttpBodyKey | undefined {
  return HTTP_BODY_KEYS.find((key) => HTTP_BODIES[key].route === routeKey(method, path))
}

function operationId(method: string, pattern: string): string {
  const words = pattern
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by_${segment.slice(1)}` : segment === '*' ? 'path' : segment))
  return [method.toLowerCase(), ...words].join('_').replace(/[^A-Za-z0-9_]/g, '_')
}

const ref = (name: string) => ({ $ref: `#/components/responses/${name}` })

function operationFor(route: RouteDescription): OpenApiOperation {
  const { params } = openApiPath(route.path)
  const bodyKey = bodyKeyFor(route.method, route.path)
  const responses: Record<string, unknown> = { '2XX': { description: 'Success. JSON unless the route serves a page, a file or Prometheus text.' } }
  if (bodyKey !== undefined) {
    responses['400'] = ref('InvalidJson')
    responses['413'] = ref('PayloadTooLarge')
    responses['415'] = ref('UnsupportedMediaType')
    responses['422'] = HTTP_BODIES[bodyKey].errorStyle === 'validation_failed' ? ref('ValidationFailed') : ref('LegacyValidationError')
  }
  if (route.auth !== null) {
    responses['401'] = route.auth.style === 'bearer' ? ref('UnauthorizedBearer') : ref('Unauthorized')
    if (route.auth.role === 'admin') responses['403'] = ref('ForbiddenAdmin')
    responses['429'] = ref('RateLimited')
  }
  if (params.length > 0) responses['404'] = ref('NotFound')
  responses['500'] = ref('InternalError')
  responses['503'] = ref('ServiceUnavailable')

  const operation: OpenApiOperation = {
    operationId: operationId(route.method, route.path),
    summary: bodyKey !== undefined ? HTTP_BODIES[bodyKey].description : `${route.method} ${route.path}`,
    tags: [tagFor(route.path)],
    security: securityFor(route.auth),
    responses,
  }
  if (route.auth !== null) operation['x-agentcom-role'] = route.auth.role
  if (params.length > 0) operation.parameters = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
  if (bodyKey !== undefined) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${httpBodyComponent(bodyKey)}` } } },
    }
  }
  return operation
}

function securityFor(auth: RouteAuth | null): Array<Record<string, string[]>> {
  if (auth === null) return []
  return auth.style === 'bearer' ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, { queryToken: [] }]
}

function tagFor(pattern: string): string {
  const segments = pattern.split('/').filter(Boolean)
  const [first, second, third] = segments
  if (first === 'api' && second === 'admin' && third !== undefined) return `admin/${third}`
  if (first === 'api' && second !== undefined) return second
  return first ?? 'root'
}

const errorBody = (example: Record<string, unknown>) => ({
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' } },
  examples: [example],
})

function errorResponse(description: string, example: Record<string, unknown>, schema: Record<string, unknown> = errorBody(example)) {
  return { description, content: { 'application/json': { schema } } }
}

/** Shared error responses (protocol.md §2, §4 general rules, hardening.md). */
function errorResponses(): Record<string, unknown> {
  return {
    InvalidJson: errorResponse('The body is not valid JSON.', { error: 'invalid_json' }),
    PayloadTooLarge: errorResponse('The body is larger than the hub accepts (default 1 MiB).', { error: 'payload_too_large' }),
    UnsupportedMediaType: errorResponse('A non-empty body that is not application/json.', { error: 'unsupported_media_type' }),
    ValidationFailed: errorResponse('The body does not match its schema; one ErrorItem per problem.', { error: 'validation_failed', errors: [] }, { $ref: '#/components/schemas/ValidationFailedBody' }),
    LegacyValidationError: errorResponse('The body does not match its schema (the original inline error body of this route).', { error: 'invalid_level' }),
    UnauthorizedBearer: errorResponse('Missing, unknown or revoked token (Authorization header only).', { error: 'unauthorized', hint: 'provide Authorization: Bearer <token>' }),
    Unauthorized: errorResponse('Missing, unknown or revoked token (header or ?token=).', { error: 'unauthorized' }),
    ForbiddenAdmin: errorResponse('An agent token on a route that needs an admin token.', { error: 'forbidden', detail: 'admin token required' }),
    RateLimited: {
      ...errorResponse('The caller exceeded its rate-limit bucket.', { error: 'rate_limited', retry_after_ms: 1000, tier: 'normal' }),
      headers: { 'retry-after': { description: 'Whole seconds to wait, at least 1.', schema: { type: 'integer', minimum: 1 } } },
    },
    NotFound: errorResponse('The addressed resource does not exist.', { error: 'not_found' }),
    InternalError: errorResponse('The handler failed unexpectedly.', { error: 'internal_error' }),
    ServiceUnavailable: errorResponse('The actor serving the route is down, too slow, or its storage cannot commit.', { error: 'service_unavailable', service: 'task-queue' }),
  }
}

/** The OpenAPI 3.1 document for `routes` (sorted by path, then method, so it is stable). */
export function buildOpenApiDocument(routes: readonly RouteDescription[]): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {}
  const sorted = [...routes].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
  for (const route of sorted) {
    const { path } = openApiPath(route.path)
    paths[path] ??= {}
    paths[path]![route.method.toLowerCase()] = operationFor(route)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AgentCom hub HTTP API',
      version: '1.0',
      description:
        'Generated from the running router and relay/protocol schemas. Authenticate with `Authorization: Bearer <token>`; ' +
        'routes marked x-agentcom-role: admin need an admin token. The WebSocket protocol (/ws) is described in docs/protocol.md.',
    },
    // relative: the hub that serves this document is the one it describes
    servers: [{ url: '/' }],
    paths,
    components: {
      ...openApiComponents(),
      responses: errorResponses(),
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An agent or admin token (`agentcom token create`).' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'The same token as a query parameter (only where listed).' },
      },
    },
  }
}
