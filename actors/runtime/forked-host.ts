// Loaded by comedy inside a forked child process: hosts the real actor in a small ActorSystem
// of its own and relays call/cast/stop from the parent. When the actor ends on its own, the
// process tells the parent why and exits (code 0 for a normal exit, 1 otherwise), which the
// parent-side proxy turns into the actor's exit.

import type { Actor } from './actor'
import type { ActorRef } from './actor-ref'
import { ActorSystem } from './actor-system'
import type { ForkedExitNotice, ForkParams } from './comedy-substrate'
import { formatReason, isNormalExit, type ExitReason } from './exit-reason'
import { consoleLogger } from './logger'

type AnyActorClass = new () => Actor<unknown, unknown, unknown, unknown>

interface ComedySelf {
  getCustomParameters(): ForkParams
}

export default class ForkedHost {
  private system: ActorSystem | undefined
  private ref: ActorRef | undefined
  private stopping = false

  async initialize(self: ComedySelf): Promise<void> {
    const params = self.getCustomParameters()
    const ActorClass = loadActorClass(params)
    this.system = new ActorSystem({ logger: consoleLogger('warn') })
    this.ref = await this.system.spawn(ActorClass, params.args as never, { name: params.name })
    this.system.monitor(this.ref, (reason) => {
      if (!this.stopping) exitProcess(reason)
    })
  }

  call(msg: unknown): Promise<unknown> {
    return this.actor().call(msg, { timeoutMs: Number.POSITIVE_INFINITY })
  }

  cast(msg: unknown): void {
    this.actor().cast(msg)
  }

  async stop(reason: ExitReason): Promise<void> {
    this.stopping = true
    if (this.system && this.ref) await this.system.stop(this.ref, reason, Number.POSITIVE_INFINITY)
  }

  async destroy(): Promise<void> {
    await this.system?.shutdown()
  }

  private actor(): ActorRef {
    if (!this.ref) throw new Error('forked actor not started')
    return this.ref
  }
}

function loadActorClass(params: ForkParams): AnyActorClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(params.module) as Record<string, unknown>
  const candidate = mod[params.exportName] ?? mod.default
  if (typeof candidate !== 'function') throw new Error(`${params.module} does not export an actor class ${params.exportName}`)
  return candidate as AnyActorClass
}

function exitProcess(reason: ExitReason): void {
  const normal = isNormalExit(reason)
  const notice: ForkedExitNotice = { agentcom: 'exit', reason: formatReason(reason), normal }
  const code = normal ? 0 : 1
  if (process.send) process.send(notice, () => process.exit(code))
  else process.exit(code)
}
