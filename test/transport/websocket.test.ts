// The WebSocket side of the transport over real sockets, once per adapter.
import { connect } from 'node:net'
import t from 'tap'
import type { WsConnection, WsEndpoint } from '../../relay/hub/transport'
import { echoEndpoint, httpCall, KINDS, startTransport, TestClient, waitFor } from './harness'

const LIMIT = 4096

for (const kind of KINDS) {
  t.test(`${kind}: WebSocket`, async (t) => {
    t.test('echo, lifecycle callbacks and connection facts', async (t) => {
      const events: string[] = []
      const seen: Array<Pick<WsConnection, 'path' | 'remoteIp' | 'id'> & { token: string | null; agent: string | undefined }> = []
      const endpoint: WsEndpoint<{ count: number }> = {
        createData: (info) => {
          seen.push({ path: info.path, remoteIp: info.remoteIp, id: 0, token: info.query.get('token'), agent: info.headers['x-agent'] })
          return { count: 0 }
        },
        onOpen: (conn) => void events.push(`open ${conn.id}`),
        onMessage: (conn, text) => {
          conn.data.count++
          conn.send(`${conn.data.count}:${text}`)
        },
        onClose: (conn, code) => void events.push(`close ${conn.id} ${code} isOpen=${conn.isOpen}`),
      }
      const server = await startTransport(t, kind, { websockets: { '/ws': endpoint } })
      const client = await TestClient.connect(server.wsUrl('/ws?token=abc'), { headers: { 'X-Agent': 'a1' } })
      client.send('hello')
      client.send('{"type":"ping"}')
      client.send('é ✓ 🚀')
      t.equal(await client.next(), '1:hello')
      t.equal(await client.next(), '2:{"type":"ping"}')
      t.equal(await client.next(), '3:é ✓ 🚀')
      t.same(seen, [{ path: '/ws', remoteIp: '127.0.0.1', id: 0, token: 'abc', agent: 'a1' }])
      t.equal(server.transport.openSockets, 1)
      t.same(await client.close(1000, 'bye'), { code: 1000, reason: 'bye' })
      await waitFor(() => events.length === 2, 2000, 'onClose')
      t.same(events, ['open 1', 'close 1 1000 isOpen=false'])
      t.equal(server.transport.openSockets, 0)
    })

    t.test('two paths, two endpoints', async (t) => {
      const dashboard: WsEndpoint<null> = { createData: () => null, onMessage: (conn, text) => void conn.send(`dash:${text}`) }
      const server = await startTransport(t, kind, { websockets: { '/ws': echoEndpoint(), '/ws/dashboard': dashboard } })
      const agent = await TestClient.connect(server.wsUrl('/ws'))
      const browser = await TestClient.connect(server.wsUrl('/ws/dashboard'))
      agent.send('a')
      browser.send('b')
      t.equal(await agent.next(), 'a')
      t.equal(await browser.next(), 'dash:b')
      agent.terminate()
      browser.terminate()
    })

    t.test('upgrade to an unknown path is 404; plain GET on a WS path goes to HTTP routing', async (t) => {
      const server = await startTransport(t, kind, { websockets: { '/ws': echoEndpoint() } })
      const refused = await TestClient.connect(server.wsUrl('/nope')).then(() => 0, (err: { status?: number }) => err.status)
      t.equal(refused, 404)
      const trailing = await TestClient.connect(server.wsUrl('/ws/')).then(() => 0, (err: { status?: number }) => err.status)
      t.equal(trailing, 404, 'paths match exactly')
      const plain = await httpCall(server.port, { path: '/ws' })
      t.same([plain.status, plain.json()], [200, { ok: true }])
    })

    t.test('binary frame → close 1003', async (t) => {
      const events: string[] = []
      const server = await startTransport(t, kind, { websockets: { '/ws': echoEndpoint(events) } })
      const client = await TestClient.connect(server.wsUrl('/ws'))
      client.socket.send(Buffer.from([1, 2, 3]), { binary: true })
      t.same(await client.closed, { code: 1003, reason: 'binary frames are not supported' })
      await waitFor(() => events.length === 2, 2000, 'onClose')
      t.same(events, ['open', 'close 1003 binary frames are not supported'])
    })

    t.test('message over the frame limit → close 1009 with a reason', async (t) => {
      const events: string[] = []
      const server = await startTransport(t, kind, { websockets: { '/ws': echoEndpoint(events) }, limits: { maxFrameBytes: LIMIT } })
      const atLimit = await TestClient.connect(server.wsUrl('/ws'))
      atLimit.send('x'.repeat(LIMIT))
      t.equal((await atLimit.next()).length, LIMIT, 'exactly the limit passes')
      atLimit.terminate()
      for (const size of [LIMIT + 1, LIMIT * 3]) {
        const client = await TestClient.connect(server.wsUrl('/ws'))
        client.send('x'.repeat(size))
        t.same(await client.closed, { code: 1009, reason: 'message too big' }, `${size} bytes`)
      }
      await waitFor(() => events.filter((e) => e.startsWith('close 1009')).length === 2, 2000, 'onClose 1009')
      t.equal(server.logs.length, 0, 'nothing logged')
    })

    t.test('text frame with invalid UTF-8 → closed; onClose sees 1007', async (t) => {
      const events: string[] = []
      const server = await startTransport(t, kind, { websockets: { '/ws': echoEndpoint(events) } })
      const client = await TestClient.connect(server.wsUrl('/ws'))
      // A masked text frame whose payload (0xC3 0x28) is not UTF-8, written under the ws client.
      const mask = [0, 0, 0, 0]
      const underlying = (client.socket as unknown as { _socket: import('node:net').Socket })._socket
      underlying.write(Buffer.from([0x81, 0x82, ...mask, 0xc3, 0x28]))
      const closed = await client.closed
      // uWS cuts such a socket without a close frame (the peer sees 1006); ws sends 1007.
      t.same(closed, kind === 'ws' ? { code: 1007, reason: 'invalid UTF-8' } : { code: 1006, reason: '' })
      await waitFor(() => events.length === 2, 2000, 'onClose')
      t.same(events, ['open', 'close 1007 invalid UTF-8'])
    })

    t.test('idle read timeout → close 1002; any inbound frame resets it', async (t) => {
      const events: string[] = []
      const server = await startTransport(t, kind, { websockets: { '/ws': echoEndpoint(events) }, limits: { idleTimeoutMs: 300 } })
      const silent = await TestClient.connect(server.wsUrl('/ws'))
      const chatty = await TestClient.connect(server.wsUrl('/ws'))
      const pinger = await TestClient.connect(server.wsUrl('/ws'))
      const started = Date.now()
      const keepAlive = setInterval(() => {
        chatty.send('{"type":"ping"}')
        pinger.socket.ping()
      }, 100)
      t.teardown(() => clearInterval(keepAlive))
      const closed = await silent.closed
      const elapsed = Date.now() - started
      t.same(closed, { code: 1002, reason: 'idle timeout' })
      t.ok(elapsed >= 280 && elapsed < 1500, `closed after ${elapsed} ms`)
      await new Promise((resolve) => setTimeout(resolve, 400))
      t.equal(chatty.socket.readyState, chatty.socket.OPEN, 'text frames keep a socket alive')
      t.equal(pinger.socket.readyState, pinger.socket.OPEN, 'ping frames keep a socket alive')
      clearInterval(keepAlive)
      t.same(await chatty.closed, { code: 1002, reason: 'idle timeout' })
      t.same(await pinger.closed, { code: 1002, reason: 'idle timeout' })
    })

    t.test('server-chosen close codes reach a ws client intact', async (t) => {
      const endpoint: WsEndpoint<null> = {
        createData: () => null,
        onMessage: (conn, text) => {
          const [code, reason] = text.split(' ')
          conn.close(Number(code), reason)
          t.equal(conn.send('late'), false, 'send after close is refused')
          t.equal(conn.bufferedAmount, 0)
        },
      }
      const server = await startTransport(t, kind, { websockets: { '/ws': endpoint } })
      for (const [code, reason] of [[1008, 'too_many_validation_errors'], [1000, 'done'], [4001, 'custom']] as const) {
        const client = await TestClient.connect(server.wsUrl('/ws'))
        client.send(`${code} ${reason}`)
        t.same(await client.closed, { code, reason })
      }
      const long = await TestClient.connect(server.wsUrl('/ws'))
      long.send(`1008 ${'r'.repeat(200)}`)
      t.equal((await long.closed).reason.length, 123, 'reasons are cut to 123 bytes')
    })

    t.test('an invalid close code is a programming error', async (t) => {
      const endpoint: WsEndpoint<null> = { createData: () => null, onMessage: (conn) => conn.close(1006) }
      const server = await startTransport(t, kind, { websockets: { '/ws': endpoint } })
      const client = await TestClient.connect(server.wsUrl('/ws'))
      client.send('x')
      t.same(await client.closed, { code: 1011, reason: 'internal error' }, 'the RangeError counts as a handler crash')
      t.match(server.logs[0]?.meta?.error, { name: 'RangeError' })
    })

    t.test('a crashing handler closes that socket with 1011 and is logged; others carry on', async (t) => {
      const endpoint: WsEndpoint<null> = {
        createData: () => null,
        onMessage: (conn, text) => {
          if (text === 'throw') throw new Error('sync boom')
          if (text === 'reject') return Promise.reject(new Error('async boom'))
          conn.send(text)
        },
      }
      const server = await startTransport(t, kind, { websockets: { '/ws': endpoint } })
      const healthy = await TestClient.connect(server.wsUrl('/ws'))
      for (const trigger of ['throw', 'reject']) {
        const client = await TestClient.connect(server.wsUrl('/ws'))
        client.send(trigger)
        t.same(await client.closed, { code: 1011, reason: 'internal error' }, trigger)
      }
      healthy.send('still here')
      t.equal(await healthy.next(), 'still here')
      t.equal(server.logs.length, 2)
      t.equal(server.logs[0].message, 'ws onMessage handler crashed')
      healthy.terminate()
    })

    t.test('a crashing createData refuses the upgrade with 500; onOpen crash closes 1011', async (t) => {
      const badData: WsEndpoint<null> = {
        createData: () => {
          throw new Error('no data')
        },
        onMessage: () => {},
      }
      const badOpen: WsEndpoint<null> = {
        createData: () => null,
        onOpen: () => {
          throw new Error('open boom')
        },
        onMessage: () => {},
      }
      const server = await startTransport(t, kind, { websockets: { '/a': badData, '/b': badOpen } })
      const status = await TestClient.connect(server.wsUrl('/a')).then(() => 0, (err: { status?: number }) => err.status)
      t.equal(status, 500)
      const client = await TestClient.connect(server.wsUrl('/b'))
      t.same(await client.closed, { code: 1011, reason: 'internal error' })
    })

    t.test('a peer that vanishes is reported as 1006', async (t) => {
      const events: string[] = []
      const server = await startTransport(t, kind, { websockets: { '/ws': echoEndpoint(events) } })
      const client = await TestClient.connect(server.wsUrl('/ws'))
      client.terminate()
      await waitFor(() => events.length === 2, 2000, 'onClose')
      t.same(events, ['open', 'close 1006 '])
    })

    t.test('a client that stops reading is closed with 1013 instead of buffering without bound', async (t) => {
      let server: WsConnection<null> | undefined
      const endpoint: WsEndpoint<null> = { createData: () => null, onOpen: (conn) => void (server = conn), onMessage: () => {} }
      const started = await startTransport(t, kind, { websockets: { '/ws': endpoint }, limits: { maxBackpressureBytes: 64 * 1024 } })
      // A raw TCP client that upgrades and then never reads a byte.
      const raw = connect(started.port, '127.0.0.1')
      t.teardown(() => raw.destroy())
      raw.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
      await waitFor(() => server !== undefined, 2000, 'open')
      raw.pause()
      const chunk = 'z'.repeat(64 * 1024)
      let sent = 0
      while (server?.send(chunk)) {
        sent++
        if (sent > 10_000) break
      }
      t.ok(sent < 10_000, `refused after ${sent} messages`)
      t.equal(server?.isOpen, false, 'socket is closing')
    })
  })
}
