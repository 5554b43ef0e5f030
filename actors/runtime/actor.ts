import type { ActorRef } from './actor-ref'
import type { ActorSystem } from './actor-system'
import type { Clock } from './clock'
import type { ExitReason } from './exit-reason'
import type { Logger } from './logger'
import { toJsonSafe } from './snapshot'

/**
 * Returned by handleCall to defer the reply (OTP `{noreply, State}`): the actor moves on to the
 * next message and answers later with `from.reply(value)` or `from.fail(error)`.
 */
export const noReply: unique symbol = Symbol('agentcom.noReply')
export type NoReply = typeof noReply

/** Returned by handleCall to make the caller's promise reject with `error` without crashing. */
export class ReplyError {
  constructor(readonly error: Error) {}
}

export function replyError(error: Error): ReplyError {
  return new ReplyError(error)
}

/** The caller of a call. Replying twice, or after the caller gave up, is a no-op. */
export interface From<R = unknown> {
  reply(value: R): void
  fail(error: Error): void
  /** False once replied, failed, timed out, or the actor exited. */
  readonly pending: boolean
}

export type TimerId = number
export type MonitorId = number

/** A monitored actor ended (or did not exist: reason 'noproc'). */
export interface DownInfo {
  readonly type: 'down'
  readonly monitor: MonitorId
  readonly ref: ActorRef
  readonly reason: ExitReason
}

/** A linked actor ended, or system.exit() hit an actor that traps exits (ref null). */
export interface ExitInfo {
  readonly type: 'exit'
  readonly ref: ActorRef | null
  readonly reason: ExitReason
}

/** An event published on a topic the actor subscribed to. */
export interface BusInfo<E = unknown> {
  readonly type: 'bus'
  readonly topic: string
  readonly event: E
}

export type SystemInfo = DownInfo | ExitInfo | BusInfo

/** What an actor can do, available as `this.ctx` from init on. */
export interface ActorContext<Info = unknown> {
  readonly self: ActorRef
  readonly system: ActorSystem
  readonly clock: Clock
  /** The system logger with this actor's id and name added to every entry. */
  readonly log: Logger
  /** Delivers `msg` to handleInfo after `ms`. */
  sendAfter(msg: Info, ms: number): TimerId
  /** Delivers `msg` to handleInfo every `ms` (fixed rate, first after `ms`). */
  interval(msg: Info, ms: number): TimerId
  /** True if the timer was still pending. */
  cancelTimer(id: TimerId): boolean
  /** A `down` info arrives when `ref` exits (at once with 'noproc' if it is already dead). */
  monitor(ref: ActorRef): MonitorId
  demonitor(id: MonitorId): void
  /** Bidirectional: if either ends abnormally the other exits too, unless it traps exits. */
  link(ref: ActorRef): void
  unlink(ref: ActorRef): void
  /** Trap exits: linked exits (and system.exit with a reason other than 'kill') arrive as `exit` infos. */
  trapExits(on?: boolean): void
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  publish(topic: string, event: unknown): void
  /**
   * Ends this actor after the current handler returns (OTP `{stop, Reason, State}`); terminate
   * runs. An abnormal reason counts as a crash for supervisors.
   */
  stop(reason?: ExitReason): void
}

/**
 * Base class of every actor. Construct nothing in the constructor that needs the context:
 * do it in init. Messages are handled one at a time in arrival order; a handler that returns
 * a promise blocks the actor until it settles. An exception escaping any callback crashes the
 * actor. Use `noReply` + `from.reply` to keep working while a slow operation completes.
 */
export abstract class Actor<Call = never, Cast = never, Info = never, Args = void> {
  declare protected readonly ctx: ActorContext<Info>

  /** Runs before any message; may be async; throwing fails spawn with that error. */
  init(_args: Args): void | Promise<void> {}

  /** Returns the reply, a promise of it, `noReply` (reply later via `from`), or replyError(e). */
  handleCall(msg: Call, _from: From): unknown {
    throw new Error(`${this.constructor.name}: unexpected call ${describeMessage(msg)}`)
  }

  handleCast(msg: Cast): void | Promise<void> {
    throw new Error(`${this.constructor.name}: unexpected cast ${describeMessage(msg)}`)
  }

  /** Timers, bus events, monitor `down`s and trapped `exit`s. Unknown infos are logged and dropped. */
  handleInfo(msg: Info | SystemInfo): void | Promise<void> {
    this.ctx.log.debug('unhandled info', { info: describeMessage(msg) })
  }

  /** Runs when the actor stops or crashes (not on 'kill'); errors here are logged. */
  terminate(_reason: ExitReason): void | Promise<void> {}

  /**
   * Runs synchronously once the actor has ended, for every reason including 'kill' (as the
   * ports an Erlang process owns close when it dies, whatever killed it). Release OS resources
   * a replacement would otherwise find taken here: listening sockets, file locks. Errors are
   * logged.
   */
  releaseOsResources(_reason: ExitReason): void {}

  /** State for the console; default: a JSON-able copy of the instance's own fields. */
  snapshot(): unknown {
    return toJsonSafe(this)
  }
}

export function describeMessage(msg: unknown): string {
  if (typeof msg === 'object' && msg !== null && 'type' in msg) return String((msg as { type: unknown }).type)
  return typeof msg
}

export type ActorClass<A extends Actor<any, any, any, any>> = new () => A
export type CallOf<A> = A extends Actor<infer C, any, any, any> ? C : never
export type CastOf<A> = A extends Actor<any, infer K, any, any> ? K : never
export type ArgsOf<A> = A extends Actor<any, any, any, infer G> ? G : never
