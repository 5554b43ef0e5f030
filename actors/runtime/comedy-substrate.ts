// The only module that touches comedy. In-memory actors are hosted as comedy in-memory actors
// (comedy runs their init and owns their lifecycle in its tree); our mailbox, ordering and
// crash semantics sit on top, because comedy's in-memory dispatch runs async handlers
// concurrently and has no notion of call timeouts, monitors or deferred replies. Forked actors
// are comedy forked actors: a child process running forked-host, which hosts the real actor in
// a small ActorSystem of its own.

import type { ChildProcess } from 'node:child_process'
import { extname, join } from 'node:path'
import { createSystem, type Actor as ComedyActor, type ActorRef as ComedyRef, type ActorSystem as ComedySystem } from 'comedy'

/** What the parent sends the forked host (via comedy's customParameters; JSON only). */
export interface ForkParams {
  module: string
  exportName: string
  args: unknown
  name: string | undefined
}

/** What the forked host tells the parent just before its process exits. */
export interface ForkedExitNotice {
  agentcom: 'exit'
  reason: string
  normal: boolean
}

export interface ForkedProcessEnd {
  code: number | null
  signal: NodeJS.Signals | null
  notice: ForkedExitNotice | undefined
}

export interface InMemoryHost {
  destroy(): Promise<void>
}

export interface ForkedHandle {
  readonly pid: number | undefined
  readonly comedyId: string
  call(msg: unknown): Promise<unknown>
  cast(msg: unknown): void
  /** Graceful: the child stops its actor (terminate runs) and then its process exits. */
  stop(reason: unknown): Promise<void>
  kill(): void
  hasExited(): boolean
}

interface ForkedActorInternals {
  workerProcess?: ChildProcess
  timeoutWorkerInterval?: NodeJS.Timeout
  exitHandler?: () => void
}

interface ComedyInternals {
  sigintHandler?: () => void
  sigtermHandler?: () => void
  createActor(definition: unknown, parent: unknown, config: object): Promise<ComedyProxy>
}

interface ComedyProxy extends ComedyRef {
  initialize(): Promise<void>
  getWrapped(): unknown
}

export const FORKED_HOST_MODULE = join(__dirname, 'forked-host' + extname(__filename))

export class ComedySubstrate {
  private readonly system: ComedySystem
  private readonly root: Promise<ComedyActor>
  private readonly forked = new Set<ForkedHandle>()

  constructor() {
    this.system = createSystem({ test: true, config: {} })
    // comedy exits the process on SIGINT/SIGTERM; the hub decides that itself.
    const internals = this.system as unknown as ComedyInternals
    if (internals.sigintHandler) process.removeListener('SIGINT', internals.sigintHandler)
    if (internals.sigtermHandler) process.removeListener('SIGTERM', internals.sigtermHandler)
    this.root = Promise.resolve(this.system.rootActor())
  }

  /** Creates the comedy in-memory actor for one of ours; `init` runs as its initialize. */
  async hostInMemory(name: string | undefined, init: () => Promise<void>): Promise<InMemoryHost> {
    const root = await this.root
    const actor = await root.createChild({ initialize: () => init() }, { mode: 'in-memory', name: name ?? '' })
    return { destroy: () => Promise.resolve(actor.destroy()) }
  }

  /** Forks a child process hosting the actor; rejects with the child's init error. */
  async fork(params: ForkParams, onEnd: (end: ForkedProcessEnd) => void): Promise<ForkedHandle> {
    const root = await this.root
    const internals = this.system as unknown as ComedyInternals
    const proxy = await internals.createActor('/' + FORKED_HOST_MODULE, root, {
      mode: 'forked',
      name: params.name ?? params.exportName,
      customParameters: params,
    })
    const parent = proxy.getWrapped() as ForkedActorInternals
    let notice: ForkedExitNotice | undefined
    let exited = false
    const watchProcess = (proc: ChildProcess) => {
      proc.on('message', (msg: unknown) => {
        if (isExitNotice(msg)) notice = msg
      })
      proc.once('exit', (code, signal) => {
        exited = true
        releaseParentResources(parent)
        this.forked.delete(handle)
        onEnd({ code, signal, notice })
      })
    }
    const handle: ForkedHandle = {
      get pid() {
        return parent.workerProcess?.pid
      },
      comedyId: proxy.getId(),
      call: (msg) => Promise.resolve(proxy.sendAndReceive('call', msg)),
      cast: (msg) => {
        // comedy's send() defers the handler one tick more than sendAndReceive(), so a cast
        // could overtake an earlier call; sending both the same way keeps mailbox order.
        Promise.resolve(proxy.sendAndReceive('cast', msg)).catch(() => {}) // a dead child surfaces through onEnd
      },
      stop: async (reason) => {
        await proxy.sendAndReceive('stop', reason)
        await proxy.destroy()
      },
      kill: () => {
        if (!exited) parent.workerProcess?.kill('SIGKILL')
      },
      hasExited: () => exited,
    }
    this.forked.add(handle)
    try {
      await proxy.initialize()
    } catch (err) {
      // The worker sent its error and is exiting; comedy leaves a timer and an exit hook behind.
      parent.workerProcess?.kill('SIGKILL')
      releaseParentResources(parent)
      this.forked.delete(handle)
      throw err
    }
    if (!parent.workerProcess) {
      releaseParentResources(parent)
      this.forked.delete(handle)
      throw new Error('forked actor process exited during start')
    }
    watchProcess(parent.workerProcess)
    return handle
  }

  async destroy(): Promise<void> {
    for (const handle of this.forked) handle.kill()
    await this.system.destroy()
  }
}

function releaseParentResources(parent: ForkedActorInternals): void {
  if (parent.timeoutWorkerInterval) clearInterval(parent.timeoutWorkerInterval)
  if (parent.exitHandler) process.removeListener('exit', parent.exitHandler)
}

function isExitNotice(msg: unknown): msg is ForkedExitNotice {
  return typeof msg === 'object' && msg !== null && (msg as { agentcom?: unknown }).agentcom === 'exit'
}

/**
 * For bench/runtime.ts: raw comedy in-memory request/reply round trips per second (no ordering
 * guarantee for async handlers, no timeouts), to compare with our layer on top.
 */
export async function benchComedyInMemoryRoundTrips(iterations: number): Promise<number> {
  const system = createSystem({ test: true, config: {} })
  const internals = system as unknown as ComedyInternals
  if (internals.sigintHandler) process.removeListener('SIGINT', internals.sigintHandler)
  if (internals.sigtermHandler) process.removeListener('SIGTERM', internals.sigtermHandler)
  const root = await system.rootActor()
  const actor = await root.createChild({ ask: (n: number) => n + 1 }, { mode: 'in-memory' })
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) await actor.sendAndReceive('ask', i)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  await system.destroy()
  return iterations / seconds
}
