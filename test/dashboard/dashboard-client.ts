// A WebSocket client for /ws/dashboard tests: frames queue until read; optional upgrade headers
// (the Bearer path for scripts). Listeners attach before the socket opens, so no frame is lost.
import WebSocket from 'ws'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>

interface Teardownable {
  teardown(fn: () => unknown): void
}

export class DashboardClient {
  readonly frames: Frame[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private closeInfo: { code: number; reason: string } | null = null
  private waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame)
      this.wake()
    })
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: String(reason) }
        resolve(this.closeInfo)
        this.wake()
      }),
    )
    ws.on('error', () => undefined)
  }

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

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 3000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.frames.findIndex(match)
      if (index >= 0) return this.frames.splice(index, 1)[0]!
      if (this.closeInfo) throw new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}); unread: ${JSON.stringify(this.frames)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; unread: ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  nextOfType(type: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs)
  }

  waitClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs).unref()),
    ])
  }

  terminate(): void {
    if (this.closeInfo === null) this.ws.terminate()
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}
