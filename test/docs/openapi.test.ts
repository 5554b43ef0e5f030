// GET /api/openapi.json on a real hub: a valid OpenAPI 3.1 document listing every route the
// router registered, with auth and request bodies observed from the routes themselves.
import t from 'tap'
import { HTTP_BODIES, HTTP_BODY_KEYS } from '../../relay/protocol'
import { buildOpenApiDocument, bodyKeyFor, openApiPath, type OpenApiDocument, type OpenApiOperation } from '../../relay/hub/routes/openapi'
import { HubRouter } from '../../relay/hub/routing'
import { registerRouteModules } from '../../relay/hub/routes'
import { KINDS, http, startTestHub, type TestHub } from '../hub/harness'

/** What the hub registered: the same registration start-hub performs, on a router of our own. */
function registeredRoutes(hub: TestHub) {
  const router = new HubRouter()
  registerRouteModules(router, hub.running.hub)
  return router.routes()
}

interface SchemaValidator {
  validate(doc: unknown): Promise<{ valid: boolean; errors?: unknown }>
  version: string
}

async function validateOpenApi(doc: unknown): Promise<{ valid: boolean; errors?: unknown; version: string }> {
  // the validator is ESM-only; a dynamic import works from this CommonJS test
  const { Validator } = (await import('@seriousme/openapi-schema-validator')) as { Validator: new () => SchemaValidator }
  const validator = new Validator()
  const result = await validator.validate(doc)
  return { ...result, version: validator.version }
}

function operation(doc: OpenApiDocument, method: string, pattern: string): OpenApiOperation | undefined {
  return doc.paths[openApiPath(pattern).path]?.[method.toLowerCase()]
}

t.test('the validator used here does reject a broken document', async (t) => {
  const broken = await validateOpenApi({ openapi: '3.1.0', info: { title: 'x' }, paths: { 'no-slash': {} } })
  t.equal(broken.valid, false)
})

t.test('openApiPath turns router patterns into OpenAPI templates', async (t) => {
  t.same(openApiPath('/api/tasks/:task_id/retry'), { path: '/api/tasks/{task_id}/retry', params: ['task_id'] })
  t.same(openApiPath('/ui/*'), { path: '/ui/{path}', params: ['path'] })
  t.same(openApiPath('/health'), { path: '/health', params: [] })
})

t.test('every HTTP body schema names a route the hub registers', async (t) => {
  const hub = await startTestHub(t, KINDS[0]!)
  const registered = new Set(registeredRoutes(hub).map((r) => `${r.method} ${r.path}`))
  for (const key of HTTP_BODY_KEYS) t.ok(registered.has(HTTP_BODIES[key].route), `${key} → ${HTTP_BODIES[key].route}`)
})

t.test('the served document is valid OpenAPI 3.1 and covers every registered route', async (t) => {
  const hub = await startTestHub(t, KINDS[0]!)
  const res = await http(hub.port, 'GET', '/api/openapi.json')
  t.equal(res.status, 200)
  t.match(String(res.headers['content-type']), /^application\/json/)
  const doc = res.body as OpenApiDocument

  const validation = await validateOpenApi(doc)
  t.equal(validation.version, '3.1', 'validated against the 3.1 schema')
  t.ok(validation.valid, 'valid OpenAPI 3.1')
  if (!validation.valid) t.comment(JSON.stringify(validation.errors, null, 2).slice(0, 4000))

  const routes = registeredRoutes(hub)
  t.ok(routes.length > 50, `the hub registers many routes (${routes.length})`)
  for (const { method, path } of routes) t.ok(operation(doc, method, path), `${method} ${path} is documented`)
  const documented = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0)
  t.equal(documented, routes.length, 'nothing documented that is not registered')

  const post = operation(doc, 'POST', '/api/tasks')!
  t.same(post.security, [{ bearerAuth: [] }], 'POST /api/tasks needs a bearer token')
  t.same((post.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json']!.schema, { $ref: '#/components/schemas/HttpPostTask' })
  t.ok(post.responses['401'] && post.responses['422'] && post.responses['429'], 'its errors are documented')

  const admin = operation(doc, 'POST', '/admin/tokens')!
  t.equal(admin['x-agentcom-role'], 'admin')
  t.ok(admin.responses['403'], 'admin routes document 403')
  t.same(operation(doc, 'GET', '/api/mailbox/:agent_id')!.security, [{ bearerAuth: [] }, { queryToken: [] }], '?token= routes list both schemes')
  t.same(operation(doc, 'GET', '/health')!.security, [], '/health is public')
  t.equal(operation(doc, 'GET', '/health')!.responses['401'], undefined)
  t.same(operation(doc, 'GET', '/api/openapi.json')!.security, [], 'the document itself is public')

  for (const key of HTTP_BODY_KEYS) {
    const [method, path] = HTTP_BODIES[key].route.split(' ') as [string, string]
    t.equal(bodyKeyFor(method, path), key)
    t.ok(operation(doc, method, path)?.requestBody, `${key} is a documented request body`)
  }
})

t.test('the documented auth matches what the hub enforces', async (t) => {
  const hub = await startTestHub(t, KINDS[0]!)
  const doc = (await http(hub.port, 'GET', '/api/openapi.json')).body as OpenApiDocument
  // a sample of each kind, asked for real: no token → 401 exactly where the document says so
  const samples: Array<[string, string]> = [
    ['GET', '/api/tasks'],
    ['GET', '/admin/tokens'],
    ['GET', '/api/agents'],
    ['GET', '/api/schemas'],
    ['GET', '/api/config/heartbeat-interval'],
  ]
  for (const [method, path] of samples) {
    const res = await http(hub.port, method, path)
    const documentedProtected = (operation(doc, method, path)!.security as unknown[]).length > 0
    t.equal(res.status === 401, documentedProtected, `${method} ${path}: ${res.status}`)
  }
})

t.test('buildOpenApiDocument is stable whatever the registration order', async (t) => {
  const routes = [
    { method: 'GET' as const, path: '/b', auth: null },
    { method: 'POST' as const, path: '/a/:id', auth: { style: 'bearer' as const, role: 'admin' as const } },
  ]
  t.same(JSON.stringify(buildOpenApiDocument(routes)), JSON.stringify(buildOpenApiDocument([...routes].reverse())))
})
