// A simulated agent that speaks the wire protocol as the original v1.2 sidecar does
// (protocol.md §1.8): protocol_version 1 on every frame; identify with name, status "idle",
// capabilities and client_type "sidecar"; ping every 30 s; task_accepted right after a
// task_assign; task_complete with the assignment's generation; task_rejected {reason:"busy"}
// while busy; after a reconnect with a task in flight, task_recovering → task_continue (resume
// with the new generation) or task_reassign (drop it). Reconnects by itself (1 s doubling to
// 60 s, as the sidecar). It executes nothing: `workMs` stands in for the work.
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

export interface SimAgentOptions {
  url: string
  agentId: string
  token: string
  capabilities?: string[]
  /** real ms between task_accepted and task_complete (default 0: at once) */
  workMs?: number
  /** never report the task (a victim that dies mid-task) */
  hold?: boolean
  /** default 30 000 (the sidecar's); 0 = no pings */
  pingIntervalMs?: number
  /** default true */
  reconnect?: boolean
  /** first reconnect delay (default 1 000, doubling to 60 000) */
  reconnectInitialMs?: number
  /** called when a task_assign arrives (before the reply goes out) */
  onAssign?: (frame: Frame, atMs: number) => void
  onComplete?: (taskId: string) => void
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire frames are checked by the tests
export type Frame = Record<string, any>

export interface HeldTask {
  task_id: string
  generation: number
  description: string
}

const MAX_RECONNECT_MS = 60_000

export class SimAgent {
  /** the task this agent works on (the sidecar's active slot) */
  active: HeldTask | null = null
  /** task ids in the order they were assigned to (and accepted by) this agent */
  readonly assigned: string[] = []
  /** task ids the hub acknowledged as complete from this agent */
  readonly completed: string[] = []
  readonly rejectedBusy: string[] = []
  readonly errors: Frame[] = []
  identifiedCount = 0
  connects = 0
  private ws: WebSocket | null = null
  private stopped = false
  private pingTimer: NodeJS.Timeout | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private workTimer: NodeJS.Timeout | null = null
  private reconnectDelay: number
  private identifiedWaiters: Array<() => void> = []
  private identified = false

  constructor(readonly o: SimAgentOptions) {
    this.reconnectDelay = o.reconnectInitialMs ?? 1000
  }

  get isIdentified(): boolean {
    return this.identified
  }

  /** Connects and resolves once `identified` arrived (rejects on a socket error before it). */
  start(): Promise<void> {
    this.stopped = false
    this.connect()
    return this.untilIdentified()
  }

  untilIdentified(): Promise<void> {
    if (this.identified) return Promise.resolve()
    return new Promise((resolve) => this.identifiedWaiters.push(resolve))
  }

  send(frame: Frame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ ...frame, protocol_version: 1 }))
  }

  /** Cuts the socket without a close handshake (the peer sees the TCP connection drop). */
  cut(): void {
    this.ws?.terminate()
  }

  /** Stops for good: no reconnect, timers cleared, socket closed. */
  stop(): void {
    this.stopped = true
    this.clearTimers()
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.ws?.terminate()
    this.ws = null
  }

  private connect(): void {
    this.connects++
    const ws = new WebSocket(this.o.url, { perMessageDeflate: false })
    this.ws = ws
    ws.on('open', () => {
      this.send({
        type: 'identify',
        agent_id: this.o.agentId,
        token: this.o.token,
        name: this.o.agentId,
        status: 'idle',
        capabilities: this.o.capabilities ?? [],
        client_type: 'sidecar',
      })
    })
    ws.on('message', (data) => this.handle(JSON.parse(String(data)) as Frame))
    ws.on('error', () => undefined)
    ws.on('close', () => {
      if (this.ws !== ws) return
      this.identified = false
      this.clearTimers()
      this.ws = null
      if (!this.stopped && this.o.reconnect !== false) this.scheduleReconnect()
    })
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelay
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, MAX_RECONNECT_MS)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (!this.stopped) this.connect()
    }, delay)
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer)
    if (this.workTimer) clearTimeout(this.workTimer)
    this.pingTimer = null
    this.workTimer = null
  }

  private handle(frame: Frame): void {
    switch (frame.type) {
      case 'identified':
        return this.onIdentified()
      case 'task_assign':
        return this.onAssign(frame)
      case 'task_continue':
        if (this.active !== null && this.active.task_id === frame.task_id) {
          this.active = { ...this.active, generation: frame.generation as number }
          this.scheduleWork()
        }
        return
      case 'task_reassign':
        if (this.active?.task_id === frame.task_id) this.active = null
        return
      case 'task_ack':
        if (frame.status === 'complete') {
          this.completed.push(frame.task_id as string)
          if (this.active?.task_id === frame.task_id) this.active = null
          this.o.onComplete?.(frame.task_id as string)
        }
        return
      case 'error':
        this.errors.push(frame)
        // a refused report (stale generation, task gone) ends the sidecar's hold on the task
        if (typeof frame.error === 'string' && frame.error.startsWith('task_complete_failed')) this.active = null
        return
      default:
        return
    }
  }

  private onIdentified(): void {
    this.identified = true
    this.identifiedCount++
    this.reconnectDelay = this.o.reconnectInitialMs ?? 1000
    const interval = this.o.pingIntervalMs ?? 30_000
    if (interval > 0) this.pingTimer = setInterval(() => this.send({ type: 'ping' }), interval)
    if (this.active) {
      const task = this.active
      this.send({ type: 'task_recovering', task_id: task.task_id, description: task.description, metadata: {}, last_status: 'working' })
    }
    const waiters = this.identifiedWaiters
    this.identifiedWaiters = []
    for (const w of waiters) w()
  }

  private onAssign(frame: Frame): void {
    this.o.onAssign?.(frame, performance.now())
    if (this.active !== null) {
      this.rejectedBusy.push(frame.task_id as string)
      this.send({ type: 'task_rejected', task_id: frame.task_id, reason: 'busy' })
      return
    }
    this.active = { task_id: frame.task_id as string, generation: (frame.generation as number | undefined) ?? 0, description: String(frame.description ?? '') }
    this.assigned.push(this.active.task_id)
    this.send({ type: 'task_accepted', task_id: frame.task_id })
    this.scheduleWork()
  }

  private scheduleWork(): void {
    if (this.o.hold || !this.active) return
    const task = this.active
    const report = () => {
      this.workTimer = null
      if (this.active?.task_id !== task.task_id) return
      this.send({
        type: 'task_complete',
        task_id: task.task_id,
        generation: this.active.generation,
        result: { status: 'success', output: `done by ${this.o.agentId}` },
        verification_report: null,
        verification_history: null,
      })
    }
    const workMs = this.o.workMs ?? 0
    if (workMs <= 0) report()
    else this.workTimer = setTimeout(report, workMs)
  }
}

/** Starts agents `parallel` at a time (a thundering herd of identifies is not what is measured). */
export async function startAgents(agents: readonly SimAgent[], parallel = 50): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < agents.length) await agents[next++]!.start()
  }
  await Promise.all(Array.from({ length: Math.min(parallel, agents.length) }, worker))
}
