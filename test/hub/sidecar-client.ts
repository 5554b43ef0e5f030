// A test client that speaks like the original v1.2 sidecar (protocol.md §1.8): every frame
// carries protocol_version 1; identify with name = agent_id, status "idle", capabilities and
// client_type; task_accepted right after a task_assign; task_complete / task_failed with the
// assignment's generation; task_rejected {reason:"busy"} for an assignment while busy;
// task_recovering after reconnecting with a task in flight.
import { AgentClient, type Frame, type TestHub } from './harness'

interface Teardownable {
  teardown(fn: () => unknown): void
}

export interface ActiveTask {
  task_id: string
  generation: number
  description: string
}

export class SidecarClient {
  active: ActiveTask | null = null
  readonly rejected: string[] = []

  private constructor(
    readonly agentId: string,
    readonly client: AgentClient,
  ) {}

  /** Opens the socket, identifies (identified must be first), and resumes `inFlight` if given. */
  static async start(
    t: Teardownable,
    hub: TestHub,
    agentId: string,
    token: string,
    opts: { capabilities?: string[]; inFlight?: ActiveTask | null; acceptAssignments?: boolean } = {},
  ): Promise<SidecarClient> {
    const client = await AgentClient.connect(t, hub.port)
    const sidecar = new SidecarClient(agentId, client)
    sidecar.active = opts.inFlight ?? null
    sidecar.send({ type: 'identify', agent_id: agentId, token, name: agentId, status: 'idle', capabilities: opts.capabilities ?? [], client_type: 'sidecar' })
    const first = await client.next()
    if (first.type !== 'identified') throw new Error(`expected identified first, got ${JSON.stringify(first)}`)
    return sidecar
  }

  send(frame: Frame): void {
    this.client.send({ ...frame, protocol_version: 1 })
  }

  /**
   * Waits for the next task_assign and handles it as the sidecar does: busy → task_rejected
   * (returns null); otherwise persists it as active and sends task_accepted, returning the task
   * once the hub acked it.
   */
  async takeAssignment(timeoutMs?: number): Promise<ActiveTask | null> {
    const assign = await this.client.nextOfType('task_assign', timeoutMs)
    if (this.active !== null) {
      this.rejected.push(assign.task_id)
      this.send({ type: 'task_rejected', task_id: assign.task_id, reason: 'busy' })
      await this.client.next((f) => f.type === 'task_ack' && f.task_id === assign.task_id && f.status === 'rejected')
      return null
    }
    this.active = { task_id: assign.task_id, generation: assign.generation ?? 0, description: assign.description }
    this.send({ type: 'task_accepted', task_id: assign.task_id })
    await this.client.next((f) => f.type === 'task_ack' && f.task_id === assign.task_id && f.status === 'accepted')
    return this.active
  }

  /** Reports the active task complete; resolves with the hub's answer (task_ack or error). */
  async complete(result: Record<string, unknown> = { status: 'success', output: 'done' }): Promise<Frame> {
    const task = this.mustHaveActive()
    this.send({ type: 'task_complete', task_id: task.task_id, generation: task.generation, result, verification_report: null, verification_history: null })
    const reply = await this.client.next((f) => (f.type === 'task_ack' && f.task_id === task.task_id) || f.type === 'error')
    this.active = null
    return reply
  }

  async fail(reason: string): Promise<Frame> {
    const task = this.mustHaveActive()
    this.send({ type: 'task_failed', task_id: task.task_id, reason, generation: task.generation })
    const reply = await this.client.next((f) => (f.type === 'task_ack' && f.task_id === task.task_id) || f.type === 'error')
    this.active = null
    return reply
  }

  /** After reconnecting with a task in flight: task_recovering → task_continue | task_reassign. */
  async recover(): Promise<Frame> {
    const task = this.mustHaveActive()
    this.send({ type: 'task_recovering', task_id: task.task_id, description: task.description, metadata: {}, last_status: 'working' })
    const answer = await this.client.next((f) => (f.type === 'task_continue' || f.type === 'task_reassign') && f.task_id === task.task_id)
    if (answer.type === 'task_continue') this.active = { ...task, generation: answer.generation }
    else this.active = null
    return answer
  }

  private mustHaveActive(): ActiveTask {
    if (!this.active) throw new Error(`${this.agentId} has no active task`)
    return this.active
  }
}
