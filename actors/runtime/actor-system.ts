import type { Actor, ActorClass, ArgsOf, CallOf, CastOf, MonitorId } from './actor'
import { DEFAULT_CALL_TIMEOUT_MS, type ActorRef, type CallOptions } from './actor-ref'
import { Bus } from './bus'
import { Cell, cellOf, type CellHost, type CellStatus } from './cell'
import { SystemClock, VirtualClock, type Clock, type Quiescence } from './clock'
import { ComedySubstrate, type InMemoryHost } from './comedy-substrate'
import { ActorExited, NameTaken, SystemStopped } from './errors'
import { reasonFromThrown, type ExitReason } from './exit-reason'
import { ForkedProxy, type ForkedProxyArgs } from './forked-proxy'
import { consoleLogger, type Logger } from './logger'

export interface ActorSystemOptions {
  /** Default: SystemClock. A VirtualClock is attached so advance() waits for idle actors. */
  clock?: Clock
  /** Default: JSON lines on stderr, warn and above. */
  logger?: Logger
  /** Bound on terminate after a crash (a graceful stop uses its own timeout). Default 5000. */
  terminateTimeoutMs?: number
}

export type ActorMode = 'in-memory' | 'forked'

export interface SpawnOptions {
  /** Registered name (unique among live actors; freed when the actor exits). */
  name?: string
  /** Default 'in-memory'. 'forked' runs the actor in a child process (comedy forked mode). */
  mode?: ActorMode
  /** forked only: absolute path of the module exporting the actor class (by its class name, or default). */
  module?: string
}

/** spawn's args are optional when the actor's init takes none. */
export type SpawnRest<A> = undefined extends ArgsOf<A>
  ? [args?: ArgsOf<A>, opts?: SpawnOptions]
  : [args: ArgsOf<A>, opts?: SpawnOptions]

export type RefOf<A> = ActorRef<CallOf<A>, CastOf<A>>

export interface ActorInfo {
  id: string
  name: string | undefined
  class: string
  mode: ActorMode
  status: CellStatus
  mailbox: number
  timers: number
  spawnedAt: number
}

/** A ref that resolves a registered name at every use (like calling a gen_server by name). */
export interface NamedRef<Call = unknown, Cast = unknown> {
  readonly name: string
  call<R = unknown>(msg: Call, opts?: CallOptions): Promise<R>
  cast(msg: Cast): void
  isAlive(): boolean
  current(): ActorRef<Call, Cast> | undefined
}

let systemCounter = 0

export class ActorSystem implements Quiescence {
  readonly clock: Clock
  readonly logger: Logger
  readonly bus: Bus
  private readonly node: number
  private nextPid = 1
  private monitorCounter = 1
  private progressCounter = 0
  private spawning = 0
  private stopping = false
  private stopped = false
  private readonly cells = new Map<string, Cell>()
  private readonly names = new Map<string, Cell>()
  private readonly hosts = new Map<Cell, InMemoryHost>()
  private readonly substrate = new ComedySubstrate()
  private readonly terminateTimeoutMs: number
  private readonly detachClock: (() => void) | undefined
  private readonly host: CellHost

  constructor(opts: ActorSystemOptions = {}) {
    this.clock = opts.clock ?? new SystemClock()
    this.logger = opts.logger ?? consoleLogger('warn')
    this.bus = new Bus(this.logger)
    this.node = systemCounter++
    this.terminateTimeoutMs = opts.terminateTimeoutMs ?? 5000
    this.detachClock = this.clock instanceof VirtualClock ? this.clock.attach(this) : undefined
    this.host = {
      system: this,
      clock: this.clock,
      logger: this.logger,
      nextMonitorId: () => this.monitorCounter++,
      noteProgress: () => {
        this.progressCounter++
      },
      subscribe: (topic, cell) => this.bus.subscribe(topic, cell.ref),
      unsubscribe: (topic, cell) => this.bus.unsubscribe(topic, cell.ref),
      publish: (topic, event) => this.bus.publish(topic, event),
      cellExited: (cell) => this.forget(cell),
    }
  }

  /** Starts an actor; resolves once init succeeded, rejects with init's error. */
  spawn<A extends Actor<any, any, any, any>>(cls: ActorClass<A>, ...rest: SpawnRest<A>): Promise<RefOf<A>> {
    const [args, opts = {}] = rest as [unknown, SpawnOptions | undefined]
    if (opts.mode === 'forked') return this.spawnForked(cls, args, opts) as Promise<RefOf<A>>
    if (opts.mode !== undefined && opts.mode !== 'in-memory') {
      return Promise.reject(new TypeError(`unknown actor mode ${String(opts.mode)}; use 'in-memory' or 'forked'`))
    }
    return this.spawnCell(() => new cls(), cls.name, args, opts.name, 'in-memory') as Promise<RefOf<A>>
  }

  private spawnForked(cls: ActorClass<Actor<any, any, any, any>>, args: unknown, opts: SpawnOptions): Promise<ActorRef> {
    const module = opts.module ?? (cls as unknown as { module?: unknown }).module
    if (typeof module !== 'string' || !module.startsWith('/')) {
      return Promise.reject(new TypeError(`forked mode needs opts.module: the absolute path of the module exporting ${cls.name}`))
    }
    const proxyArgs: ForkedProxyArgs = { substrate: this.substrate, module, exportName: cls.name, args, name: opts.name }
    return this.spawnCell(() => new ForkedProxy(), cls.name, proxyArgs, opts.name, 'forked')
  }

  private async spawnCell(
    construct: () => Actor<any, any, any, any>,
    className: string,
    args: unknown,
    name: string | undefined,
    mode: ActorMode,
  ): Promise<ActorRef> {
    if (this.stopping) throw new SystemStopped()
    if (name !== undefined) this.assertNameFree(name)
    const cell = new Cell({
      id: `<${this.node}.${this.nextPid++}.0>`,
      name,
      className,
      mode,
      actor: construct(),
      host: this.host,
      terminateTimeoutMs: this.terminateTimeoutMs,
    })
    this.cells.set(cell.id, cell)
    if (name !== undefined) this.names.set(name, cell)
    this.spawning++
    let host: InMemoryHost
    try {
      host = await this.substrate.hostInMemory(name, () => cell.runInit(args))
    } catch (thrown) {
      await cell.initFailed(reasonFromThrown(thrown))
      throw thrown
    } finally {
      this.spawning--
    }
    if (!cell.started()) {
      // killed while comedy finished hosting it: the cell is already forgotten, release its host
      host.destroy().catch((err: unknown) => this.logger.warn('comedy destroy failed', { actor: cell.id, error: String(err) }))
      throw new ActorExited(cell.id, cell.exitReason ?? 'noproc')
    }
    this.hosts.set(cell, host)
    return cell.ref
  }

  private assertNameFree(name: string): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`actor name must be a non-empty string, got ${String(name)}`)
    const holder = this.names.get(name)
    if (holder) throw new NameTaken(name, holder.id)
  }

  private forget(cell: Cell): void {
    this.cells.delete(cell.id)
    if (cell.name !== undefined && this.names.get(cell.name) === cell) this.names.delete(cell.name)
    const host = this.hosts.get(cell)
    this.hosts.delete(cell)
    host?.destroy().catch((err: unknown) => this.logger.warn('comedy destroy failed', { actor: cell.id, error: String(err) }))
  }

  // ---- registry ------------------------------------------------------------------------

  whereis<Call = unknown, Cast = unknown>(name: string): ActorRef<Call, Cast> | undefined {
    return this.names.get(name)?.ref as ActorRef<Call, Cast> | undefined
  }

  /** Registers a live actor under `name` (throws NameTaken). An actor holds at most one name. */
  register(name: string, ref: ActorRef): void {
    const cell = this.liveCell(ref)
    if (!cell) throw new ActorExited(ref.id, 'noproc')
    if (cell.name === name && this.names.get(name) === cell) return
    this.assertNameFree(name)
    if (cell.name !== undefined) throw new NameTaken(cell.name, `${cell.id} (an actor holds one name)`)
    cell.name = name
    this.names.set(name, cell)
  }

  unregister(name: string): void {
    const cell = this.names.get(name)
    if (!cell) return
    this.names.delete(name)
    cell.name = undefined
  }

  registered(): string[] {
    return [...this.names.keys()].sort()
  }

  byName<Call = unknown, Cast = unknown>(name: string): NamedRef<Call, Cast> {
    const current = () => this.whereis<Call, Cast>(name)
    return {
      name,
      current,
      isAlive: () => current()?.isAlive() ?? false,
      cast: (msg) => current()?.cast(msg),
      call: <R = unknown>(msg: Call, opts?: CallOptions): Promise<R> => {
        const ref = current()
        return ref ? ref.call<R>(msg, opts) : Promise.reject(new ActorExited(name, 'noproc'))
      },
    }
  }

  /** Finds a live actor by pid-like id (`<0.42.0>`) or by registered name. */
  lookup(idOrName: string): ActorRef | undefined {
    return (this.cells.get(idOrName) ?? this.names.get(idOrName))?.ref
  }

  // ---- introspection -------------------------------------------------------------------

  actors(): ActorInfo[] {
    return [...this.cells.values()].map((c) => ({
      id: c.id,
      name: c.name,
      class: c.className,
      mode: c.mode,
      status: c.status,
      mailbox: c.mailboxSize,
      timers: c.pendingTimerCount,
      spawnedAt: c.spawnedAt,
    }))
  }

  /** The actor's snapshot(), taken in mailbox order (like sys:get_state). */
  inspect(ref: ActorRef, opts: CallOptions = {}): Promise<unknown> {
    const cell = cellOf(ref)
    if (!cell) return Promise.reject(new TypeError('not an actor ref of this runtime'))
    return cell.inspect(opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS)
  }

  // ---- ending actors -------------------------------------------------------------------

  /**
   * Like erlang:exit(Pid, Reason). 'kill' is untrappable: the actor ends with 'killed' and
   * terminate does not run. Otherwise an actor that traps exits gets an `exit` info (ref null);
   * one that does not exits with `reason` (terminate runs) — except 'normal', which it ignores.
   */
  exit(ref: ActorRef, reason: ExitReason | 'kill'): void {
    const cell = this.liveCell(ref)
    if (!cell) return
    if (reason === 'kill') cell.kill()
    else cell.exitSignal(null, reason)
  }

  /**
   * Graceful stop: after the current handler, terminate(reason) runs; queued calls reject with
   * ActorExited. If it has not ended within `timeoutMs` it is killed (reason 'killed').
   * Resolves with the final exit reason.
   */
  stop(ref: ActorRef, reason: ExitReason = 'normal', timeoutMs = 5000): Promise<ExitReason> {
    const cell = cellOf(ref)
    if (!cell) return Promise.resolve('noproc')
    return cell.stop(reason, timeoutMs)
  }

  /** Calls `onExit(reason)` when the actor exits (at once with 'noproc' if dead). Returns a cancel function. */
  monitor(ref: ActorRef, onExit: (reason: ExitReason) => void): () => void {
    const cell = cellOf(ref)
    if (!cell) throw new TypeError('not an actor ref of this runtime')
    const id: MonitorId = cell.addWatcher(onExit)
    return () => cell.removeWatcher(id)
  }

  /** Resolves with the exit reason once the actor has exited. */
  exited(ref: ActorRef): Promise<ExitReason> {
    const cell = cellOf(ref)
    return cell ? cell.exited : Promise.resolve('noproc')
  }

  get isShuttingDown(): boolean {
    return this.stopping
  }

  /** Stops every actor (newest first, reason 'shutdown'), then the substrate. Idempotent. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    if (this.stopped) return
    this.stopping = true
    for (const cell of [...this.cells.values()].reverse()) {
      if (cell.isAlive) await cell.stop('shutdown', timeoutMs)
    }
    await Promise.all([...this.cells.values()].map((c) => c.exited))
    this.stopped = true
    this.detachClock?.()
    await this.substrate.destroy()
  }

  // ---- quiescence (VirtualClock) -------------------------------------------------------

  isIdle(): boolean {
    if (this.spawning > 0) return false
    for (const cell of this.cells.values()) if (!cell.idle) return false
    return true
  }

  progress(): number {
    return this.progressCounter
  }

  private liveCell(ref: ActorRef): Cell | undefined {
    const cell = cellOf(ref)
    return cell?.isAlive ? cell : undefined
  }
}
