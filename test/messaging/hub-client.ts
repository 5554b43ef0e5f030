// Black-box helpers: a hub started in-process on 127.0.0.1:0 with a temp data dir, agent tokens
// issued over the admin API, and a WebSocket client that records every frame it receives.
import type { Test } from 'tap'
import WebSocket from 'ws'
import { startHub, type RunningHub } from '../../relay/hub/start-hub'
import { silentLogger } from '../../actors/runtime'
import { availableTransportKinds } from '../../relay/hub/transport'
import { readAdminTokenFile } from '../../actors/auth'
import { tempDataDir } from './harness'

export type Frame = { type: string; [key: string]: unknown }

export interface HubUnderTest {
  running: RunningHub
  base: string
  wsUrl: string
  adminToken: string
  dataDir: string
  /** JSON request; `token` goes in the Authorization header. */
  http(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>
  /** A fresh token for `agentId` (POST /admin/tokens). */
  issueToken(agentId: string): Promise<string>
  /** An identified agent socket. */
  connect(agentId: string, token: string): Promise<AgentClient>
  /** Closes the client's socket and waits until the hub no longer lists the agent as present. */
  disconnect(client: AgentClient, agentId: string): Promise<void>
  close(): Promise<void>
}

export async function startTestHub(t: Test, kind: 'uws' | 'ws', dataDir = tempDataDir(t)): Promise<HubUnderTest> {
  const running = await startHub({ dataDir, port: 0, host: '127.0.0.1', transport: kind, logger: silentLogger })
  let closed = false
  const clients: AgentClient[] = []
  const close = async () => {
    if (closed) return
    closed = true
    for (const client of clients) client.terminate()
    await running.close()
  }
  t.teardown(close)
  const base = `http://127.0.0.1:${running.port}`
  // a fresh data dir hands out the admin token once; a restarted hub left it in admin.token
  const adminToken = running.newAdminToken?.token ?? readAdminTokenFile(running.adminTokenFile)
  if (!adminToken) throw new Error('no admin token: neither handed out nor in admin.token')
  const http: HubUnderTest['http'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = {}
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(base + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) })
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body }
  }
  return {
    running,
    base,
    wsUrl: `ws://127.0.0.1:${running.port}/ws`,
    adminToken,
    dataDir,
    http,
    async issueToken(agentId) {
      const reply = await http('POST', '/admin/tokens', { token: adminToken, body: { agent_id: agentId } })
      if (reply.status !== 201) throw new Error(`token for ${agentId}: ${reply.status} ${JSON.stringify(reply.body)}`)
      return reply.body.token as string
    },
    async connect(agentId, token) {
      const client = await AgentClient.open(`ws://127.0.0.1:${running.port}/ws`)
      clients.push(client)
      client.send({ type: 'identify', agent_id: agentId, token, protocol_version: 1 })
      const first = await client.next()
      if (first.type !== 'identified') throw new Error(`identify ${agentId}: ${JSON.stringify(first)}`)
      return client
    },
    async disconnect(client, agentId) {
      client.terminate()
      const deadline = Date.now() + 5000
      for (;;) {
        const agents = (await http('GET', '/api/agents')).body?.agents as Array<{ agent_id: string }> | undefined
        if (agents && !agents.some((agent) => agent.agent_id === agentId)) return
        if (Date.now() > deadline) throw new Error(`${agentId} still present 5 s after its socket closed`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    close,
  }
}

export class AgentClient {
  readonly frames: Frame[] = []
  private cursor = 0
  private waiters: Array<() => void> = []

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame)
      for (const wake of this.waiters.splice(0)) wake()
    })
  }

  static open(url: string): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url)
      socket.once('open', () => resolve(new AgentClient(socket)))
      socket.once('error', reject)
    })
  }

  send(frame: object): void {
    this.socket.send(JSON.stringify(frame))
  }

  /** The next frame not yet consumed (optionally the next one matching `match`, skipping others). */
  async next(match: (frame: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++]!
        if (match(frame)) return frame
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; received ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Sends `frame` and returns the next frame of type `replyType`. */
  async request(frame: object, replyType: string | ((f: Frame) => boolean)): Promise<Frame> {
    this.send(frame)
    return this.next(typeof replyType === 'string' ? (f) => f.type === replyType || f.type === 'error' : replyType)
  }

  /** Frames of `type` received so far (consumed or not). */
  all(type: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type)
  }

  /** Round trip through the hub: every frame the hub sent before the pong has arrived. */
  async sync(): Promise<void> {
    this.send({ type: 'ping' })
    await this.next((frame) => frame.type === 'pong')
  }

  terminate(): void {
    this.socket.terminate()
  }
}

export const TRANSPORTS: Array<'uws' | 'ws'> = availableTransportKinds()
