// The functions an operator calls in the console (`tree()`, `kill('scheduler')`, ...), bound to
// one ActorSystem. They work on any system: the supervision tree is discovered from the live
// SupervisorActors, not from a fixed layout.

import { inspect } from 'node:util'
import { formatReason, type ActorInfo, type ActorRef, type ActorSystem, type ExitReason } from '../runtime'
import { SupervisorActor, restartChild, supervisionTree, terminateChild, type SupervisionTree } from '../../supervisors'
import { ACTOR } from '../names'
import { findInTree, pidsInTree, renderTree, renderUnsupervised, unsupervised } from './tree-text'

/** A value shown as its text in the console (util.inspect prints `text` verbatim), data in `.data`. */
export class Printed<T = unknown> {
  constructor(readonly text: string, readonly data: T) {}
  [inspect.custom](): string {
    return this.text
  }
}

export const HELPER_DOCS = {
  help: 'help()                      this list',
  tree: 'tree(name?)                 the live supervision tree with restart counts (.data: plain data)',
  actors: 'actors()                    every live actor: id, name, class, status, mailbox, timers',
  state: 'state(name)                 a snapshot of the actor\'s state (name or pid)',
  call: 'call(name, msg, timeoutMs?) call an actor and return its reply',
  cast: 'cast(name, msg)             send a cast',
  kill: "kill(name, reason='kill')  exit signal; watch its supervisor restart it in tree()",
  restart: 'restart(name)               stop and start it again through its supervisor',
  agents: 'agents()                    connected agents (agents actor)',
  tasks: 'tasks(filter?)              tasks ({status, priority, assigned_to})',
  submit: 'submit(description, opts?)  submit a task (opts: priority, needed_capabilities, repo, ...)',
  metrics: 'metrics()                   the metrics actor\'s snapshot',
} as const

export type HelperName = keyof typeof HELPER_DOCS
export const HELPER_NAMES = Object.keys(HELPER_DOCS) as HelperName[]

const SUPERVISOR_CLASS = SupervisorActor.name

export type ConsoleHelpers = Record<HelperName, (...args: never[]) => unknown>

export function consoleHelpers(system: ActorSystem): ConsoleHelpers {
  const refOf = (key: unknown): ActorRef => {
    if (typeof key !== 'string') throw new TypeError(`expected an actor name or pid, got ${inspect(key)}`)
    const ref = system.lookup(key)
    if (!ref) throw new Error(`no actor ${key} (try actors())`)
    return ref
  }
  const requireActor = (name: string): ActorRef => {
    const ref = system.whereis(name)
    if (!ref) throw new Error(`the ${name} actor is not running`)
    return ref
  }

  const helpers = {
    help: () => new Printed(Object.values(HELPER_DOCS).join('\n'), HELPER_DOCS),

    tree: async (name?: string) => {
      if (name !== undefined) {
        const sub = await supervisionTree(refOf(name))
        return new Printed(renderTree(sub), sub)
      }
      const trees = await rootTrees(system)
      const loose = unsupervised(system.actors(), trees).filter((a) => a.class !== SUPERVISOR_CLASS)
      const text = [...trees.map(renderTree), renderUnsupervised(loose)].filter((s) => s !== '').join('\n\n')
      return new Printed(text || '(no actors)', trees)
    },

    actors: (): ActorInfo[] => system.actors(),

    state: (name: string) => system.inspect(refOf(name)),

    call: (name: string, msg: unknown, timeoutMs?: number) => refOf(name).call(msg, { timeoutMs }),

    cast: (name: string, msg: unknown) => {
      refOf(name).cast(msg)
      return 'ok'
    },

    kill: async (name: string, reason: ExitReason = 'kill') => {
      const ref = refOf(name)
      system.exit(ref, reason)
      const final = await system.exited(ref)
      return `${describeRef(ref)} exited: ${formatReason(final)}`
    },

    restart: (name: string) => restartThroughSupervisor(system, refOf(name)),

    agents: () => requireActor(ACTOR.agents).call({ type: 'list' }),

    tasks: (filter: Record<string, unknown> = {}) => requireActor(ACTOR.taskQueue).call({ type: 'list', filter }),

    submit: (description: string, opts: Record<string, unknown> = {}) => {
      if (typeof description !== 'string' || description.trim() === '') throw new TypeError('submit(description, opts?): description must be a non-empty string')
      return requireActor(ACTOR.taskQueue).call({ type: 'submit', input: { ...opts, description }, submitted_by: 'console' })
    },

    metrics: () => system.inspect(requireActor(ACTOR.metrics)),
  }
  return helpers as unknown as ConsoleHelpers
}

function describeRef(ref: ActorRef): string {
  return ref.name ? `${ref.name} ${ref.id}` : ref.id
}

/**
 * The trees of the supervisors no other supervisor holds (normally one: the hub's root).
 * A supervisor that does not answer in time is shown as such rather than failing tree().
 */
export async function rootTrees(system: ActorSystem): Promise<SupervisionTree[]> {
  const supervisors = system.actors().filter((a) => a.class === SUPERVISOR_CLASS && a.status === 'running')
  const trees = await Promise.all(supervisors.map((s) => treeOf(system, s)))
  const held = new Set<string>()
  for (const tree of trees) for (const pid of pidsInTree(tree)) if (pid !== tree.pid) held.add(pid)
  return trees.filter((tree) => !tree.pid || !held.has(tree.pid))
}

async function treeOf(system: ActorSystem, info: ActorInfo): Promise<SupervisionTree> {
  const ref = system.lookup(info.id)
  const unresponsive: SupervisionTree = { id: info.name ?? info.id, name: info.name ?? null, kind: 'supervisor', pid: info.id, restarts: 0, status: 'unresponsive' }
  if (!ref) return unresponsive
  try {
    const tree = await supervisionTree(ref, { timeoutMs: 2000 })
    return { ...tree, id: info.name ?? info.id, name: info.name ?? null, pid: info.id }
  } catch {
    return unresponsive
  }
}

/**
 * Static supervisor: terminate_child + restart_child (a clean stop and start, not counted as a
 * crash). Dynamic supervisor (no restart_child) or no supervisor: exit signal 'restart', which
 * the supervisor answers like a crash.
 */
async function restartThroughSupervisor(system: ActorSystem, ref: ActorRef): Promise<string> {
  const trees = await rootTrees(system)
  const hit = trees.map((tree) => findInTree(tree, ref.id)).find((h) => h !== undefined)
  const parentRef = hit?.parent?.pid ? system.lookup(hit.parent.pid) : undefined
  if (hit && parentRef && hit.parent?.strategy !== undefined && !isDynamic(await system.inspect(parentRef))) {
    await terminateChild(parentRef, hit.node.id)
    const fresh = await restartChild(parentRef, hit.node.id)
    return `${describeRef(ref)} restarted by ${hit.parent.name ?? hit.parent.id} as ${fresh.id}`
  }
  system.exit(ref, 'restart')
  await system.exited(ref)
  return hit ? `${describeRef(ref)} exited with 'restart'; its supervisor restarts it` : `${describeRef(ref)} exited with 'restart' (it has no supervisor)`
}

function isDynamic(snapshot: unknown): boolean {
  return typeof snapshot === 'object' && snapshot !== null && (snapshot as { strategy?: unknown }).strategy === 'dynamic'
}
