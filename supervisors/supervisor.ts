// Erlang's supervisor as an actor: strategies, restart intensity with escalation, restart
// types, ordered start and stop, per-child shutdown, introspection. DynamicSupervisor
// (dynamic-supervisor.ts) is the same actor in dynamic mode.

import {
  Actor,
  formatReason,
  isNormalExit,
  reasonFromThrown,
  replyError,
  type ActorRef,
  type ActorSystem,
  type ExitReason,
  type SystemInfo,
} from '../actors/runtime'
import { resolveChildSpec, type ChildKind, type ChildSpec, type ResolvedChildSpec, type RestartType } from './child-spec'
import { recordRestart, validateIntensity, type Intensity } from './restart-intensity'

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one'

export interface SupervisorOptions extends Partial<Intensity> {
  /** Registered name of the supervisor itself. */
  name?: string
  /** Default 'one_for_one'. */
  strategy?: Strategy
  /** Started in this order, stopped in reverse. */
  children: ChildSpec[]
}

export type ChildStatus = 'running' | 'restarting' | 'stopped'

export interface ChildInfo {
  id: string
  pid: string | null
  name: string | null
  type: ChildKind
  restart: RestartType
  status: ChildStatus
  restarts: number
}

export interface ChildCounts {
  specs: number
  active: number
  supervisors: number
  workers: number
}

/** Plain data for the console and dashboard. */
export interface SupervisionTree {
  id: string
  name: string | null
  kind: ChildKind
  pid: string | null
  restarts: number
  status: ChildStatus | 'unresponsive'
  strategy?: Strategy
  children?: SupervisionTree[]
}

/** Published on bus topics 'supervisor' and 'telemetry'. */
export interface SupervisorEvent {
  type: 'supervisor'
  event: 'child_exited' | 'restart' | 'restart_failed' | 'give_up'
  supervisor: string
  child: string
  reason: string
  restarts: number
  at: number
}

export type SupervisorCall =
  | { type: 'which_children' }
  | { type: 'count_children' }
  | { type: 'tree' }
  /** Static: by child id. Dynamic: by pid (or id). */
  | { type: 'terminate_child'; id: string }
  | { type: 'restart_child'; id: string }
  | { type: 'delete_child'; id: string }
  | { type: 'start_child'; spec: ChildSpec }

type SupervisorCast = { type: 'retry_restart'; keys: number[] }

export interface SupervisorInit {
  strategy: Strategy
  intensity: Intensity
  children: ChildSpec[]
  dynamic: boolean
  maxChildren: number
}

/** A child failed to start during supervisor init or start_child; `reason` is what it threw. */
export class ChildStartError extends Error {
  override readonly name = 'ChildStartError'
  constructor(readonly childId: string, readonly reason: ExitReason) {
    super(`child ${childId} failed to start: ${formatReason(reason)}`, reason instanceof Error ? { cause: reason } : undefined)
  }
}

export class MaxChildrenReached extends Error {
  override readonly name = 'MaxChildrenReached'
  constructor(readonly maxChildren: number) {
    super(`dynamic supervisor already has its maximum of ${maxChildren} children`)
  }
}

export class UnknownChild extends Error {
  override readonly name = 'UnknownChild'
  constructor(readonly childId: string) {
    super(`no child ${childId}`)
  }
}

interface Child {
  key: number
  spec: ResolvedChildSpec
  ref: ActorRef | undefined
  restarts: number
  status: ChildStatus
}

const TREE_CALL_TIMEOUT_MS = 2000

export class SupervisorActor extends Actor<SupervisorCall, SupervisorCast, never, SupervisorInit> {
  private children: Child[] = []
  private strategy: Strategy = 'one_for_one'
  private intensity: Intensity = { maxRestarts: 3, maxSeconds: 5 }
  private restartHistory: number[] = []
  private dynamic = false
  private maxChildren = Number.POSITIVE_INFINITY
  private nextKey = 1

  override async init(init: SupervisorInit): Promise<void> {
    this.strategy = init.strategy
    this.intensity = init.intensity
    this.dynamic = init.dynamic
    this.maxChildren = init.maxChildren
    this.ctx.trapExits()
    const specs = init.children.map(resolveChildSpec)
    assertUniqueIds(specs)
    this.children = specs.map((spec) => this.newChild(spec))
    for (const child of this.children) {
      try {
        await this.startChild(child)
      } catch (thrown) {
        await this.stopChildren([...this.children].reverse())
        throw new ChildStartError(child.spec.id, reasonFromThrown(thrown))
      }
    }
  }

  override async handleCall(msg: SupervisorCall): Promise<unknown> {
    switch (msg.type) {
      case 'which_children':
        return this.children.map((c) => this.childInfo(c))
      case 'count_children':
        return this.counts()
      case 'tree':
        return this.tree()
      case 'terminate_child':
        return this.terminateChild(msg.id)
      case 'restart_child':
        return this.restartChildById(msg.id)
      case 'delete_child':
        return this.deleteChild(msg.id)
      case 'start_child':
        return this.startNewChild(msg.spec)
    }
  }

  override async handleCast(msg: SupervisorCast): Promise<void> {
    if (msg.type !== 'retry_restart') return
    const group = this.children.filter((c) => msg.keys.includes(c.key) && c.status === 'restarting')
    if (group.length === 0) return
    if (this.restartLimitExceeded()) return this.giveUp(group[0], 'restart failed')
    await this.startGroup(group)
  }

  override async handleInfo(msg: SystemInfo): Promise<void> {
    if (msg.type !== 'exit') return
    const child = msg.ref ? this.children.find((c) => c.ref?.id === msg.ref?.id) : undefined
    if (child) return this.childExited(child, msg.reason)
    // Not a child: our parent (or whoever linked to us) went down, or system.exit hit us.
    if (msg.reason !== 'normal') this.ctx.stop(msg.reason)
  }

  override async terminate(): Promise<void> {
    await this.stopChildren([...this.children].reverse())
  }

  override snapshot(): unknown {
    return {
      strategy: this.dynamic ? 'dynamic' : this.strategy,
      intensity: this.intensity,
      restartHistory: this.restartHistory,
      children: this.children.map((c) => this.childInfo(c)),
    }
  }

  // ---- exits and restarts ------------------------------------------------------------

  private async childExited(child: Child, reason: ExitReason): Promise<void> {
    child.ref = undefined
    child.status = 'stopped'
    const abnormal = !isNormalExit(reason)
    this.report(abnormal ? 'error' : 'info', 'child_exited', child, reason)
    if (child.spec.restart === 'temporary') {
      this.remove(child)
      return
    }
    if (this.ctx.system.isShuttingDown) return
    if (child.spec.restart === 'transient' && !abnormal) return
    if (this.restartLimitExceeded()) return this.giveUp(child, reason)
    await this.restartFor(child)
  }

  private async restartFor(failed: Child): Promise<void> {
    const group = this.restartGroup(failed)
    const running = group.filter((c) => c !== failed && c.ref)
    await this.stopChildren([...running].reverse())
    for (const c of running) if (c.spec.restart === 'temporary') this.remove(c)
    const toStart = this.children.filter((c) => c === failed || running.includes(c))
    for (const c of toStart) c.status = 'restarting'
    await this.startGroup(toStart)
  }

  /** Starts `group` in order; on a failure, the rest is retried through the mailbox. */
  private async startGroup(group: Child[]): Promise<void> {
    for (let i = 0; i < group.length; i++) {
      const child = group[i]
      try {
        await this.startChild(child)
        child.restarts++
        this.report('warn', 'restart', child, 'restarted')
      } catch (thrown) {
        this.report('error', 'restart_failed', child, reasonFromThrown(thrown))
        this.ctx.self.cast({ type: 'retry_restart', keys: group.slice(i).map((c) => c.key) })
        return
      }
    }
  }

  private restartGroup(failed: Child): Child[] {
    if (this.strategy === 'one_for_all') return [...this.children]
    if (this.strategy === 'rest_for_one') return this.children.slice(this.children.indexOf(failed))
    return [failed]
  }

  private restartLimitExceeded(): boolean {
    const { history, exceeded } = recordRestart(this.restartHistory, this.ctx.clock.now(), this.intensity)
    this.restartHistory = history
    return exceeded
  }

  private async giveUp(child: Child, reason: ExitReason): Promise<void> {
    this.report('error', 'give_up', child, reason)
    await this.stopChildren([...this.children].reverse())
    // OTP exits with plain `shutdown` and puts the why in a separate report; carrying it in the
    // reason (still a shutdown: transient parents do not restart) lets whoever watches the root
    // (the hub's fatal stop) say which child broke the limit and how it last died
    this.ctx.stop({ shutdown: { reached_max_restart_intensity: { supervisor: this.ctx.self.name ?? this.ctx.self.id, child: child.spec.id, last_reason: formatReason(reason) } } })
  }

  // ---- starting and stopping children -------------------------------------------------

  private newChild(spec: ResolvedChildSpec): Child {
    return { key: this.nextKey++, spec, ref: undefined, restarts: 0, status: 'stopped' }
  }

  private async startChild(child: Child): Promise<ActorRef> {
    const ref = await child.spec.start(this.ctx.system)
    child.ref = ref
    child.status = 'running'
    this.ctx.link(ref) // a child already dead shows up as an exit with reason 'noproc'
    return ref
  }

  private async stopChildren(children: Child[]): Promise<void> {
    for (const child of children) await this.stopChild(child)
  }

  private async stopChild(child: Child): Promise<void> {
    const ref = child.ref
    child.ref = undefined
    child.status = 'stopped'
    if (!ref) return
    this.ctx.unlink(ref)
    const system = this.ctx.system
    const shutdown = child.spec.shutdown
    if (shutdown === 'brutal_kill') {
      system.exit(ref, 'kill')
      await system.exited(ref)
    } else {
      await system.stop(ref, 'shutdown', shutdown === 'infinity' ? Number.POSITIVE_INFINITY : shutdown)
    }
  }

  private remove(child: Child): void {
    this.children = this.children.filter((c) => c !== child)
  }

  // ---- calls -------------------------------------------------------------------------

  private find(id: string): Child | undefined {
    return this.children.find((c) => c.ref?.id === id) ?? this.children.find((c) => c.spec.id === id)
  }

  private async terminateChild(id: string): Promise<unknown> {
    const child = this.find(id)
    if (!child) return replyError(new UnknownChild(id))
    await this.stopChild(child)
    if (this.dynamic || child.spec.restart === 'temporary') this.remove(child)
    return 'ok'
  }

  private async restartChildById(id: string): Promise<unknown> {
    if (this.dynamic) return replyError(new Error('restart_child is not supported by a dynamic supervisor'))
    const child = this.find(id)
    if (!child) return replyError(new UnknownChild(id))
    if (child.ref) return replyError(new Error(`child ${id} is running`))
    try {
      return await this.startChild(child)
    } catch (thrown) {
      return replyError(new ChildStartError(child.spec.id, reasonFromThrown(thrown)))
    }
  }

  private deleteChild(id: string): unknown {
    if (this.dynamic) return replyError(new Error('delete_child is not supported by a dynamic supervisor'))
    const child = this.find(id)
    if (!child) return replyError(new UnknownChild(id))
    if (child.ref) return replyError(new Error(`child ${id} is running`))
    this.remove(child)
    return 'ok'
  }

  private async startNewChild(raw: ChildSpec): Promise<unknown> {
    let spec: ResolvedChildSpec
    try {
      spec = resolveChildSpec(raw)
    } catch (err) {
      return replyError(err as Error)
    }
    if (this.dynamic) {
      if (this.children.length >= this.maxChildren) return replyError(new MaxChildrenReached(this.maxChildren))
    } else if (this.children.some((c) => c.spec.id === spec.id)) {
      return replyError(new Error(`child ${spec.id} already exists`))
    }
    const child = this.newChild(spec)
    try {
      const ref = await this.startChild(child)
      this.children.push(child)
      return ref
    } catch (thrown) {
      return replyError(new ChildStartError(spec.id, reasonFromThrown(thrown)))
    }
  }

  // ---- introspection and reporting ----------------------------------------------------

  private childInfo(c: Child): ChildInfo {
    return {
      id: c.spec.id,
      pid: c.ref?.id ?? null,
      name: c.ref?.name ?? null,
      type: c.spec.type,
      restart: c.spec.restart,
      status: c.status,
      restarts: c.restarts,
    }
  }

  private counts(): ChildCounts {
    return {
      specs: this.children.length,
      active: this.children.filter((c) => c.ref?.isAlive()).length,
      supervisors: this.children.filter((c) => c.spec.type === 'supervisor').length,
      workers: this.children.filter((c) => c.spec.type === 'worker').length,
    }
  }

  private async tree(): Promise<SupervisionTree> {
    const self = this.ctx.self
    const children = await Promise.all(this.children.map((c) => this.childTree(c)))
    return {
      id: self.name ?? self.id,
      name: self.name ?? null,
      kind: 'supervisor',
      pid: self.id,
      restarts: 0,
      status: 'running',
      strategy: this.strategy,
      children,
    }
  }

  private async childTree(c: Child): Promise<SupervisionTree> {
    const node: SupervisionTree = {
      id: c.spec.id,
      name: c.ref?.name ?? null,
      kind: c.spec.type,
      pid: c.ref?.id ?? null,
      restarts: c.restarts,
      status: c.status,
    }
    if (c.spec.type !== 'supervisor' || !c.ref) return node
    try {
      const sub = await c.ref.call<SupervisionTree>({ type: 'tree' }, { timeoutMs: TREE_CALL_TIMEOUT_MS })
      return { ...node, strategy: sub.strategy, children: sub.children }
    } catch {
      return { ...node, status: 'unresponsive' }
    }
  }

  private report(level: 'info' | 'warn' | 'error', event: SupervisorEvent['event'], child: Child, reason: ExitReason): void {
    const self = this.ctx.self
    const payload: SupervisorEvent = {
      type: 'supervisor',
      event,
      supervisor: self.name ?? self.id,
      child: child.spec.id,
      reason: formatReason(reason),
      restarts: child.restarts,
      at: this.ctx.clock.now(),
    }
    this.ctx.log[level](`supervisor ${event.replace('_', ' ')}`, { ...payload })
    this.ctx.publish('supervisor', payload)
    this.ctx.publish('telemetry', payload)
  }
}

function assertUniqueIds(specs: ResolvedChildSpec[]): void {
  const seen = new Set<string>()
  for (const s of specs) {
    if (seen.has(s.id)) throw new TypeError(`duplicate child id ${s.id}`)
    seen.add(s.id)
  }
}

const STRATEGIES: Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one']

/** Starts a supervisor; resolves once every child has started (in order), rejects with ChildStartError. */
export function startSupervisor(system: ActorSystem, opts: SupervisorOptions): Promise<ActorRef<SupervisorCall, never>> {
  const strategy = opts.strategy ?? 'one_for_one'
  if (!STRATEGIES.includes(strategy)) return Promise.reject(new TypeError(`unknown strategy ${String(strategy)}`))
  let intensity: Intensity
  try {
    intensity = validateIntensity(opts)
  } catch (err) {
    return Promise.reject(err)
  }
  return system.spawn(
    SupervisorActor,
    { strategy, intensity, children: opts.children, dynamic: false, maxChildren: Number.POSITIVE_INFINITY },
    { name: opts.name },
  ) as Promise<ActorRef<SupervisorCall, never>>
}

export interface SupervisorSpecOptions {
  restart?: RestartType
  shutdown?: ChildSpec['shutdown']
}

/** A child spec for a nested supervisor; its id defaults to its name. */
export function supervisorSpec(opts: SupervisorOptions & SupervisorSpecOptions & { id?: string }): ChildSpec {
  const id = opts.id ?? opts.name
  if (!id) throw new TypeError('supervisorSpec needs an id or a name')
  return { id, type: 'supervisor', restart: opts.restart, shutdown: opts.shutdown, start: (system) => startSupervisor(system, opts) }
}
