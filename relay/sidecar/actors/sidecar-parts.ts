// The wiring board the sidecar's actors share (one per sidecar process). Each actor owns the
// lifecycle of one existing class (it creates the instance in `init` and releases it in
// `terminate`) and publishes it here, so the others reach whatever instance is current after a
// restart instead of a dead predecessor. Only in-memory actors of one sidecar see this object.
import type { Clock } from '../clock'
import type { SidecarConfig } from '../config'
import type { HubConnection, HubConnectionOptions } from '../connection'
import type { EventLog } from '../event-log'
import type { InboundFrame, OutboundFrame } from '../frames'
import type { LocalQueue, TaskRecord } from '../local-queue'
import type { HostProbes, ResourceReporter } from '../resources'
import type { RelayConnection, RelayEvent, RelayWorkspaces, TaskRelay } from '../task-relay'
import type { TaskRunner } from '../task-runner'
import type { WakeRunner, WakeRunnerOptions } from '../wake'

/** Registered actor names of the sidecar tree. */
export const SIDECAR_ACTOR = {
  root: 'sidecar',
  link: 'sidecar_link',
  work: 'sidecar_work',
  localQueue: 'sidecar_local_queue',
  connection: 'sidecar_connection',
  resourceReporter: 'sidecar_resource_reporter',
  wake: 'sidecar_wake',
  executor: 'sidecar_executor',
} as const

/** What the executor actor's mailbox receives from the connection, in socket order. */
export type ExecutorCast =
  | { type: 'frame'; frame: InboundFrame }
  | { type: 'identified' }
  | { type: 'disconnected' }

export interface SidecarPartsOptions {
  config: SidecarConfig
  clock: Clock
  log: EventLog
  random?: () => number
  directRunner: TaskRunner
  wake?: Partial<WakeRunnerOptions>
  workspaces?: RelayWorkspaces
  probes?: HostProbes
  env?: NodeJS.ProcessEnv
  connection?: Partial<HubConnectionOptions>
  keepaliveIntervalMs?: number
  outboxAckTimeoutMs?: number
  /** a restarted executor fails (instead of resuming) a task that already started this many runs */
  maxRunsPerTask?: number
  onQueuePersisted?: (what: string, active: TaskRecord | null) => void
  onEvent?: (event: RelayEvent) => void
  onFrameSent?: (frame: OutboundFrame) => void
}

export class SidecarParts {
  queue: LocalQueue | null = null
  connection: HubConnection | null = null
  reporter: ResourceReporter | null = null
  wakeRunner: WakeRunner | null = null
  relay: TaskRelay | null = null
  /** true once the start-up recovery (active → recovering) ran; a restarted queue must not redo it */
  recoveredAtStart = false
  /** how many times the executor actor has started (1 = the first start) */
  executorStarts = 0
  /** frames that arrived while no executor was registered (restarting); its next init replays them */
  readonly heldForExecutor: ExecutorCast[] = []

  constructor(readonly o: SidecarPartsOptions) {}

  get config(): SidecarConfig {
    return this.o.config
  }

  get clock(): Clock {
    return this.o.clock
  }

  get log(): EventLog {
    return this.o.log
  }

  /** Hands a connection event to the executor's mailbox, or holds it while the executor restarts. */
  toExecutor(system: { whereis(name: string): { cast(msg: ExecutorCast): void } | undefined }, msg: ExecutorCast): void {
    const executor = system.whereis(SIDECAR_ACTOR.executor)
    if (executor) executor.cast(msg)
    else this.heldForExecutor.push(msg)
  }

  /** The held frames, oldest first; link changes are left out (the executor reads the current state). */
  takeHeldFrames(): InboundFrame[] {
    const frames = this.heldForExecutor.flatMap((m) => (m.type === 'frame' ? [m.frame] : []))
    this.heldForExecutor.length = 0
    return frames
  }

  requireQueue(): LocalQueue {
    if (!this.queue) throw new Error('the local queue is not running')
    return this.queue
  }

  /** The relay's view of the hub link: always the connection that is current right now. */
  readonly relayConnection: RelayConnection = {
    send: (frame) => this.connection?.send(frame) ?? false,
    isIdentified: () => this.connection?.isIdentified() ?? false,
  }
}
