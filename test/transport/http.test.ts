// The HTTP side of the transport + router, over real sockets, once per adapter.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { HubRouter, integerQueryParam, staticDirectory, fileReply } from '../../relay/hub/routing'
import { HttpError, json, text, html, type TransportLogger } from '../../relay/hub/transport'
import { captureLogger, httpCall, KINDS, startTransport, type Started } from './harness'

function buildRouter(logger: TransportLogger): HubRouter {
  const router = new HubRouter({ logger })
  router.get('/health', () => json(200, { status: 'ok' }))
  router.get('/api/tasks/:task_id', (req) => json(200, { route: 'detail', task_id: req.params.task_id }))
  router.get('/api/tasks/stats', () => json(200, { route: 'stats' }))
  router.get('/api/tasks/dead-letter', () => json(200, { route: 'dead-letter' }))
  router.post('/api/tasks/:task_id/retry', (req) => json(200, { route: 'retry', task_id: req.params.task_id }))
  router.put('/api/admin/rate-limits/:agent_id', (req) => json(200, { route: 'override', agent_id: req.params.agent_id }))
  router.put('/api/admin/rate-limits/whitelist', () => json(200, { route: 'whitelist' }))
  router.post('/echo', (req) => json(200, { body: req.json() }))
  router.post('/echo-object', (req) => json(200, { body: req.jsonObject() }))
  router.get('/inspect', (req) => json(200, {
    method: req.method,
    path: req.path,
    query: Object.fromEntries(req.query),
    headers: { x_mixed: req.headers['x-mixed-case'], host: req.headers.host },
    remoteIp: req.remoteIp,
    bodyLength: req.body.length,
    route: req.route,
  }))
  router.delete('/raw', (req) => text(200, `len=${req.body.length}`))
  router.get('/page', () => html(200, '<h1>hi</h1>', { 'x-extra': 'yes' }))
  router.get('/crash', () => {
    throw new Error('boom with secret')
  })
  router.get('/crash-async', async () => {
    await new Promise((resolve) => setImmediate(resolve))
    throw new Error('async boom')
  })
  router.get('/no-reply', () => undefined as never)
  router.get('/teapot', () => {
    throw new HttpError(418, { error: 'teapot', detail: 'short and stout' })
  })
  router.get('/since', (req) => json(200, { since: integerQueryParam(req.query, 'since', 0) }))
  return router
}

for (const kind of KINDS) {
  t.test(`${kind}: HTTP`, async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'agentcom-transport-'))
    t.teardown(() => rmSync(base, { recursive: true, force: true }))
    const uiDir = join(base, 'ui')
    mkdirSync(join(uiDir, 'css'), { recursive: true })
    writeFileSync(join(uiDir, 'dashboard.html'), '<!doctype html><title>dash</title>')
    writeFileSync(join(uiDir, 'css', 'site.css'), 'body{}')
    writeFileSync(join(uiDir, 'sw.js'), 'self.x=1')
    writeFileSync(join(base, 'outside.txt'), 'outside')
    const logger = captureLogger()
    const router = buildRouter(logger)
    router.get('/ui/*', staticDirectory(uiDir))
    router.get('/dashboard', () => fileReply(join(uiDir, 'dashboard.html')))
    router.get('/sw.js', () => fileReply(join(uiDir, 'sw.js'), { 'service-worker-allowed': '/' }))
    const server: Started = await startTransport(t, kind, { http: router.handle, logger, limits: { maxBodyBytes: 1024 } })
    const call = (c: Parameters<typeof httpCall>[1]) => httpCall(server.port, c)

    t.test('static segments beat params, whatever the registration order', async (t) => {
      t.same((await call({ path: '/api/tasks/stats' })).json(), { route: 'stats' })
      t.same((await call({ path: '/api/tasks/dead-letter' })).json(), { route: 'dead-letter' })
      t.same((await call({ path: '/api/tasks/task-00ff' })).json(), { route: 'detail', task_id: 'task-00ff' })
      t.same((await call({ method: 'PUT', path: '/api/admin/rate-limits/whitelist' })).json(), { route: 'whitelist' })
      t.same((await call({ method: 'PUT', path: '/api/admin/rate-limits/agent-7' })).json(), { route: 'override', agent_id: 'agent-7' })
    })

    t.test('params are percent-decoded; trailing slash and query are ignored for matching', async (t) => {
      t.same((await call({ method: 'POST', path: '/api/tasks/a%20b/retry' })).json(), { route: 'retry', task_id: 'a b' })
      t.same((await call({ path: '/api/tasks/x1/?token=abc' })).json(), { route: 'detail', task_id: 'x1' })
    })

    t.test('unknown route and wrong method are 404 not_found', async (t) => {
      for (const c of [{ path: '/nope' }, { method: 'DELETE', path: '/health' }, { method: 'POST', path: '/api/tasks/stats' }, { method: 'HEAD', path: '/nope' }]) {
        const res = await call(c)
        t.equal(res.status, 404, `${c.method ?? 'GET'} ${c.path}`)
        if (c.method !== 'HEAD') t.same(res.json(), { error: 'not_found' })
      }
    })

    t.test('the request object is the same on both adapters', async (t) => {
      const res = await call({ path: '/inspect?a=1&b=two%20words&a=3', headers: { 'X-Mixed-Case': 'Value' } })
      t.equal(res.status, 200)
      t.same(res.json(), {
        method: 'GET',
        path: '/inspect',
        query: { a: '3', b: 'two words' },
        headers: { x_mixed: 'Value', host: `127.0.0.1:${server.port}` },
        remoteIp: '127.0.0.1',
        bodyLength: 0,
        route: '/inspect',
      })
      t.match(res.headers['content-type'], /^application\/json/)
    })

    t.test('JSON bodies', async (t) => {
      const ok = await call({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' })
      t.same([ok.status, ok.json()], [200, { body: { a: [1, 2] } }])
      const charset = await call({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '"é"' })
      t.same(charset.json(), { body: 'é' })
      const empty = await call({ method: 'POST', path: '/echo' })
      t.same([empty.status, empty.json()], [200, { body: {} }], 'no body reads as {}')
      const array = await call({ method: 'POST', path: '/echo-object', headers: { 'content-type': 'application/json' }, body: '[1,2]' })
      t.same(array.json(), { body: {} }, 'jsonObject() reads an array as {}')
      const chunked = await call({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"chunked":true}', chunked: true })
      t.same(chunked.json(), { body: { chunked: true } })
    })

    t.test('malformed JSON is 400 invalid_json and echoes nothing of the body', async (t) => {
      const res = await call({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"token":"s3cr3t"' })
      t.equal(res.status, 400)
      t.same(res.json(), { error: 'invalid_json' })
    })

    t.test('a non-JSON content type is 415', async (t) => {
      const variants: Array<Record<string, string>> = [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}]
      for (const headers of variants) {
        const res = await call({ method: 'POST', path: '/echo', headers, body: 'a=1' })
        t.equal(res.status, 415, JSON.stringify(headers))
        t.same(res.json(), { error: 'unsupported_media_type', detail: 'expected Content-Type: application/json' })
      }
      const vendor = await call({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/merge-patch+json' }, body: '{}' })
      t.equal(vendor.status, 200, '+json types are JSON')
    })

    t.test('bodies over the limit are 413 payload_too_large', async (t) => {
      const declared = await call({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1025) })
      t.equal(declared.status, 413)
      t.same(declared.json(), { error: 'payload_too_large', limit_bytes: 1024 })
      const streamed = await call({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(5000), chunked: true })
      t.equal(streamed.status, 413, 'chunked body cut off while streaming')
      const atLimit = await call({ method: 'DELETE', path: '/raw', body: 'y'.repeat(1024) })
      t.same([atLimit.status, atLimit.text], [200, 'len=1024'], 'exactly the limit is fine')
      const after = await call({ path: '/health' })
      t.equal(after.status, 200, 'the server still serves')
    })

    t.test('a crashing handler is 500 internal_error plus a log line without the query', async (t) => {
      const before = server.logs.length
      const res = await call({ path: '/crash?token=secret-token' })
      t.same([res.status, res.json()], [500, { error: 'internal_error' }])
      const asyncRes = await call({ path: '/crash-async' })
      t.same([asyncRes.status, asyncRes.json()], [500, { error: 'internal_error' }])
      const noReply = await call({ path: '/no-reply' })
      t.equal(noReply.status, 500, 'a handler returning nothing is a 500 too')
      const lines = server.logs.slice(before)
      t.equal(lines.length, 3)
      t.equal(lines[0].level, 'error')
      t.equal(lines[0].meta?.path, '/crash')
      t.notMatch(JSON.stringify(lines[0].meta), /secret-token/)
      t.equal((await call({ path: '/health' })).status, 200, 'still serving')
    })

    t.test('HttpError answers with its status and body', async (t) => {
      const res = await call({ path: '/teapot' })
      t.same([res.status, res.json()], [418, { error: 'teapot', detail: 'short and stout' }])
    })

    t.test('integer query parameters are strict', async (t) => {
      t.same((await call({ path: '/since?since=42' })).json(), { since: 42 })
      t.same((await call({ path: '/since' })).json(), { since: 0 })
      const bad = await call({ path: '/since?since=abc' })
      t.same([bad.status, bad.json()], [400, { error: 'invalid_query', param: 'since', detail: 'must be an integer' }])
    })

    t.test('text and html replies carry their content types and extra headers', async (t) => {
      const page = await call({ path: '/page' })
      t.same([page.status, page.text, page.headers['x-extra']], [200, '<h1>hi</h1>', 'yes'])
      t.match(page.headers['content-type'], /^text\/html; charset=utf-8/)
      t.match((await call({ method: 'DELETE', path: '/raw' })).headers['content-type'], /^text\/plain/)
    })

    t.test('static files', async (t) => {
      const dash = await call({ path: '/dashboard' })
      t.same([dash.status, dash.text], [200, '<!doctype html><title>dash</title>'])
      t.match(dash.headers['content-type'], /^text\/html/)
      const css = await call({ path: '/ui/css/site.css' })
      t.same([css.status, css.text], [200, 'body{}'])
      t.match(css.headers['content-type'], /^text\/css/)
      const sw = await call({ path: '/sw.js' })
      t.equal(sw.headers['service-worker-allowed'], '/')
      t.match(sw.headers['content-type'], /^text\/javascript/)
      t.equal((await call({ path: '/ui/missing.js' })).status, 404)
      t.equal((await call({ path: '/ui/css' })).status, 404, 'a directory is not a file')
      t.equal((await call({ path: '/ui/..%2foutside.txt' })).status, 404, 'encoded traversal')
      t.equal((await call({ path: '/ui/css/..%2f..%2foutside.txt' })).status, 404, 'nested traversal')
    })

    t.test('keep-alive connections carry several requests', async (t) => {
      const { Agent, get } = await import('node:http')
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      t.teardown(() => agent.destroy())
      const sockets = new Set<unknown>()
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          get({ host: '127.0.0.1', port: server.port, path: '/health', agent }, (res) => {
            sockets.add(res.socket)
            res.resume()
            res.on('end', resolve)
          }).on('error', reject)
        })
      }
      t.equal(sockets.size, 1)
    })
  })
}
