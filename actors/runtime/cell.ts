// The process behind an ActorRef: mailbox, one-at-a-time dispatch, timers, monitors, links,
// and the exit procedure. Internal to the runtime; everything else sees ActorRef and Actor.

import {
  describeMessage,
  noReply,
  ReplyError,
  type Actor,
  type ActorContext,
  type From,
  type MonitorId,
  type TimerId,
} from './actor'
import { DEFAULT_CALL_TIMEOUT_MS, type ActorRef, type CallOptions } from './actor-ref'
import type { ActorSystem } from './actor-system'
import type { Clock, TimerHandle } from './clock'
import { ActorExited, CallTimeout } from './errors'
import { formatReason, isNormalExit, reasonFromThrown, type ExitReason } from './exit-reason'
import { withMeta, type Logger } from './logger'

export type CellStatus = 'starting' | 'running' | 'exiting' | 'dead'

/** What a cell needs from its actor system. */
export interface CellHost {
  readonly system: ActorSystem
  readonly clock: Clock
  readonly logger: Logger
  nextMonitorId(): MonitorId
  noteProgress(): void
  subscribe(topic: string, cell: Cell): void
  unsubscribe(topic: string, cell: Cell): void
  publish(topic: string, event: unknown): void
  cellExited(cell: Cell): void
}

const enum Kind {
  Call,
  Cast,
  Info,
  Inspect,
}

class Envelope {
  constructor(readonly kind: Kind, readonly msg: unknown) {}
}

class CallEnvelope extends Envelope implements From {
  pending = true
  timer: TimerHandle | undefined = undefined
  owner: Cell | undefined = undefined // set while the reply is deferred
  resolveFn!: (value: unknown) => void
  rejectFn!: (error: Error) => void

  constructor(kind: Kind, msg: unknown, readonly clock: Clock) {
    super(kind, msg)
  }

  reply(value: unknown): void {
    if (!this.pending) return
    this.settle()
    this.resolveFn(value)
  }

  fail(error: Error): void {
    if (!this.pending) return
    this.settle()
    this.rejectFn(error)
  }

  private settle(): void {
    this.pending = false
    if (this.timer !== undefined) this.clock.cancel(this.timer)
    if (this.owner !== undefined) this.owner.forgetDeferred(this)
  }
}

type Watcher = { cell: Cell; fn?: undefined } | { cell?: undefined; fn: (reason: ExitReason) => void }

const DRAIN_BUDGET = 2000 // messages per turn before yielding to I/O

export const CELL: unique symbol = Symbol('agentcom.cell')

/** The ActorRef handed out for a cell. */
export class LocalRef implements ActorRef {
  readonly [CELL]: Cell

  constructor(cell: Cell) {
    this[CELL] = cell
  }

  get id(): string {
    return this[CELL].id
  }

  get name(): string | undefined {
    return this[CELL].name
  }

  call<R = unknown>(msg: unknown, opts?: CallOptions): Promise<R> {
    return this[CELL].call(msg, opts?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS) as Promise<R>
  }

  cast(msg: unknown): void {
    this[CELL].cast(msg)
  }

  isAlive(): boolean {
    const status = this[CELL].status
    return status === 'running' || status === 'starting'
  }

  toString(): string {
    return this.name ? `${this.id}(${this.name})` : this.id
  }

  toJSON(): { id: string; name?: string } {
    return this.name ? { id: this.id, name: this.name } : { id: this.id }
  }
}

export function cellOf(ref: ActorRef): Cell | undefined {
  return ref instanceof LocalRef ? ref[CELL] : undefined
}

export interface CellOptions {
  id: string
  name: string | undefined
  className: string
  mode: 'in-memory' | 'forked'
  actor: Actor<unknown, unknown, unknown, unknown>
  host: CellHost
  terminateTimeoutMs: number
}

interface HandlerSurface {
  init(args: unknown): unknown
  handleCall(msg: unknown, from: From): unknown
  handleCast(msg: unknown): unknown
  handleInfo(msg: unknown): unknown
  terminate(reason: ExitReason): unknown
  releaseOsResources(reason: ExitReason): void
  snapshot(): unknown
}

/** Hook a runtime-internal actor may define to release resources even on 'kill'. */
export const FINALIZE: unique symbol = Symbol('agentcom.finalize')

export class Cell {
  readonly id: string
  name: string | undefined
  readonly className: string
  readonly mode: 'in-memory' | 'forked'
  readonly ref: LocalRef
  readonly log: Logger
  status: CellStatus = 'starting'
  exitReason: ExitReason | undefined = undefined
  readonly exited: Promise<ExitReason>
  trapping = false
  readonly links = new Set<Cell>()
  readonly topics = new Set<string>()
  readonly spawnedAt: number

  private readonly actor: HandlerSurface
  private readonly host: CellHost
  private readonly clock: Clock
  private readonly terminateTimeoutMs: number
  private mailbox: Envelope[] = []
  private head = 0
  private scheduled = false
  private inHandler = false
  private current: CallEnvelope | undefined = undefined
  private readonly deferred = new Set<CallEnvelope>()
  private readonly timers = new Map<TimerId, TimerHandle>()
  private nextTimerId = 1
  private readonly watchers = new Map<MonitorId, Watcher>()
  private readonly watching = new Map<MonitorId, Cell>()
  private stopRequested = false
  private stopReason: ExitReason = 'normal'
  private finalReason: ExitReason | undefined = undefined
  private interruptTerminate: (() => void) | undefined = undefined
  private resolveExited!: (reason: ExitReason) => void
  private readonly drainFn = () => this.drain()

  constructor(opts: CellOptions) {
    this.id = opts.id
    this.name = opts.name
    this.className = opts.className
    this.mode = opts.mode
    this.actor = opts.actor as unknown as HandlerSurface
    this.host = opts.host
    this.clock = opts.host.clock
    this.terminateTimeoutMs = opts.terminateTimeoutMs
    this.spawnedAt = this.clock.now()
    this.ref = new LocalRef(this)
    this.log = withMeta(opts.host.logger, opts.name ? { actor: opts.id, name: opts.name } : { actor: opts.id })
    this.exited = new Promise((resolve) => (this.resolveExited = resolve))
    Object.defineProperty(opts.actor, 'ctx', { value: new Context(this, opts.host), enumerable: false })
  }

  get isAlive(): boolean {
    return this.status === 'running' || this.status === 'starting'
  }

  get mailboxSize(): number {
    return this.mailbox.length - this.head
  }

  get idle(): boolean {
    return this.status === 'dead' || (!this.inHandler && this.mailbox.length === this.head && this.status === 'running')
  }

  // ---- lifecycle ------------------------------------------------------------------------

  async runInit(args: unknown): Promise<void> {
    await this.actor.init(args)
  }

  /** init succeeded: start handling messages. False if the actor was ended meanwhile. */
  started(): boolean {
    if (this.status !== 'starting') return false
    this.status = 'running'
    this.host.noteProgress()
    if (this.stopRequested || this.mailboxSize > 0) this.scheduleDrain()
    return true
  }

  /** init threw: exit with that reason, without terminate (OTP: init's {stop, Reason}). */
  initFailed(reason: ExitReason): Promise<void> {
    return this.exitWith(reason, false)
  }

  // ---- messages ----------------------------------------------------------------------

  call(msg: unknown, timeoutMs: number): Promise<unknown> {
    return this.request(Kind.Call, msg, timeoutMs)
  }

  inspect(timeoutMs: number): Promise<unknown> {
    return this.request(Kind.Inspect, undefined, timeoutMs)
  }

  private request(kind: Kind, msg: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.isAlive) return Promise.reject(new ActorExited(this.id, this.status === 'dead' ? 'noproc' : this.exitReasonSoFar()))
    const env = new CallEnvelope(kind, msg, this.clock)
    const promise = new Promise<unknown>((resolve, reject) => {
      env.resolveFn = resolve
      env.rejectFn = reject
    })
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      env.timer = this.clock.schedule(timeoutMs, () => {
        env.fail(new CallTimeout(this.id, timeoutMs, kind === Kind.Inspect ? 'inspect' : describeMessage(msg)))
      })
    }
    this.enqueue(env)
    return promise
  }

  cast(msg: unknown): void {
    if (this.isAlive) this.enqueue(new Envelope(Kind.Cast, msg))
  }

  info(msg: unknown): void {
    if (this.isAlive) this.enqueue(new Envelope(Kind.Info, msg))
  }

  private enqueue(env: Envelope): void {
    this.mailbox.push(env)
    if (!this.scheduled && !this.inHandler && this.status === 'running') {
      this.scheduled = true
      queueMicrotask(this.drainFn)
    }
  }

  private scheduleDrain(): void {
    if (this.scheduled || this.inHandler || this.status !== 'running') return
    this.scheduled = true
    queueMicrotask(this.drainFn)
  }

  private drain(): void {
    this.scheduled = false
    if (this.status !== 'running' || this.inHandler) return
    let budget = DRAIN_BUDGET
    for (;;) {
      if (this.stopRequested) {
        void this.exitWith(this.stopReason, true)
        return
      }
      if (this.head === this.mailbox.length) {
        if (this.head > 0) {
          this.mailbox = []
          this.head = 0
        }
        return
      }
      if (--budget === 0) {
        this.scheduled = true
        setImmediate(this.drainFn)
        return
      }
      const env = this.mailbox[this.head]
      this.mailbox[this.head++] = undefined as unknown as Envelope
      let result: unknown
      try {
        result = this.dispatch(env)
      } catch (thrown) {
        this.crash(thrown)
        return
      }
      if (isThenable(result)) {
        this.inHandler = true
        result.then(
          (value) => this.afterAsyncHandler(env, value),
          (thrown) => this.afterAsyncFailure(thrown),
        )
        return
      }
      this.complete(env, result)
    }
  }

  private dispatch(env: Envelope): unknown {
    switch (env.kind) {
      case Kind.Call:
        this.current = env as CallEnvelope
        return this.actor.handleCall(env.msg, env as CallEnvelope)
      case Kind.Cast:
        return this.actor.handleCast(env.msg)
      case Kind.Info:
        return this.actor.handleInfo(env.msg)
      case Kind.Inspect:
        this.current = env as CallEnvelope
        return this.safeSnapshot()
    }
  }

  // Looking at an actor from the console must never crash it.
  private safeSnapshot(): unknown {
    try {
      const snap = this.actor.snapshot()
      return isThenable(snap) ? Promise.resolve(snap).catch((e: unknown) => ({ snapshotError: formatReason(reasonFromThrown(e)) })) : snap
    } catch (thrown) {
      return { snapshotError: formatReason(reasonFromThrown(thrown)) }
    }
  }

  private complete(env: Envelope, result: unknown): void {
    if (env instanceof CallEnvelope) {
      this.current = undefined
      this.settleCall(env, result)
    }
    this.host.noteProgress()
  }

  private settleCall(env: CallEnvelope, result: unknown): void {
    if (result === noReply) {
      if (env.pending) {
        env.owner = this
        this.deferred.add(env)
      }
    } else if (result instanceof ReplyError) {
      env.fail(result.error)
    } else {
      env.reply(result)
    }
  }

  private afterAsyncHandler(env: Envelope, value: unknown): void {
    this.inHandler = false
    if (this.status !== 'running') return // ended while the handler ran; its result is dropped
    this.complete(env, value)
    this.drain()
  }

  private afterAsyncFailure(thrown: unknown): void {
    this.inHandler = false
    if (this.status !== 'running') return
    this.crash(thrown)
  }

  forgetDeferred(env: CallEnvelope): void {
    this.deferred.delete(env)
  }

  // ---- timers ------------------------------------------------------------------------

  sendAfter(msg: unknown, ms: number): TimerId {
    const id = this.nextTimerId++
    if (!this.isAlive) return id
    this.timers.set(
      id,
      this.clock.schedule(ms, () => {
        this.timers.delete(id)
        this.info(msg)
      }),
    )
    return id
  }

  interval(msg: unknown, ms: number): TimerId {
    if (!(ms >= 1)) throw new RangeError(`interval needs ms >= 1, got ${ms}`)
    const id = this.nextTimerId++
    if (!this.isAlive) return id
    const arm = (at: number) => {
      this.timers.set(
        id,
        this.clock.schedule(Math.max(0, at - this.clock.now()), () => {
          arm(at + ms)
          this.info(msg)
        }),
      )
    }
    arm(this.clock.now() + ms)
    return id
  }

  cancelTimer(id: TimerId): boolean {
    const handle = this.timers.get(id)
    if (!handle) return false
    this.timers.delete(id)
    this.clock.cancel(handle)
    return true
  }

  get pendingTimerCount(): number {
    return this.timers.size
  }

  // ---- monitors and links --------------------------------------------------------------

  /** `watcher` gets a down info when this cell exits. */
  addWatcher(watcher: Cell | ((reason: ExitReason) => void)): MonitorId {
    const id = this.host.nextMonitorId()
    if (watcher instanceof Cell) {
      if (this.status === 'dead') {
        watcher.info({ type: 'down', monitor: id, ref: this.ref, reason: 'noproc' })
        return id
      }
      this.watchers.set(id, { cell: watcher })
      watcher.watching.set(id, this)
    } else {
      if (this.status === 'dead') {
        queueMicrotask(() => watcher(this.exitReason ?? 'noproc'))
        return id
      }
      this.watchers.set(id, { fn: watcher })
    }
    return id
  }

  removeWatcher(id: MonitorId): void {
    const w = this.watchers.get(id)
    this.watchers.delete(id)
    if (w?.cell) w.cell.watching.delete(id)
  }

  demonitor(id: MonitorId): void {
    const target = this.watching.get(id)
    if (target) target.removeWatcher(id)
  }

  link(other: Cell): void {
    if (other === this) return
    if (!other.isAlive) {
      this.exitSignal(other.ref, 'noproc')
      return
    }
    this.links.add(other)
    other.links.add(this)
  }

  unlink(other: Cell): void {
    this.links.delete(other)
    other.links.delete(this)
  }

  /** An exit signal from a linked actor (or from system.exit with ref null). */
  exitSignal(from: ActorRef | null, reason: ExitReason): void {
    if (!this.isAlive) return
    if (reason === 'kill' && from === null) {
      void this.exitWith('killed', false)
      return
    }
    if (this.trapping) {
      this.info({ type: 'exit', ref: from, reason })
      return
    }
    if (reason === 'normal') return
    void this.exitWith(reason, true)
  }

  // ---- ending ------------------------------------------------------------------------

  /** Graceful stop: after the current handler, terminate(reason) runs; 'killed' on timeout. */
  stop(reason: ExitReason, timeoutMs: number): Promise<ExitReason> {
    if (this.status === 'dead') return Promise.resolve(this.exitReason ?? 'noproc')
    let deadline: TimerHandle | undefined
    if (timeoutMs !== Number.POSITIVE_INFINITY) deadline = this.clock.schedule(timeoutMs, () => this.kill())
    if (this.status !== 'exiting') this.requestStop(reason) // not a signal: trapping does not defer it
    return this.exited.then((final) => {
      if (deadline) this.clock.cancel(deadline)
      return final
    })
  }

  /** Ends the actor after the current handler (the drain loop checks the request first). */
  requestStop(reason: ExitReason): void {
    if (!this.isAlive || this.stopRequested) return
    this.stopRequested = true
    this.stopReason = reason
    this.scheduleDrain()
  }

  /** Untrappable end without terminate; interrupts a terminate in progress. */
  kill(): void {
    if (this.status === 'dead') return
    this.finalReason = 'killed'
    if (this.status === 'exiting') {
      this.interruptTerminate?.()
      return
    }
    void this.exitWith('killed', false)
  }

  private crash(thrown: unknown): void {
    const reason = reasonFromThrown(thrown)
    this.log.error('actor crashed', { class: this.className, reason: formatReason(reason), stack: thrown instanceof Error ? thrown.stack : undefined })
    void this.exitWith(reason, true)
  }

  private exitReasonSoFar(): ExitReason {
    return this.finalReason ?? this.exitReason ?? (this.stopRequested ? this.stopReason : 'noproc')
  }

  async exitWith(reason: ExitReason, runTerminate: boolean): Promise<void> {
    if (this.status === 'exiting' || this.status === 'dead') return
    const wasRunning = this.status === 'running'
    this.status = 'exiting'
    this.exitReason = reason
    this.rejectCalls(reason)
    this.cancelAllTimers()
    if (runTerminate && wasRunning && this.finalReason === undefined) await this.runTerminate(reason)
    this.finish(this.finalReason ?? reason)
  }

  private async runTerminate(reason: ExitReason): Promise<void> {
    const interrupted = new Promise<void>((resolve) => (this.interruptTerminate = resolve))
    const bound = this.stopRequested ? Number.POSITIVE_INFINITY : this.terminateTimeoutMs
    const deadline = bound === Number.POSITIVE_INFINITY ? undefined : this.clock.schedule(bound, () => this.interruptTerminate?.())
    try {
      await Promise.race([Promise.resolve().then(() => this.actor.terminate(reason)), interrupted])
    } catch (thrown) {
      this.log.error('terminate failed', { class: this.className, error: formatReason(reasonFromThrown(thrown)) })
    } finally {
      if (deadline) this.clock.cancel(deadline)
      this.interruptTerminate = undefined
    }
  }

  private rejectCalls(reason: ExitReason): void {
    const fail = (env: CallEnvelope) => env.fail(new ActorExited(this.id, reason))
    if (this.current) fail(this.current)
    this.current = undefined
    for (const env of [...this.deferred]) fail(env)
    this.deferred.clear()
    for (let i = this.head; i < this.mailbox.length; i++) {
      const env = this.mailbox[i]
      if (env instanceof CallEnvelope) fail(env)
    }
    this.mailbox = []
    this.head = 0
  }

  private cancelAllTimers(): void {
    for (const handle of this.timers.values()) this.clock.cancel(handle)
    this.timers.clear()
  }

  private finish(reason: ExitReason): void {
    this.exitReason = reason
    this.status = 'dead'
    this.rejectCalls(reason) // anything that slipped in during terminate
    this.cancelAllTimers() // and any timer terminate set
    const finalize = (this.actor as unknown as { [FINALIZE]?: () => void })[FINALIZE]
    try {
      finalize?.call(this.actor)
      this.actor.releaseOsResources(reason)
    } catch (thrown) {
      this.log.error('releasing resources failed', { error: formatReason(reasonFromThrown(thrown)) })
    }
    for (const topic of this.topics) this.host.unsubscribe(topic, this)
    this.topics.clear()
    for (const [id, target] of this.watching) target.removeWatcher(id)
    this.watching.clear()
    this.host.cellExited(this) // frees the name before anyone hears of the death
    this.log.debug('actor exited', { class: this.className, reason: formatReason(reason), normal: isNormalExit(reason) })
    for (const [id, w] of this.watchers) {
      if (w.cell) {
        w.cell.watching.delete(id)
        w.cell.info({ type: 'down', monitor: id, ref: this.ref, reason })
      } else {
        try {
          w.fn(reason)
        } catch (thrown) {
          this.log.error('exit watcher failed', { error: formatReason(reasonFromThrown(thrown)) })
        }
      }
    }
    this.watchers.clear()
    for (const other of this.links) {
      other.links.delete(this)
      other.exitSignal(this.ref, reason)
    }
    this.links.clear()
    this.host.noteProgress()
    this.resolveExited(reason)
  }
}

class Context implements ActorContext<unknown> {
  constructor(private readonly cell: Cell, private readonly host: CellHost) {}

  get self(): ActorRef {
    return this.cell.ref
  }

  get system(): ActorSystem {
    return this.host.system
  }

  get clock(): Clock {
    return this.host.clock
  }

  get log(): Logger {
    return this.cell.log
  }

  sendAfter(msg: unknown, ms: number): TimerId {
    return this.cell.sendAfter(msg, ms)
  }

  interval(msg: unknown, ms: number): TimerId {
    return this.cell.interval(msg, ms)
  }

  cancelTimer(id: TimerId): boolean {
    return this.cell.cancelTimer(id)
  }

  monitor(ref: ActorRef): MonitorId {
    return targetCell(ref).addWatcher(this.cell)
  }

  demonitor(id: MonitorId): void {
    this.cell.demonitor(id)
  }

  link(ref: ActorRef): void {
    if (this.cell.isAlive) this.cell.link(targetCell(ref))
  }

  unlink(ref: ActorRef): void {
    this.cell.unlink(targetCell(ref))
  }

  trapExits(on = true): void {
    this.cell.trapping = on
  }

  subscribe(topic: string): void {
    if (this.cell.isAlive) this.host.subscribe(topic, this.cell)
  }

  unsubscribe(topic: string): void {
    this.host.unsubscribe(topic, this.cell)
  }

  publish(topic: string, event: unknown): void {
    this.host.publish(topic, event)
  }

  stop(reason: ExitReason = 'normal'): void {
    this.cell.requestStop(reason)
  }
}

function targetCell(ref: ActorRef): Cell {
  const cell = cellOf(ref)
  if (!cell) throw new TypeError(`not an actor ref of this runtime: ${String(ref)}`)
  return cell
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}
