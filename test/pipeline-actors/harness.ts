// Test harness for the task pipeline actors: a real LMDB environment in a temp dir, an actor
// system on a VirtualClock, the real `tasks` supervision tree, and fake session actors
// registered as `agent:<id>` that record every frame pushed to them (the wire shape the real
// session would put on the socket).

import type { Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Actor, createTestSystem, noReply, type ActorRef, type ActorSystem, type NamedRef, type VirtualClock } from '../../actors/runtime'
import { openStorage, type Storage } from '../../storage'
import { dynamicSupervisorSpec, startSupervisor, supervisorSpec, workerSpec } from '../../supervisors'
import { TaskQueueActor } from '../../actors/task-queue/actor'
import { AgentsActor } from '../../actors/agent-fsm/agents'
import { tasksTree, type TasksTreeDeps } from '../../supervisors/trees/tasks-tree'
import { ACTOR, TOPIC, fsmName, sessionName } from '../../actors/names'
import type { AgentState, OfferReply } from '../../actors/agent-fsm/actor'
import type { TaskQueueCall, TaskQueueCast, TaskEventMessage } from '../../actors/task-queue/actor'
import type { AgentsCall, AgentsCast } from '../../actors/agent-fsm/agents'
import type { Task } from '../../actors/task-queue/task'

export interface PushedFrame {
  type: string
  task_id?: string
  generation?: number
  [key: string]: unknown
}

export interface SessionLog {
  frames: PushedFrame[]
  closes: Array<{ code: number; reason: string }>
  /** autoWork sessions: tasks whose completion the queue accepted */
  completed: string[]
}

type SessionCast = { type: 'push'; frame: PushedFrame } | { type: 'close'; code: number; reason: string }

export interface FakeSessionArgs {
  log: SessionLog
  agent_id: string
  /** behave like an instant sidecar: accept and complete every task_assign at once */
  autoWork?: boolean
}

/** The hub's side of one sidecar, reduced to a recorder (and optionally an instant worker). */
export class FakeSession extends Actor<never, SessionCast, never, FakeSessionArgs> {
  private log!: SessionLog
  private agentId = ''
  private autoWork = false
  override init(args: FakeSessionArgs): void {
    this.log = args.log
    this.agentId = args.agent_id
    this.autoWork = args.autoWork ?? false
  }
  override async handleCast(msg: SessionCast): Promise<void> {
    if (msg.type === 'close') {
      this.log.closes.push({ code: msg.code, reason: msg.reason })
      return
    }
    this.log.frames.push(msg.frame)
    if (!this.autoWork || msg.frame.type !== 'task_assign') return
    const queue = this.ctx.system.byName(ACTOR.taskQueue)
    const task_id = msg.frame.task_id!
    try {
      await queue.call({ type: 'accepted', task_id, agent_id: this.agentId })
      const reply = await queue.call<{ ok: boolean }>({ type: 'complete', task_id, agent_id: this.agentId, generation: msg.frame.generation, result: { by: this.agentId } })
      if (reply.ok) this.log.completed.push(task_id)
    } catch {
      // the queue restarted under us: the task stays assigned and is resumed after reconnect
    }
  }
}

export function tempDataDir(t: Test, prefix = 'agentcom-pipeline-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Waits (real time, in small steps) until `check` holds; fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined && value !== false && value !== null) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

export interface Pipeline {
  system: ActorSystem
  clock: VirtualClock
  storage: Storage
  dataDir: string
  queue: NamedRef<TaskQueueCall, TaskQueueCast>
  agents: NamedRef<AgentsCall, AgentsCast>
  /** every event published on `tasks`, in order */
  taskEvents: TaskEventMessage[]
  /** every event published on `presence` */
  presence: Array<{ type: string; agent_id?: string }>
  telemetry: Array<{ event: string; measurements: Record<string, number>; metadata: Record<string, unknown> }>
  sessions: Map<string, SessionLog>
  /** registers a fake session `agent:<id>` and identifies the agent; resolves with its fsm_state */
  connect(agentId: string, capabilities?: string[], opts?: { sessionId?: string; autoWork?: boolean }): Promise<string>
  disconnect(agentId: string, sessionId?: string): void
  /** registers the fake session only (no identify) */
  openSession(agentId: string, autoWork?: boolean): Promise<SessionLog>
  submit(input: Record<string, unknown>): Promise<Task>
  /** the stored record, straight from LMDB (committed state only) */
  stored(taskId: string): Task | undefined
  /** task_assign frames pushed to an agent */
  assigns(agentId: string): PushedFrame[]
  /** offers a task to the agent's FSM, as the scheduler does */
  offer(agentId: string, taskId: string): Promise<OfferReply>
  /** the FSM's state as the agents actor mirrors it (null: no FSM) */
  agentState(agentId: string): Promise<AgentState | null>
  /** lets commits land and actors go idle */
  settle(): Promise<void>
}

export interface PipelineOptions extends Partial<Omit<TasksTreeDeps, 'storage'>> {
  dataDir?: string
  /** false: the same tree without the scheduler and the stuck sweeper (tests drive offers) */
  scheduler?: boolean
}

/** Starts the real `tasks` tree under a root supervisor on a virtual clock. */
export async function startPipeline(t: Test, opts: PipelineOptions = {}): Promise<Pipeline> {
  const dataDir = opts.dataDir ?? tempDataDir(t)
  const storage = openStorage({ dataDir })
  const ts = createTestSystem()
  const { system, clock } = ts
  const taskEvents: TaskEventMessage[] = []
  const presence: Pipeline['presence'] = []
  const telemetry: Pipeline['telemetry'] = []
  system.bus.subscribe(TOPIC.tasks, (e) => void taskEvents.push(e as TaskEventMessage))
  system.bus.subscribe(TOPIC.presence, (e) => void presence.push(e as { type: string; agent_id?: string }))
  system.bus.subscribe(TOPIC.telemetry, (e) => {
    const ev = e as { type?: string; event: string; measurements: Record<string, number>; metadata: Record<string, unknown> }
    if (ev.type === 'telemetry') telemetry.push(ev)
  })
  t.teardown(async () => {
    await ts.shutdown()
    await storage.close()
  })
  const tree =
    opts.scheduler === false
      ? supervisorSpec({
          name: 'tasks',
          strategy: 'rest_for_one',
          children: [
            workerSpec(TaskQueueActor, { storage, taskTtlMs: opts.taskTtlMs }, { name: ACTOR.taskQueue }),
            dynamicSupervisorSpec({ name: ACTOR.agentFsms }),
            workerSpec(AgentsActor, {}, { name: ACTOR.agents }),
          ],
        })
      : tasksTree({ ...opts, storage })
  await startSupervisor(system, { name: 'root', children: [tree] })

  const sessions = new Map<string, SessionLog>()
  const sessionIds = new Map<string, string>()
  let nextSession = 1
  const openSession = async (agentId: string, autoWork = false): Promise<SessionLog> => {
    const log: SessionLog = { frames: [], closes: [], completed: [] }
    sessions.set(agentId, log)
    const old = system.whereis(sessionName(agentId))
    if (old) await system.stop(old)
    await system.spawn(FakeSession, { log, agent_id: agentId, autoWork }, { name: sessionName(agentId) })
    return log
  }
  const queue = system.byName<TaskQueueCall, TaskQueueCast>(ACTOR.taskQueue)
  const agents = system.byName<AgentsCall, AgentsCast>(ACTOR.agents)
  const p: Pipeline = {
    system,
    clock,
    storage,
    dataDir,
    queue,
    agents,
    taskEvents,
    presence,
    telemetry,
    sessions,
    openSession,
    async connect(agentId, capabilities = [], opts = {}) {
      await openSession(agentId, opts.autoWork)
      const sid = opts.sessionId ?? `s${nextSession++}`
      sessionIds.set(agentId, sid)
      const reply = await agents.call<{ fsm_state: string }>({ type: 'agent_connected', agent_id: agentId, name: agentId, capabilities, session_id: sid })
      return reply.fsm_state
    },
    disconnect(agentId, sessionId) {
      agents.cast({ type: 'agent_disconnected', agent_id: agentId, session_id: sessionId ?? sessionIds.get(agentId) ?? '', reason: 'test' })
    },
    async submit(input) {
      const reply = await queue.call<{ ok: true; task: Task }>({ type: 'submit', input, submitted_by: 'tester' })
      return reply.task
    },
    stored(taskId) {
      return storage.table<string, Task>('task_queue').get(taskId) ?? storage.table<string, Task>('task_dead_letter').get(taskId)
    },
    assigns(agentId) {
      return (sessions.get(agentId)?.frames ?? []).filter((f) => f.type === 'task_assign')
    },
    offer(agentId, taskId) {
      const fsm = system.whereis(fsmName(agentId))
      if (!fsm) return Promise.resolve({ ok: false, reason: 'not_idle', detail: 'no FSM' } as OfferReply)
      return fsm.call<OfferReply>({ type: 'offer', task_id: taskId })
    },
    async agentState(agentId) {
      await p.settle()
      return agents.call<AgentState | null>({ type: 'get', agent_id: agentId })
    },
    async settle() {
      await clock.settle()
      await storage.settled()
      await clock.settle()
    },
  }
  return p
}

/** An actor that answers one call type with a fixed value, or never (to test timeouts). */
export class FixedAnswer extends Actor<{ type: string }, never, never, { answers: Record<string, unknown>; hang?: boolean }> {
  private answers: Record<string, unknown> = {}
  private hang = false
  override init(args: { answers: Record<string, unknown>; hang?: boolean }): void {
    this.answers = args.answers
    this.hang = args.hang ?? false
  }
  override handleCall(msg: { type: string }): unknown {
    if (this.hang) return noReply // never answers, yet stays stoppable
    return this.answers[msg.type] ?? null
  }
}

export type { ActorRef }
