// Fuzzing the front door with fast-check: schema-aware mutations of valid frames and bodies
// (wrong types, missing fields, huge strings, deep nesting, unicode edges, invalid UTF-8,
// truncated JSON, binary frames, random bytes) on /ws — before and after identify — and on every
// registered HTTP route. Claims: the process survives, no actor crashes, no 5xx, every reply is a
// documented error (or a documented success), every close code is a documented one.
// Quick: a few hundred cases per target and transport; AGENTCOM_SOAK=1: >= 100,000 in total.
import fc from 'fast-check'
import t from 'tap'
import { CLOSE, HUB_FRAMES, TASK_REPORT_REJECTIONS, WS_ERROR_CODES, validateHubFrame } from '../../relay/protocol'
import { HubRouter } from '../../relay/hub/routing'
import { registerRouteModules } from '../../relay/hub/routes'
import { KINDS, createToken, http, type TestHub } from '../hub/harness'
import { RawSocket, crashEntries, jsonOrUndefined, linesWithSecrets, logLinesUnder, rawHttp, sized, startLoggedHub } from './fault-kit'
import { IDENTIFY_SAMPLE, VALID_BODIES, VALID_WS_FRAMES, encodeParam, encoded, mutatedObject, pathParam, queryString, type Payload } from './fuzz-arbitraries'

const WS_RUNS = sized(150, 25_000)
const WS_PRE_IDENTIFY_RUNS = sized(60, 10_000)
const HTTP_RUNS = sized(250, 15_000)

const DOCUMENTED_CLOSE_CODES = new Set([...Object.values(CLOSE).map((c) => c.code), 1005, 1006])
const REPORT_ERRORS = TASK_REPORT_REJECTIONS.flatMap((r) => [`task_complete_failed: ${r}`, `task_fail_failed: ${r}`])
const DOCUMENTED_WS_ERRORS = new Set<string>([...WS_ERROR_CODES, 'validation_failed', ...REPORT_ERRORS])

/** Why a frame the hub sent is not a documented reply, or null when it is. */
export function undocumentedFrame(frame: unknown): string | null {
  const checked = validateHubFrame(frame)
  const type = (frame as { type?: unknown } | null)?.type
  if (!checked.ok && type !== 'task_assign') return `frame fails its schema: ${JSON.stringify(checked.errors).slice(0, 300)}`
  if (type === 'error') {
    const code = (frame as { error: string }).error
    if (!DOCUMENTED_WS_ERRORS.has(code)) return `undocumented error code ${code}`
  }
  return null
}

function send(socket: RawSocket, payload: Payload): void {
  if (payload.kind === 'text') socket.sendText(payload.text)
  else if (payload.kind === 'bytes') socket.sendTextBytes(payload.bytes)
  else socket.sendBinary(payload.bytes)
}

function describe(payload: Payload): string {
  return payload.kind === 'text' ? payload.text.slice(0, 300) : `${payload.kind}:${payload.bytes.toString('hex').slice(0, 300)}`
}

/** Identifies; a validation-ladder cooldown (documented close 1008 "cooldown active: retry in Ns") is waited out on the virtual clock. */
async function identified(hub: TestHub, agentId: string, token: string): Promise<RawSocket> {
  let socket = await RawSocket.open(hub.port)
  socket.sendText(JSON.stringify({ type: 'identify', agent_id: agentId, token, capabilities: [] }))
  let first = await socket.waitFor(() => true, 0)
  const cooldown = /^cooldown active: retry in (\d+)s$/.exec(socket.closeInfo?.reason ?? '')
  if (first === null && cooldown) {
    cooldowns++
    await hub.clock.advance(Number(cooldown[1]) * 1000 + 1)
    socket = await RawSocket.open(hub.port)
    socket.sendText(JSON.stringify({ type: 'identify', agent_id: agentId, token, capabilities: [] }))
    first = await socket.waitFor(() => true, 0)
  }
  if ((first as { type?: string } | null)?.type !== 'identified') throw new Error(`identify failed: ${JSON.stringify(first)} close ${JSON.stringify(socket.closeInfo)}`)
  return socket
}

/** Sends `payload`, then a ping; checks every frame in between and the close code if it closed. Returns a failure text or null. */
async function probeSocket(hub: TestHub, socket: RawSocket, payload: Payload, logMark: number, identified = true): Promise<string | null> {
  const before = socket.frames.length
  send(socket, payload)
  if (socket.isOpen) socket.sendText('{"type":"ping"}')
  if (identified) await socket.waitFor((f) => (f as { type?: string }).type === 'pong', before, 10_000)
  // unidentified: the payload gets at most one reply and the ping one (pong or not_identified)
  else await socket.waitFor(() => socket.frames.length >= before + 2, before, 2_000)
  for (const frame of socket.frames.slice(before)) {
    const why = undocumentedFrame(frame)
    if (why) return `${why}; frame ${JSON.stringify(frame).slice(0, 300)}`
  }
  if (socket.unparsable.length > 0) return `non-JSON frame from the hub: ${socket.unparsable[0]}`
  if (socket.closeInfo && !DOCUMENTED_CLOSE_CODES.has(socket.closeInfo.code)) return `undocumented close ${JSON.stringify(socket.closeInfo)}`
  if (socket.closeInfo?.code === CLOSE.internalError.code) return `handler crash: closed ${JSON.stringify(socket.closeInfo)}`
  const crashes = crashEntries(hub.log, logMark)
  if (crashes.length > 0) return `crash logged: ${JSON.stringify(crashes[0]).slice(0, 500)}`
  const h0 = Date.now()
  const health = await http(hub.port, 'GET', '/health')
  if (process.env.AGENTCOM_FUZZ_DEBUG && Date.now() - h0 > 500) console.error(`health took ${Date.now() - h0}`)
  if (health.status !== 200) return `/health answered ${health.status}`
  return null
}

/** Every registered route, as the hub registers them. */
function routesOf(hub: TestHub): ReadonlyArray<{ method: string; path: string }> {
  const router = new HubRouter()
  registerRouteModules(router, hub.running.hub)
  return router.routes()
}

function fillParams(pattern: string, value: string): string {
  return pattern.replace(/:[a-z_]+/g, () => encodeParam(value)).replace(/\*$/, encodeParam(value))
}

let totalCases = 0
let cooldowns = 0

for (const kind of KINDS) {
  t.test(`${kind}: fuzzing /ws and every HTTP route`, async (t) => {
    const hub = await startLoggedHub(t, kind)
    const agentId = 'fuzz-agent'
    const token = await createToken(hub, agentId)
    const white = await http(hub.port, 'POST', '/api/admin/rate-limits/whitelist', { token: hub.adminToken, body: { agent_id: agentId } })
    t.equal(white.status, 200, 'the fuzzing agent is exempt from rate limits (coverage, not correctness)')

    t.test('identified socket: mutated frames', async (t) => {
      let socket = await identified(hub, agentId, token)
      t.teardown(() => socket.terminate())
      let closes = 0
      let runs = 0
      const frames = encoded(mutatedObject(VALID_WS_FRAMES))
      await fc.assert(
        fc.asyncProperty(frames, async (payload) => {
          runs++
          if (!socket.isOpen) {
            closes++
            socket.terminate()
            socket = await identified(hub, agentId, token)
          }
          const failure = await probeSocket(hub, socket, payload, hub.log.entries.length)
          if (failure) throw new Error(`${failure}\npayload: ${describe(payload)}`)
        }),
        { numRuns: WS_RUNS, endOnFailure: true },
      )
      totalCases += runs
      t.comment(`ws identified: cases=${runs} reconnects=${closes} cooldowns=${cooldowns} crashes=0 undocumented=0`)
      t.pass(`${runs} frames, every reply documented`)
    })

    t.test('unidentified socket: mutated identify frames and anything else', async (t) => {
      let runs = 0
      const sample = { ...IDENTIFY_SAMPLE, agent_id: agentId, token }
      const frames = encoded(mutatedObject([sample, ...VALID_WS_FRAMES.slice(0, 4)]))
      await fc.assert(
        fc.asyncProperty(frames, async (payload) => {
          runs++
          const started = Date.now()
          const socket = await RawSocket.open(hub.port)
          try {
            const failure = await probeSocket(hub, socket, payload, hub.log.entries.length, false)
            if (failure) throw new Error(`${failure}\npayload: ${describe(payload)}`)
          } finally {
            socket.terminate()
            if (process.env.AGENTCOM_FUZZ_DEBUG && Date.now() - started > 1000) console.error(`slow ${Date.now() - started} ms: ${describe(payload)} frames ${JSON.stringify(socket.frames).slice(0, 300)} close ${JSON.stringify(socket.closeInfo)}`)
          }
        }),
        { numRuns: WS_PRE_IDENTIFY_RUNS, endOnFailure: true },
      )
      totalCases += runs
      t.comment(`ws unidentified: cases=${runs} crashes=0 undocumented=0`)
      t.pass(`${runs} frames, every reply documented`)
    })

    t.test('every HTTP route: mutated bodies, params, queries and tokens', async (t) => {
      const routes = routesOf(hub)
      t.ok(routes.length >= 40, `enumerated ${routes.length} routes from the router`)
      // the admin token must survive the fuzzing (DELETE /admin/tokens/:agent_id with a random id cannot hit it)
      const otherToken = await createToken(hub, 'fuzz-other')
      const byStatus = new Map<number, number>()
      let runs = 0
      const routeCase = fc.record({
        route: fc.constantFrom(...routes),
        param: pathParam,
        query: queryString,
        auth: fc.constantFrom<'admin' | 'agent' | 'none'>('admin', 'admin', 'agent', 'none'),
        body: fc.option(encoded(mutatedObject(Object.values(VALID_BODIES))), { freq: 4 }),
      })
      await fc.assert(
        fc.asyncProperty(routeCase, async (c) => {
          runs++
          const logMark = hub.log.entries.length
          const path = fillParams(c.route.path, c.param) + c.query
          const tokenFor = { admin: hub.adminToken, agent: otherToken, none: undefined }[c.auth]
          const body = c.body === null ? undefined : c.body.kind === 'text' ? c.body.text : c.body.bytes
          const t0 = Date.now()
          const res = await rawHttp(hub.port, c.route.method, path, { token: tokenFor, body })
          if (process.env.AGENTCOM_FUZZ_DEBUG && Date.now() - t0 > 50) console.log(`# SLOW ${Date.now() - t0} ms ${res.status} ${c.route.method} ${path.slice(0, 80)} body ${c.body ? describe(c.body).slice(0, 80) : '-'}`)
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1)
          const where = `${c.route.method} ${path.slice(0, 200)} (${c.auth}) body ${c.body ? describe(c.body) : '-'}`
          if (res.status >= 500) throw new Error(`${res.status} ${res.text.slice(0, 300)} for ${where}`)
          if (res.status >= 400) {
            const parsed = jsonOrUndefined(res.text) as { error?: unknown } | undefined
            if (typeof parsed?.error !== 'string') throw new Error(`${res.status} without a JSON error body (${res.text.slice(0, 200)}) for ${where}`)
          }
          if (/root:x?:0:0/.test(res.text)) throw new Error(`path traversal served a system file for ${where}`)
          const crashes = crashEntries(hub.log, logMark)
          if (crashes.length > 0) throw new Error(`crash logged: ${JSON.stringify(crashes[0]).slice(0, 500)} after ${where}`)
        }),
        { numRuns: HTTP_RUNS, endOnFailure: true },
      )
      totalCases += runs
      const statuses = [...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ')
      t.comment(`http: routes=${routes.length} cases=${runs} 5xx=0 statuses ${statuses}`)
      t.equal((await http(hub.port, 'GET', '/api/tasks', { token: hub.adminToken })).status, 200, 'the admin token still works')
    })

    t.test('regression: task ids longer than an LMDB key (found by this fuzzer) are unknown tasks, not a task-queue crash', async (t) => {
      const mark = hub.log.entries.length
      // a fresh agent: the HTTP fuzzing may have revoked or reset fuzz-agent's token
      const socket = await identified(hub, 'regress-agent', await createToken(hub, 'regress-agent'))
      t.teardown(() => socket.terminate())
      for (const id of ['x'.repeat(3000), '\u{1F600}'.repeat(600)]) {
        for (const frame of [
          { type: 'task_failed', task_id: id, generation: 1, reason: 'r' },
          { type: 'task_complete', task_id: id, generation: 1, result: {} },
          { type: 'task_accepted', task_id: id },
          { type: 'task_recovering', task_id: id },
          { type: 'task_progress', task_id: id, progress: 1 },
          { type: 'task_rejected', task_id: id, reason: 'busy' },
        ]) {
          const failure = await probeSocket(hub, socket, { kind: 'text', text: JSON.stringify(frame) }, mark)
          t.equal(failure, null, `${frame.type} with a ${id.length}-unit task id`)
        }
        const res = await rawHttp(hub.port, 'GET', `/api/tasks/${encodeURIComponent(id.slice(0, 490))}`, { token: hub.adminToken })
        t.ok(res.status === 404, `GET /api/tasks/<long id> → ${res.status}`)
      }
      t.same(crashEntries(hub.log, mark), [], 'no actor crashed')
    })

    t.test('the hub is whole afterwards', async (t) => {
      t.equal((await http(hub.port, 'GET', '/health')).status, 200)
      t.same(crashEntries(hub.log), [], 'no actor crashed during the whole run')
      await hub.fileLogger.close().catch(() => undefined)
      const lines = logLinesUnder(hub.dataDir)
      t.ok(lines.length > 0, `the hub wrote ${lines.length} log lines`)
      t.same(linesWithSecrets(lines, [hub.adminToken, token]), [], 'no token appears in the log file')
      t.ok(Object.keys(HUB_FRAMES).length > 0)
    })
  })
}

t.teardown(() => {
  // a single line the soak run's closing note can quote
  console.log(`# fuzz total cases=${totalCases}`)
})
