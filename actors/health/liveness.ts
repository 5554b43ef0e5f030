// `GET /health` (hardening.md §6, protocol.md §4.1): liveness only — 200 with this body while the
// HTTP server runs, no auth, never rate limited. Readiness detail lives in the dashboard health.
export interface LivenessBody {
  status: 'ok'
  service: 'agent_com'
  agents_connected: number
}

export function livenessBody(agentsConnected: number): LivenessBody {
  return { status: 'ok', service: 'agent_com', agents_connected: agentsConnected }
}
