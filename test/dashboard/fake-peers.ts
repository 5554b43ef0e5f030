// Fake peer actors registered under the real names (actors/names.ts), answering the calls of
// relay/hub/CONTRACTS.md in their real reply shapes, with state the tests set.
import { Actor, replyError, type ActorSystem } from '../../actors/runtime'
import { ACTOR } from '../../actors/names'

type Json = Record<string, unknown>

export interface FakeQueueState {
  stats: Json
  queued: Json[]
  assigned: Json[]
  deadLetter: Json[]
  /** calls received, in order */
  calls: Json[]
}

export function emptyQueueState(): FakeQueueState {
  return { stats: { by_status: {}, by_priority: {}, dead_letter: 0, queued_index_size: 0 }, queued: [], assigned: [], deadLetter: [], calls: [] }
}

class FakeTaskQueue extends Actor<Json & { type: string }, never, never, { state: FakeQueueState }> {
  private state!: FakeQueueState
  override init(args: { state: FakeQueueState }): void {
    this.state = args.state
  }
  override handleCall(msg: Json & { type: string }): unknown {
    this.state.calls.push(msg)
    switch (msg.type) {
      case 'stats':
        return this.state.stats
      case 'dead_letter':
        return this.state.deadLetter
      case 'list': {
        const status = (msg.filter as Json | undefined)?.status
        return status === 'assigned' ? this.state.assigned : status === 'queued' ? this.state.queued : [...this.state.queued, ...this.state.assigned]
      }
      case 'retry_dead_letter': {
        const i = this.state.deadLetter.findIndex((t) => t.id === msg.task_id)
        if (i < 0) return { ok: false, error: 'not_found' }
        const [task] = this.state.deadLetter.splice(i, 1)
        this.state.queued.push({ ...task, status: 'queued' })
        return { ok: true, task }
      }
      default:
        return replyError(new TypeError(`task-queue: unknown call ${msg.type}`))
    }
  }
}

class FakeAgents extends Actor<{ type: string }, never, never, { agents: Json[] }> {
  private agents: Json[] = []
  override init(args: { agents: Json[] }): void {
    this.agents = args.agents
  }
  override handleCall(msg: { type: string }): unknown {
    if (msg.type === 'list') return this.agents
    return replyError(new TypeError('agents: unknown call'))
  }
}

/** Never answers (a peer stuck in a long handler). */
class SilentPeer extends Actor<{ type: string }, never, never, void> {
  override handleCall(): unknown {
    return new Promise(() => undefined)
  }
}

export async function startFakeQueue(system: ActorSystem, state: FakeQueueState = emptyQueueState()): Promise<FakeQueueState> {
  await system.spawn(FakeTaskQueue, { state }, { name: ACTOR.taskQueue })
  return state
}

export async function startFakeAgents(system: ActorSystem, agents: Json[]): Promise<void> {
  await system.spawn(FakeAgents, { agents }, { name: ACTOR.agents })
}

/** Returns a function that kills it (a stuck handler would hold up shutdown on a virtual clock). */
export async function startSilentPeer(system: ActorSystem, name: string): Promise<() => void> {
  const ref = await system.spawn(SilentPeer, undefined, { name })
  return () => system.exit(ref, 'kill')
}

/** A TaskView-like record as the queue publishes it. */
export function taskView(id: string, fields: Json = {}): Json {
  return {
    id,
    description: `task ${id}`,
    priority: 2,
    status: 'queued',
    assigned_to: null,
    assigned_at: null,
    generation: 0,
    retry_count: 0,
    tokens_used: null,
    last_error: null,
    submitted_by: 'tester',
    created_at: 1_000,
    updated_at: 1_000,
    result: null,
    verification_report: null,
    routing_decision: null,
    complexity: null,
    ...fields,
  }
}
