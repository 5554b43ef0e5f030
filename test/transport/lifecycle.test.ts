// Starting, stopping and scale: once per adapter, plus adapter selection.
import t from 'tap'
import { createTransport, defaultTransportKind, json, parseTransportKind, type WsEndpoint } from '../../relay/hub/transport'
import { loadUwsNative } from '../../relay/hub/transport/uws-loader'
import { echoEndpoint, httpCall, KINDS, startTransport, TestClient, waitFor } from './harness'

t.test('adapter selection', async (t) => {
  t.equal(defaultTransportKind(), loadUwsNative() ? 'uws' : 'ws', 'uws whenever its binary loads')
  t.equal(createTransport({ http: () => json(200, {}) }).kind, defaultTransportKind())
  t.equal(createTransport({ kind: 'ws', http: () => json(200, {}) }).kind, 'ws')
  t.equal(parseTransportKind('uws'), 'uws')
  t.equal(parseTransportKind(undefined), undefined)
  t.throws(() => parseTransportKind('tcp'), /unknown transport "tcp"/)
  t.throws(() => createTransport({ http: () => json(200, {}), limits: { maxBodyBytes: -1 } }), /maxBodyBytes must be a positive integer/)
  t.throws(() => createTransport({ http: () => json(200, {}), websockets: { 'ws?x=1': echoEndpoint() } }), /WebSocket path must start with/)
})

for (const kind of KINDS) {
  t.test(`${kind}: lifecycle`, async (t) => {
    t.test('listen on port 0 gives a real port; a taken port is refused', async (t) => {
      const first = await startTransport(t, kind)
      t.ok(first.port > 0)
      t.equal((await httpCall(first.port, { path: '/' })).status, 200)
      const second = createTransport({ kind, http: () => json(200, {}) })
      await t.rejects(second.listen({ port: first.port }))
      await second.close()
    })

    t.test('a transport listens once', async (t) => {
      const server = await startTransport(t, kind)
      await t.rejects(server.transport.listen(), /already started/)
    })

    t.test('close() with live sockets: 1001 to every client, in-flight HTTP finishes, port freed', async (t) => {
      const events: string[] = []
      let releaseSlow: (() => void) | undefined
      const slowStarted = new Promise<void>((started) => {
        const http = (req: { path: string }) => {
          if (req.path !== '/slow') return json(200, { fast: true })
          started()
          return new Promise<ReturnType<typeof json>>((resolve) => (releaseSlow = () => resolve(json(200, { slow: 'done' }))))
        }
        startServer(http)
      })
      let server: Awaited<ReturnType<typeof startTransport>> | undefined
      function startServer(http: (req: { path: string }) => ReturnType<typeof json> | Promise<ReturnType<typeof json>>): void {
        void startTransport(t, kind, { http, websockets: { '/ws': echoEndpoint(events) } }).then((s) => (server = s))
      }
      await waitFor(() => server !== undefined, 2000, 'server')
      const s = server!
      const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(s.wsUrl('/ws'))))
      const slow = httpCall(s.port, { path: '/slow' })
      await slowStarted
      const closing = s.transport.close()
      t.same(await Promise.all(clients.map((c) => c.closed)), Array(3).fill({ code: 1001, reason: 'server shutting down' }))
      releaseSlow?.()
      const slowReply = await slow
      t.same([slowReply.status, slowReply.json()], [200, { slow: 'done' }], 'the in-flight request got its reply')
      await closing
      await waitFor(() => events.filter((e) => e.startsWith('close 1001')).length === 3, 2000, 'onClose ×3')
      t.equal(s.transport.openSockets, 0)
      await t.rejects(httpCall(s.port, { path: '/' }), 'nothing listens any more')
      await s.transport.close() // idempotent
      const again = createTransport({ kind, http: () => json(200, {}) })
      if (kind === 'ws') {
        t.equal(await again.listen({ port: s.port }), s.port, 'the port is free again at once')
      } else {
        // uWS binds without SO_REUSEADDR: the connections it closed keep the port in TIME_WAIT.
        await t.rejects(again.listen({ port: s.port }), /TIME_WAIT/, 'the refusal says why')
      }
      await again.close()
    })

    t.test('close() of a never-started transport resolves', async (t) => {
      await createTransport({ kind, http: () => json(200, {}) }).close()
      t.pass()
    })

    t.test('100 concurrent WebSocket clients', async (t) => {
      let opened = 0
      const endpoint: WsEndpoint<{ n: number }> = {
        createData: () => ({ n: 0 }),
        onOpen: () => void opened++,
        onMessage: (conn, text) => void conn.send(`${text}#${++conn.data.n}`),
      }
      const server = await startTransport(t, kind, { websockets: { '/ws': endpoint } })
      const clients = await Promise.all(Array.from({ length: 100 }, () => TestClient.connect(server.wsUrl('/ws'))))
      t.equal(opened, 100)
      t.equal(server.transport.openSockets, 100)
      for (let round = 1; round <= 5; round++) {
        clients.forEach((c, i) => c.send(`c${i}`))
        const replies = await Promise.all(clients.map((c) => c.next()))
        t.same(replies, clients.map((_, i) => `c${i}#${round}`), `round ${round}: each client got its own reply`)
      }
      await Promise.all(clients.map((c) => c.close()))
      await waitFor(() => server.transport.openSockets === 0, 2000, 'all closed')
      t.pass('all closed')
    })
  })
}
