// The hub's supervision tree (ARCHITECTURE.md §3) as a plain list of child specs in start
// order: what a child needs starts before it. Storage is opened (and recovered) by startHub
// before this tree starts; the endpoint (transport) starts after it, so everything it routes to
// is up, and stops first.
//
// Each subtree is `supervisors/trees/<slot>-tree.ts` exporting `<slot>Tree(deps: SubtreeDeps):
// ChildSpec` (extra deps fields are ignored by trees that do not need them), listed in SUBTREES.
//
//   hub (one_for_one)
//   ├── auth                       tokens (hashed), roles, first admin token
//   ├── presence                   who is connected; presence events
//   ├── reaper                     evicts agents without ping for > 60 s
//   ├── [messaging]                config, mailbox, channels, history, threads, analytics
//   ├── [tasks]                    task queue → agent FSMs → agents → scheduler → sweeper
//   ├── [observability]            metrics, alerter, rate limiter, validation tracker
//   ├── [registries]               LLM registry, repo registry
//   ├── [dashboard]                dashboard state, notifier
//   ├── [maintenance]              backup, compaction
//   ├── [console]                  console server (REPL socket)
//   └── sessions                   DynamicSupervisor: one `agent:<id>` per identified socket
import type { ActorRef, ActorSystem } from '../actors/runtime'
import { AuthActor } from '../actors/auth'
import { PresenceActor } from '../actors/presence'
import { ReaperActor, type ReaperArgs } from '../actors/reaper'
import { ACTOR } from '../actors/names'
import type { Storage } from '../storage'
import type { HubOptions } from '../relay/hub/hub-context'
import { consoleTree } from './trees/console-tree'
import { dashboardTree } from './trees/dashboard-tree'
import { maintenanceTree } from './trees/maintenance-tree'
import { messagingTree } from './trees/messaging-tree'
import { observabilityTree } from './trees/observability-tree'
import { registriesTree } from './trees/registries-tree'
import { tasksTree } from './trees/tasks-tree'
import { workerSpec, type ChildSpec } from './child-spec'
import { dynamicSupervisorSpec } from './dynamic-supervisor'
import { startSupervisor, type SupervisorCall } from './supervisor'

export const HUB_SUPERVISOR = 'hub'

/** Subtree slots, in start order. */
export const SUBTREE_SLOTS = ['messaging', 'tasks', 'observability', 'registries', 'dashboard', 'maintenance', 'console'] as const
export type SubtreeSlot = (typeof SUBTREE_SLOTS)[number]

/** What every subtree factory is given. */
export interface SubtreeDeps {
  storage: Storage
  dataDir: string
  options: HubOptions
}

export interface HubTreeDeps extends SubtreeDeps {
  reaper?: ReaperArgs
  /** Cap on simultaneously identified agents (default unlimited). */
  maxSessions?: number
  /** Leave out these subtrees even if their files exist (tests of the front door alone). */
  skipSlots?: readonly SubtreeSlot[]
}

export function hubTreeChildren(deps: HubTreeDeps): ChildSpec[] {
  return [
    workerSpec(AuthActor, { storage: deps.storage, dataDir: deps.dataDir }, { name: ACTOR.auth }),
    workerSpec(PresenceActor, undefined, { name: ACTOR.presence }),
    workerSpec(ReaperActor, deps.reaper, { name: ACTOR.reaper }),
    ...subtrees(deps),
    dynamicSupervisorSpec({ name: ACTOR.sessions, maxChildren: deps.maxSessions }),
  ]
}

/** Starts the whole tree; resolves once every child is up (rejects with ChildStartError). */
export function startHubTree(system: ActorSystem, deps: HubTreeDeps): Promise<ActorRef<SupervisorCall, never>> {
  return startSupervisor(system, { name: HUB_SUPERVISOR, strategy: 'one_for_one', children: hubTreeChildren(deps) })
}

const SUBTREES: Readonly<Record<SubtreeSlot, (deps: SubtreeDeps) => ChildSpec>> = {
  messaging: messagingTree,
  tasks: tasksTree,
  observability: observabilityTree,
  registries: registriesTree,
  dashboard: dashboardTree,
  maintenance: maintenanceTree,
  console: consoleTree,
}

function subtrees(deps: HubTreeDeps): ChildSpec[] {
  const skip = new Set(deps.skipSlots ?? [])
  const shared: SubtreeDeps = { storage: deps.storage, dataDir: deps.dataDir, options: deps.options }
  return SUBTREE_SLOTS.filter((slot) => !skip.has(slot)).map((slot) => SUBTREES[slot](shared))
}
