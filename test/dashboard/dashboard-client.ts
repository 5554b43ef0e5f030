// A WebSocket client for /ws/dashboard tests: frames queue until read; optional upgrade headers
// (the Bearer path for scripts). Listeners attach before the socket opens, so no frame is lost.
import WebSocket from 'ws'
import { FrameQueue } from '../hub/harness'

export type { Frame } from '../hub/harness'

interface Teardownable {
  teardown(fn: () => unknown): void
}

export class DashboardClient extends FrameQueue {
  static async connect(t: Teardownable, port: number, headers: Record<string, string> = {}): Promise<DashboardClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/dashboard`, { headers, perMessageDeflate: false })
    const client = new DashboardClient(ws)
    t.teardown(() => client.terminate())
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return client
  }
}
