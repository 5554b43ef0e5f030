// What a supervisor needs to know about each child (OTP child_spec).

import type { Actor, ActorClass, ActorMode, ActorRef, ActorSystem, ArgsOf } from '../actors/runtime'

/** permanent: always restarted · transient: only after an abnormal exit · temporary: never. */
export type RestartType = 'permanent' | 'transient' | 'temporary'

/** ms to wait for a graceful stop before killing · 'infinity' · 'brutal_kill' (no terminate). */
export type ShutdownSpec = number | 'infinity' | 'brutal_kill'

export type ChildKind = 'worker' | 'supervisor'

export interface ChildSpec {
  /** Unique among the supervisor's children; names the child in logs, events and the tree. */
  id: string
  /** Starts the child and resolves with its ref once its init succeeded. */
  start: (system: ActorSystem) => Promise<ActorRef>
  /** Default 'permanent'. */
  restart?: RestartType
  /** Default 5000 for workers, 'infinity' for supervisors. */
  shutdown?: ShutdownSpec
  /** Default 'worker'. */
  type?: ChildKind
}

export interface ResolvedChildSpec {
  id: string
  start: (system: ActorSystem) => Promise<ActorRef>
  restart: RestartType
  shutdown: ShutdownSpec
  type: ChildKind
}

export const DEFAULT_WORKER_SHUTDOWN_MS = 5000

export function resolveChildSpec(spec: ChildSpec): ResolvedChildSpec {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('child spec must be an object')
  if (typeof spec.id !== 'string' || spec.id.length === 0) throw new TypeError('child spec needs a non-empty string id')
  if (typeof spec.start !== 'function') throw new TypeError(`child spec ${spec.id}: start must be a function (system) => Promise<ActorRef>`)
  const type = spec.type ?? 'worker'
  if (type !== 'worker' && type !== 'supervisor') throw new TypeError(`child spec ${spec.id}: type must be 'worker' or 'supervisor'`)
  const restart = spec.restart ?? 'permanent'
  if (!['permanent', 'transient', 'temporary'].includes(restart)) {
    throw new TypeError(`child spec ${spec.id}: restart must be permanent, transient or temporary`)
  }
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : DEFAULT_WORKER_SHUTDOWN_MS)
  if (!(shutdown === 'infinity' || shutdown === 'brutal_kill' || (typeof shutdown === 'number' && shutdown >= 0))) {
    throw new TypeError(`child spec ${spec.id}: shutdown must be ms >= 0, 'infinity' or 'brutal_kill'`)
  }
  return { id: spec.id, start: spec.start, restart, shutdown, type }
}

export interface WorkerSpecOptions {
  /** Child id; default: the registered name, else the class name. */
  id?: string
  /** Registered name of the actor. */
  name?: string
  restart?: RestartType
  shutdown?: ShutdownSpec
  mode?: ActorMode
  /** forked mode: absolute path of the module exporting the class. */
  module?: string
}

/** A child spec that spawns `Class` with `args` (the usual case). */
export function workerSpec<A extends Actor<any, any, any, any>>(
  Class: ActorClass<A>,
  args: ArgsOf<A>,
  opts: WorkerSpecOptions = {},
): ChildSpec {
  return {
    id: opts.id ?? opts.name ?? Class.name,
    type: 'worker',
    restart: opts.restart,
    shutdown: opts.shutdown,
    start: (system) =>
      (system.spawn as (c: unknown, a: unknown, o: unknown) => Promise<ActorRef>)(Class, args, {
        name: opts.name,
        mode: opts.mode,
        module: opts.module,
      }),
  }
}
