// A test client that behaves like the original AgentCom v1.2 sidecar (sidecar/index.js,
// protocol.md §1.8), for hub and end-to-end tests:
// - every frame carries `protocol_version: 1`; identify sends name = agent_id, status "idle",
//   capabilities, client_type "sidecar" and `ollama_url` when configured;
// - `ping` every 30 s on the hub's (virtual) clock; no `pong` within 10 s → terminate the socket;
// - an incoming `task_assign` is handled at once, as the sidecar does: busy → `task_rejected`
//   {reason:"busy"}; otherwise it becomes the active task and `task_accepted` goes out;
// - `task_complete` / `task_failed` carry the assignment's generation (0 when absent);
//   `task_failed` uses `reason`, never `error`; `tokens_used` only inside `result`;
// - after reconnecting with a task in flight: `task_recovering` with description, metadata and
//   last_status; on `task_continue` it resumes WITHOUT re-sending task_accepted (as v1.2).
//
// Virtual time can jump further than the real network travels: when the pong deadline fires
// before a pong that is on its way, the client waits up to PONG_GRACE_REAL_MS real ms for it.
import type { Clock, TimerHandle } from '../../actors/runtime'
import { AgentClient, type Frame } from './harness'

interface Teardownable {
  teardown(fn: () => unknown): void
}

export const PING_INTERVAL_MS = 30_000
export const PONG_TIMEOUT_MS = 10_000
const PONG_GRACE_REAL_MS = 1000

export interface V12Task {
  task_id: string
  generation: number
  description: string
  metadata: Record<string, unknown>
}

export interface V12SidecarOptions {
  agentId: string
  token: string
  capabilities?: string[]
  ollamaUrl?: string
  /** A task persisted locally before a restart: recovered with task_recovering after identify. */
  inFlight?: V12Task | null
  /** false: identify only, no ping timer (tests of the reaper). Default true. */
  ping?: boolean
}

export class V12SidecarClient {
  active: V12Task | null
  /** Every task_assign received, in order. */
  readonly assignments: V12Task[] = []
  /** Task ids answered with task_rejected (busy). */
  readonly rejected: string[] = []
  pingsSent = 0
  pongsReceived = 0
  /** Set when the client terminated the socket itself (pong timeout). */
  gaveUp = false
  private pingTimer: TimerHandle | null = null
  private pongDeadline: TimerHandle | null = null
  private awaitingPongSince: number | null = null
  private stopped = false

  private constructor(
    readonly opts: V12SidecarOptions,
    readonly client: AgentClient,
    private readonly clock: Clock,
  ) {
    this.active = opts.inFlight ?? null
  }

  /** Opens `/ws`, identifies (`identified` must be the first frame), starts pinging, recovers an in-flight task. */
  static async connect(t: Teardownable, hub: { port: number; clock: Clock }, opts: V12SidecarOptions): Promise<V12SidecarClient> {
    const client = await AgentClient.connect(t, hub.port)
    const sidecar = new V12SidecarClient(opts, client, hub.clock)
    t.teardown(() => sidecar.stop())
    client.ws.on('message', (data) => sidecar.react(JSON.parse(String(data)) as Frame))
    void client.closed.then(() => sidecar.stopTimers())
    sidecar.send({
      type: 'identify',
      agent_id: opts.agentId,
      token: opts.token,
      name: opts.agentId,
      status: 'idle',
      capabilities: opts.capabilities ?? [],
      client_type: 'sidecar',
      ...(opts.ollamaUrl ? { ollama_url: opts.ollamaUrl } : {}),
    })
    const first = await client.next()
    if (first.type !== 'identified') throw new Error(`expected identified first, got ${JSON.stringify(first)}`)
    if (opts.ping !== false) sidecar.schedulePing()
    return sidecar
  }

  get agentId(): string {
    return this.opts.agentId
  }

  send(frame: Frame): void {
    if (this.client.isClosed) return
    this.client.send({ ...frame, protocol_version: 1 })
  }

  /** Resolves once the client accepted an assignment and the hub acked it (`task_ack` accepted). */
  async accepted(timeoutMs?: number): Promise<V12Task> {
    const ack = await this.client.next((f) => f.type === 'task_ack' && f.status === 'accepted', timeoutMs)
    const task = [...this.assignments].reverse().find((a) => a.task_id === ack.task_id)
    if (!task) throw new Error(`task_ack for a task never assigned: ${ack.task_id}`)
    return task
  }

  /** Resolves with the task_ack {status:'rejected'} the hub sent for a busy rejection. */
  rejectionAck(timeoutMs?: number): Promise<Frame> {
    return this.client.next((f) => f.type === 'task_ack' && f.status === 'rejected', timeoutMs)
  }

  /** Streams one execution event (v1.2 direct-execution path). No reply. */
  progress(text: string, tokensSoFar = 0): void {
    const task = this.mustHaveActive()
    this.send({ type: 'task_progress', task_id: task.task_id, execution_event: { event_type: 'text', text, tokens_so_far: tokensSoFar, model: 'fake-model', timestamp: this.clock.now() } })
  }

  /** task_complete with the assignment's generation; resolves with the hub's answer (task_ack or error). */
  async complete(result: Record<string, unknown> = { status: 'success', output: 'done', tokens_used: 42 }): Promise<Frame> {
    const task = this.mustHaveActive()
    this.active = null // the work is done: a task_assign racing the ack is taken, not rejected
    this.send({ type: 'task_complete', task_id: task.task_id, generation: task.generation, result, verification_report: null, verification_history: null })
    return this.client.next((f) => (f.type === 'task_ack' && f.task_id === task.task_id) || f.type === 'error')
  }

  async fail(reason: string): Promise<Frame> {
    const task = this.mustHaveActive()
    this.active = null
    this.send({ type: 'task_failed', task_id: task.task_id, reason, generation: task.generation })
    return this.client.next((f) => (f.type === 'task_ack' && f.task_id === task.task_id) || f.type === 'error')
  }

  /** After reconnecting with a task in flight: task_recovering → task_continue (resume) | task_reassign (drop). */
  async recover(): Promise<Frame> {
    const task = this.mustHaveActive()
    this.send({ type: 'task_recovering', task_id: task.task_id, description: task.description, metadata: task.metadata, last_status: 'working' })
    const answer = await this.client.next((f) => (f.type === 'task_continue' || f.type === 'task_reassign') && f.task_id === task.task_id)
    this.active = answer.type === 'task_continue' ? { ...task, generation: answer.generation } : null
    return answer
  }

  /** The next pong (after a ping the timer sent). */
  pong(timeoutMs?: number): Promise<Frame> {
    return this.client.nextOfType('pong', timeoutMs)
  }

  /** Stops the timers and closes the socket (the sidecar shutting down). */
  stop(): void {
    this.stopped = true
    this.stopTimers()
    this.client.terminate()
  }

  // ---- what the sidecar does on its own ------------------------------------------------------

  private react(frame: Frame): void {
    if (frame.type === 'pong') {
      this.pongsReceived++
      this.awaitingPongSince = null
    } else if (frame.type === 'task_assign') {
      const task: V12Task = { task_id: frame.task_id, generation: frame.generation ?? 0, description: frame.description ?? '', metadata: frame.metadata ?? {} }
      this.assignments.push(task)
      if (this.active !== null) {
        this.rejected.push(task.task_id)
        this.send({ type: 'task_rejected', task_id: task.task_id, reason: 'busy' })
      } else {
        this.active = task
        this.send({ type: 'task_accepted', task_id: task.task_id })
      }
    }
  }

  private schedulePing(): void {
    if (this.stopped) return
    this.pingTimer = this.clock.schedule(PING_INTERVAL_MS, () => {
      if (this.stopped || this.client.isClosed) return
      this.awaitingPongSince = this.clock.now()
      this.pingsSent++
      this.send({ type: 'ping' })
      this.pongDeadline = this.clock.schedule(PONG_TIMEOUT_MS, () => void this.checkPong())
      this.schedulePing()
    })
  }

  private async checkPong(): Promise<void> {
    const deadline = Date.now() + PONG_GRACE_REAL_MS
    while (this.awaitingPongSince !== null && Date.now() < deadline && !this.client.isClosed) await new Promise((r) => setTimeout(r, 10))
    if (this.awaitingPongSince === null || this.client.isClosed) return
    this.gaveUp = true // the sidecar terminates and reconnects with backoff
    this.stop()
  }

  private stopTimers(): void {
    if (this.pingTimer) this.clock.cancel(this.pingTimer)
    if (this.pongDeadline) this.clock.cancel(this.pongDeadline)
    this.pingTimer = null
    this.pongDeadline = null
  }

  private mustHaveActive(): V12Task {
    if (!this.active) throw new Error(`${this.agentId} has no active task`)
    return this.active
  }
}
