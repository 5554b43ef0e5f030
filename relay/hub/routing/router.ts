// Method + path routing on find-my-way. Static segments win over parameters
// (`/api/tasks/stats` before `/api/tasks/:task_id`) whatever the registration order.
// Wrong method on a known path answers 404 {"error":"not_found"}, as the original did.
import FindMyWay from 'find-my-way'
import { dispatchHttp } from '../transport/http-dispatch'
import { notFound } from '../transport/http-reply'
import { stderrLogger } from '../transport/stderr-logger'
import type { HttpHandler, HttpReply, HubRequest, TransportLogger } from '../transport/types'
import type { PathParams } from './path-params'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** A request plus the parameters its route captured (already percent-decoded). */
export interface RoutedRequest<Params = Readonly<Record<string, string>>> extends HubRequest {
  readonly params: Params
  /** The pattern that matched, e.g. `/api/tasks/:task_id` (safe to log; holds no values). */
  readonly route: string
}

export type RouteHandler<P extends string = string> = (req: RoutedRequest<PathParams<P>>) => HttpReply | Promise<HttpReply>

interface RouteEntry {
  readonly pattern: string
  readonly handler: (req: RoutedRequest) => HttpReply | Promise<HttpReply>
}

export interface RouterOptions {
  logger?: TransportLogger
  /** Longer parameter values do not match (→ 404). Default 500. */
  maxParamLength?: number
}

export class HubRouter {
  private readonly tree: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>
  private readonly registered: Array<{ method: HttpMethod; path: string }> = []
  private readonly logger: TransportLogger

  constructor(options: RouterOptions = {}) {
    this.logger = options.logger ?? stderrLogger
    this.tree = FindMyWay({
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      caseSensitive: true,
      maxParamLength: options.maxParamLength ?? 500,
    })
  }

  get<P extends string>(path: P, handler: RouteHandler<P>): this {
    return this.on('GET', path, handler)
  }

  post<P extends string>(path: P, handler: RouteHandler<P>): this {
    return this.on('POST', path, handler)
  }

  put<P extends string>(path: P, handler: RouteHandler<P>): this {
    return this.on('PUT', path, handler)
  }

  patch<P extends string>(path: P, handler: RouteHandler<P>): this {
    return this.on('PATCH', path, handler)
  }

  delete<P extends string>(path: P, handler: RouteHandler<P>): this {
    return this.on('DELETE', path, handler)
  }

  /** Throws when the same method + path is registered twice. */
  on<P extends string>(method: HttpMethod, path: P, handler: RouteHandler<P>): this {
    const entry: RouteEntry = { pattern: path, handler: handler as RouteEntry['handler'] }
    // find-my-way wants a node-style handler; ours travels in the route's store instead.
    this.tree.on(method, path, unusedNodeHandler, entry)
    this.registered.push({ method, path })
    return this
  }

  /** Every registered route, in registration order. */
  routes(): ReadonlyArray<{ method: HttpMethod; path: string }> {
    return this.registered
  }

  /** The transport's HTTP handler. Never rejects: crashes become 500 {"error":"internal_error"}. */
  readonly handle: HttpHandler = (req) => {
    const found = this.tree.find(req.method as FindMyWay.HTTPMethod, req.path)
    if (!found) return notFound()
    const entry = found.store as RouteEntry
    const routed = withParams(req, definedParams(found.params), entry.pattern)
    return dispatchHttp(() => entry.handler(routed), routed, this.logger)
  }
}

function unusedNodeHandler(): void {}

function definedParams(params: Record<string, string | undefined>): Readonly<Record<string, string>> {
  const out: Record<string, string> = Object.create(null)
  for (const [name, value] of Object.entries(params)) if (value !== undefined) out[name] = value
  return out
}

function withParams(req: HubRequest, params: Readonly<Record<string, string>>, route: string): RoutedRequest {
  return {
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    remoteIp: req.remoteIp,
    body: req.body,
    json: () => req.json(),
    jsonObject: () => req.jsonObject(),
    params,
    route,
  }
}
