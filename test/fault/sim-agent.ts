// A simulated agent for fault runs: speaks the sidecar's wire protocol (identify, task_accepted,
// task_complete with the assignment's generation, task_recovering after a reconnect with a task
// in flight, task_rejected while busy), survives hub restarts by reconnecting to wherever the hub
// listens now, and records every completion the hub accepted. (Fixture, no tests of its own.)
import WebSocket from 'ws'

export interface SimAgentOptions {
  agentId: string
  token: string
  /** Where the hub listens now (changes across restarts); null while it is down. */
  port: () => number | null
  /** Real ms between accepting and reporting complete. */
  workMs: () => number
}

interface Held {
  task_id: string
  generation: number
}

type Frame = Record<string, unknown>

export class SimAgent {
  /** task_id → how many times the hub answered task_ack complete to this agent. */
  readonly acceptedCompletions = new Map<string, number>()
  readonly unexpected: Frame[] = []
  connects = 0
  private ws: WebSocket | null = null
  private held: Held | null = null
  private stopped = false
  private workTimer: NodeJS.Timeout | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private pingTimer: NodeJS.Timeout | null = null

  constructor(readonly opts: SimAgentOptions) {}

  start(): void {
    this.connect()
    // keeps the reaper off when a test moves the hub's virtual clock fast
    this.pingTimer = setInterval(() => this.ws && this.send(this.ws, { type: 'ping' }), 500)
  }

  stop(): void {
    this.stopped = true
    if (this.pingTimer) clearInterval(this.pingTimer)
    if (this.workTimer) clearTimeout(this.workTimer)
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.ws?.terminate()
  }

  get busy(): boolean {
    return this.held !== null
  }

  private connect(): void {
    if (this.stopped) return
    const port = this.opts.port()
    if (port === null) return this.retryLater()
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    this.ws = ws
    ws.on('open', () => {
      this.connects++
      this.send(ws, { type: 'identify', agent_id: this.opts.agentId, token: this.opts.token, name: this.opts.agentId, status: 'idle', capabilities: [], client_type: 'sidecar' })
    })
    ws.on('message', (data) => this.onFrame(ws, JSON.parse(String(data)) as Frame))
    ws.on('error', () => undefined)
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null
      if (this.workTimer) clearTimeout(this.workTimer)
      this.workTimer = null
      this.retryLater()
    })
  }

  private retryLater(): void {
    if (this.stopped || this.reconnectTimer) return
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.connect()
    }, 100 + Math.floor(Math.random() * 200))
  }

  private send(ws: WebSocket, frame: Frame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ ...frame, protocol_version: 1 }))
  }

  private onFrame(ws: WebSocket, frame: Frame): void {
    switch (frame.type) {
      case 'identified':
        if (this.held) this.send(ws, { type: 'task_recovering', task_id: this.held.task_id, description: '', metadata: {}, last_status: 'working' })
        return
      case 'task_assign': {
        const taskId = String(frame.task_id)
        if (this.held) {
          this.send(ws, { type: 'task_rejected', task_id: taskId, reason: 'busy' })
          return
        }
        this.held = { task_id: taskId, generation: Number(frame.generation ?? 0) }
        this.send(ws, { type: 'task_accepted', task_id: taskId })
        return this.workThenComplete(ws)
      }
      case 'task_continue':
        if (this.held && this.held.task_id === frame.task_id) {
          this.held.generation = Number(frame.generation)
          this.workThenComplete(ws)
        }
        return
      case 'task_reassign':
        if (this.held && this.held.task_id === frame.task_id) this.held = null
        return
      case 'task_ack':
        if (frame.status === 'complete') {
          const id = String(frame.task_id)
          this.acceptedCompletions.set(id, (this.acceptedCompletions.get(id) ?? 0) + 1)
          if (this.held?.task_id === id) this.held = null
        }
        return
      case 'error':
        // a report the hub refused (stale generation, already completed): the task is not ours any more
        if (typeof frame.error === 'string' && /^task_(complete|fail)_failed/.test(frame.error)) {
          this.held = null
          return
        }
        this.unexpected.push(frame)
        return
      default:
        return
    }
  }

  private workThenComplete(ws: WebSocket): void {
    if (this.workTimer) clearTimeout(this.workTimer)
    this.workTimer = setTimeout(() => {
      this.workTimer = null
      const held = this.held
      if (!held) return
      this.send(ws, { type: 'task_complete', task_id: held.task_id, generation: held.generation, result: { status: 'success', output: 'ok' }, tokens_used: 1 })
    }, this.opts.workMs())
  }
}

/** Total accepted completions per task over all agents. */
export function completionsByTask(agents: SimAgent[]): Map<string, number> {
  const total = new Map<string, number>()
  for (const a of agents) for (const [id, n] of a.acceptedCompletions) total.set(id, (total.get(id) ?? 0) + n)
  return total
}
