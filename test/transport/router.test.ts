// HubRouter as a plain function from request to reply: no sockets needed.
import t from 'tap'
import { HubRouter, type PathParams } from '../../relay/hub/routing'
import { json, type HttpReply } from '../../relay/hub/transport'
import { IncomingHubRequest } from '../../relay/hub/transport/http-request'
import { captureLogger } from './harness'

function request(method: string, url: string): IncomingHubRequest {
  const [path, rawQuery = ''] = url.split('?')
  return new IncomingHubRequest({ method, path, rawQuery, headers: {}, remoteIp: '127.0.0.1', body: Buffer.alloc(0) })
}

async function body(reply: HttpReply | Promise<HttpReply>): Promise<[number, unknown]> {
  const r = await reply
  return [r.status, JSON.parse(r.body.toString())]
}

t.test('path parameter types are read from the pattern', async (t) => {
  const params: PathParams<'/api/agents/:agent_id/state'> = { agent_id: 'a' }
  const two: PathParams<'/a/:x/b/:y'> = { x: '1', y: '2' }
  const wildcard: PathParams<'/ui/*'> = { '*': 'css/site.css' }
  t.same([params, two, wildcard], [{ agent_id: 'a' }, { x: '1', y: '2' }, { '*': 'css/site.css' }])
})

t.test('about ninety routes: static before param, params decoded, methods kept apart', async (t) => {
  const router = new HubRouter()
  const patterns: string[] = []
  for (let i = 0; i < 30; i++) {
    patterns.push(`/api/area${i}`, `/api/area${i}/:id`, `/api/area${i}/:id/sub`)
  }
  for (const p of patterns) router.get(p, (req) => json(200, { p, params: req.params, route: req.route }))
  router.get('/api/area0/stats', () => json(200, { p: 'stats' }))
  router.post('/api/area0/:id', (req) => json(201, { posted: req.params.id }))
  t.equal(router.routes().length, 92)
  t.same(await body(router.handle(request('GET', '/api/area0/stats'))), [200, { p: 'stats' }])
  t.same(await body(router.handle(request('GET', '/api/area29/x%2Fy/sub'))), [200, { p: '/api/area29/:id/sub', params: { id: 'x/y' }, route: '/api/area29/:id/sub' }])
  t.same(await body(router.handle(request('POST', '/api/area0/7'))), [201, { posted: '7' }])
  t.same(await body(router.handle(request('PUT', '/api/area0/7'))), [404, { error: 'not_found' }], 'wrong method → 404')
  t.same(await body(router.handle(request('GET', '/api/area30'))), [404, { error: 'not_found' }])
  t.same(await body(router.handle(request('GET', '//api//area1/'))), [200, { p: '/api/area1', params: {}, route: '/api/area1' }], 'duplicate and trailing slashes')
  t.same(await body(router.handle(request('GET', '/API/area1'))), [404, { error: 'not_found' }], 'case-sensitive')
  t.same(await body(router.handle(request('BREW', '/api/area1'))), [404, { error: 'not_found' }], 'unknown method')
  t.same(await body(router.handle(request('GET', `/api/area1/${'x'.repeat(501)}`))), [404, { error: 'not_found' }], 'over-long param')
  t.same(await body(router.handle(request('GET', '/api/area1/%E0%A4%A'))), [404, { error: 'not_found' }], 'broken percent-encoding')
})

t.test('registering the same route twice is an error', async (t) => {
  const router = new HubRouter()
  router.get('/x/:id', () => json(200, {}))
  t.throws(() => router.get('/x/:id', () => json(200, {})))
})

t.test('a throwing route is a 500 and one log line naming the route', async (t) => {
  const logger = captureLogger()
  const router = new HubRouter({ logger })
  router.get('/boom/:id', () => {
    throw new TypeError('x is undefined')
  })
  t.same(await body(router.handle(request('GET', '/boom/1?token=abc'))), [500, { error: 'internal_error' }])
  t.equal(logger.lines.length, 1)
  t.match(logger.lines[0], { level: 'error', message: 'http handler crashed', meta: { method: 'GET', path: '/boom/1' } })
  t.notMatch(JSON.stringify(logger.lines), /abc/)
})
