// A protocol-true stand-in for the hub's /ws endpoint, for sidecar tests (real `ws` server on
// 127.0.0.1, port 0). It speaks the frames of protocol.md §1.5–1.7 and keeps just enough task
// state to fence completions by generation like the real hub: a completion is accepted only for
// an assigned task with the same generation, so "exactly once" is checkable.
// (Imported by tests; when tap runs this file on its own it defines no tests.)
import { WebSocketServer, type WebSocket } from 'ws'
import type { AddressInfo } from 'node:net'

export interface HubFrame {
  type: string
  [key: string]: unknown
}

export interface FakeTask {
  task_id: string
  status: 'queued' | 'assigned' | 'completed' | 'dead_letter'
  generation: number
  assigned_to: string | null
  accepted_completions: number
  refused_outcomes: number
  failures: number
}

export interface FakeHubOptions {
  /** valid tokens → agent id */
  tokens?: Record<string, string>
  /** answer `ping` with `pong` (turn off to test the heartbeat timeout) */
  answerPings?: boolean
  /** like the real hub: a disconnect puts the agent's assigned task back in the queue */
  reclaimOnDisconnect?: boolean
  /** answer `task_recovering` at once (turn off to script the answer with sendTo) */
  answerRecovering?: boolean
}

export interface Received {
  agentId: string | null
  frame: HubFrame
  at: number
}

export class FakeHub {
  readonly received: Received[] = []
  readonly tasks = new Map<string, FakeTask>()
  readonly sockets = new Set<WebSocket>()
  private readonly agents = new Map<WebSocket, string>()
  private waiters: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void; from: number }> = []
  answerPings: boolean

  private constructor(
    private readonly server: WebSocketServer,
    private readonly opts: FakeHubOptions,
  ) {
    this.answerPings = opts.answerPings ?? true
    server.on('connection', (socket) => this.onConnection(socket))
  }

  static async start(opts: FakeHubOptions = {}, port = 0): Promise<FakeHub> {
    const server = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws' })
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve)
      server.once('error', reject)
    })
    return new FakeHub(server, opts)
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`
  }

  framesOfType(type: string): HubFrame[] {
    return this.received.filter((r) => r.frame.type === type).map((r) => r.frame)
  }

  /** Resolves with the first frame (received from index `from` on) that matches. */
  waitFor(match: (frame: HubFrame) => boolean, timeoutMs = 10_000, from = 0): Promise<HubFrame> {
    const existing = this.received.slice(from).find((r) => match(r.frame))
    if (existing) return Promise.resolve(existing.frame)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`fake hub: no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((r) => r.frame.type))}`))
      }, timeoutMs)
      const waiter = {
        match: (r: Received) => match(r.frame),
        resolve: (r: Received) => {
          clearTimeout(timer)
          resolve(r.frame)
        },
        from,
      }
      this.waiters.push(waiter)
    })
  }

  waitForType(type: string, timeoutMs?: number, from?: number): Promise<HubFrame> {
    return this.waitFor((f) => f.type === type, timeoutMs, from)
  }

  /** Creates (or re-assigns) a task and pushes `task_assign` to the agent's socket. */
  assign(agentId: string, taskId: string, fields: Record<string, unknown> = {}): number {
    const task = this.tasks.get(taskId) ?? {
      task_id: taskId,
      status: 'queued' as const,
      generation: 0,
      assigned_to: null,
      accepted_completions: 0,
      refused_outcomes: 0,
      failures: 0,
    }
    task.generation += 1
    task.status = 'assigned'
    task.assigned_to = agentId
    this.tasks.set(taskId, task)
    this.sendTo(agentId, {
      type: 'task_assign',
      task_id: taskId,
      description: '',
      metadata: {},
      generation: task.generation,
      assigned_at: Date.now(),
      repo: null,
      branch: null,
      file_hints: [],
      success_criteria: [],
      verification_steps: [],
      complexity: null,
      routing_decision: null,
      skip_verification: false,
      verification_timeout_ms: null,
      max_verification_retries: 0,
      ...fields,
    })
    return task.generation
  }

  sendTo(agentId: string, frame: HubFrame): void {
    for (const [socket, id] of this.agents) if (id === agentId) socket.send(JSON.stringify(frame))
  }

  isConnected(agentId: string): boolean {
    return [...this.agents.values()].includes(agentId)
  }

  /** Cuts every connection abruptly (like a network drop). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.terminate()
  }

  async close(): Promise<void> {
    this.dropConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private onConnection(socket: WebSocket): void {
    this.sockets.add(socket)
    socket.on('message', (data) => this.onMessage(socket, data.toString()))
    socket.on('close', () => {
      this.sockets.delete(socket)
      const agentId = this.agents.get(socket)
      this.agents.delete(socket)
      if (agentId && this.opts.reclaimOnDisconnect) {
        for (const task of this.tasks.values()) {
          if (task.status === 'assigned' && task.assigned_to === agentId) {
            task.status = 'queued'
            task.assigned_to = null
            task.generation += 1
          }
        }
      }
    })
  }

  private onMessage(socket: WebSocket, text: string): void {
    const reply = (frame: HubFrame): void => socket.send(JSON.stringify(frame))
    let frame: HubFrame
    try {
      frame = JSON.parse(text) as HubFrame
    } catch {
      reply({ type: 'error', error: 'invalid_json' })
      return
    }
    const agentId = this.agents.get(socket) ?? null
    this.record({ agentId, frame, at: Date.now() })
    if (frame.type === 'identify') return this.onIdentify(socket, frame)
    if (!agentId) return reply({ type: 'error', error: 'not_identified' })
    switch (frame.type) {
      case 'ping':
        if (this.answerPings) reply({ type: 'pong', timestamp: Date.now() })
        return
      case 'task_accepted':
        return reply({ type: 'task_ack', task_id: frame.task_id, status: 'accepted' })
      case 'task_recovering': {
        if (this.opts.answerRecovering === false) return
        const task = this.tasks.get(String(frame.task_id))
        if (task && task.status === 'assigned' && task.assigned_to === agentId) {
          return reply({ type: 'task_continue', task_id: frame.task_id, generation: task.generation })
        }
        return reply({ type: 'task_reassign', task_id: frame.task_id })
      }
      case 'task_complete':
      case 'task_failed':
        return this.onOutcome(frame, reply)
      case 'task_rejected': {
        const task = this.tasks.get(String(frame.task_id))
        if (task && task.status === 'assigned' && task.assigned_to === agentId) {
          task.status = 'queued'
          task.assigned_to = null
          task.generation += 1
        }
        return
      }
      default:
        return // task_progress, resource_report: recorded only
    }
  }

  private onIdentify(socket: WebSocket, frame: HubFrame): void {
    const tokens = this.opts.tokens
    const agentId = String(frame.agent_id)
    if (tokens) {
      const owner = tokens[String(frame.token)]
      if (!owner) return void socket.send(JSON.stringify({ type: 'error', error: 'invalid_token' }))
      if (owner !== agentId) return void socket.send(JSON.stringify({ type: 'error', error: 'token_agent_mismatch' }))
    }
    this.agents.set(socket, agentId)
    socket.send(JSON.stringify({ type: 'identified', agent_id: agentId }))
  }

  private onOutcome(frame: HubFrame, reply: (f: HubFrame) => void): void {
    const task = this.tasks.get(String(frame.task_id))
    const prefix = frame.type === 'task_complete' ? 'task_complete_failed' : 'task_fail_failed'
    const refuse = (reason: string): void => {
      if (task) task.refused_outcomes += 1
      reply({ type: 'error', error: `${prefix}: ${reason}` })
    }
    if (!task) return refuse('not_found')
    if (task.status !== 'assigned') return refuse('invalid_state')
    if (task.generation !== frame.generation) return refuse('stale_generation')
    if (frame.type === 'task_complete') {
      task.status = 'completed'
      task.accepted_completions += 1
      return reply({ type: 'task_ack', task_id: task.task_id, status: 'complete' })
    }
    task.failures += 1
    task.status = 'queued'
    task.assigned_to = null
    task.generation += 1
    reply({ type: 'task_ack', task_id: task.task_id, status: 'retried' })
  }

  private record(r: Received): void {
    this.received.push(r)
    const index = this.received.length - 1
    for (const waiter of [...this.waiters]) {
      if (index >= waiter.from && waiter.match(r)) {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        waiter.resolve(r)
      }
    }
  }
}
