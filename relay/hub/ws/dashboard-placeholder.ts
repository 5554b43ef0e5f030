// PLACEHOLDER for `/ws/dashboard` until the dashboard area provides
// `relay/hub/dashboard/endpoint.ts` (export `createDashboardEndpoint(hub): WsEndpoint`): sends
// a minimal initial snapshot and ignores whatever the browser sends (protocol.md §5.2: anything
// unknown is silently ignored).
import type { HubContext } from '../hub-context'
import type { WsEndpoint } from '../transport'

export function createPlaceholderDashboardEndpoint(hub: HubContext): WsEndpoint<null> {
  return {
    createData: () => null,
    onOpen: (conn) => {
      const now = hub.now()
      conn.send(JSON.stringify({ type: 'snapshot', data: { timestamp: now, placeholder: true }, alerts: [] }))
    },
    onMessage: () => undefined,
  }
}
