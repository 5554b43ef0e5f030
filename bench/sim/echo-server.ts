// A bare WebSocket echo server on the hub's transport (uWS when it loads), run as a child
// process by the throughput benchmark for its "bare WebSocket round trips/s" limit. Started
// with fork(); reports {port} over IPC, stops on "stop". (No tests here.)
import { HubRouter } from '../../relay/hub/routing'
import { createTransport, defaultTransportKind, json, type WsEndpoint } from '../../relay/hub/transport'

async function serve(): Promise<void> {
  const router = new HubRouter()
  router.get('/health', () => json(200, { status: 'ok' }))
  const echo: WsEndpoint<null> = { createData: () => null, onMessage: (conn, text) => void conn.send(text) }
  const kind = defaultTransportKind()
  const transport = createTransport({ kind, http: router.handle, websockets: { '/ws': echo } })
  const port = await transport.listen({ host: '127.0.0.1', port: 0 })
  process.on('message', (msg: string) => {
    if (msg === 'stop') void transport.close().then(() => process.exit(0))
  })
  process.send?.({ port, kind })
}

if (require.main === module) void serve()
