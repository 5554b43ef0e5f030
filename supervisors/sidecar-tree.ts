// The sidecar's supervision tree (ARCHITECTURE.md §1, issue #7), a plain list of child specs in
// start order:
//
//   sidecar (rest_for_one)
//   ├─ sidecar_local_queue              the durable queue.json everything else reads and writes
//   ├─ sidecar_work (rest_for_one)
//   │   ├─ sidecar_wake                 the legacy wake runner
//   │   └─ sidecar_executor             TaskRelay + the runners: persist-then-ack, runs, outbox
//   └─ sidecar_link (one_for_one)
//       ├─ sidecar_connection           WebSocket to the hub: identify, ping, reconnect
//       └─ sidecar_resource_reporter    resource_report 5 s after identify, then every 30 s
//
// Why these strategies: the queue is the only hard dependency (the executor holds the queue
// object), so at the top rest_for_one — a reloaded queue restarts everyone after it, and the
// reconnect that follows re-handshakes every task it holds. The link and the work do not hold
// each other (they meet through SidecarParts, which always points at the current instance), so
// a dropped connection does not abort a running task and a crashed executor does not drop the
// socket (a disconnect could make the hub reclaim the task). Inside `work`, the executor uses
// the wake runner, so a wake crash restarts the executor too. The work starts before the link so
// the first `task_assign` always finds an executor; frames arriving while the executor restarts
// are held and replayed by the next one.
import type { ActorRef, ActorSystem } from '../actors/runtime'
import { ConnectionActor } from '../relay/sidecar/actors/connection-actor'
import { ExecutorActor } from '../relay/sidecar/actors/executor-actor'
import { LocalQueueActor } from '../relay/sidecar/actors/local-queue-actor'
import { ResourceReporterActor } from '../relay/sidecar/actors/resource-reporter-actor'
import { SIDECAR_ACTOR, type SidecarParts } from '../relay/sidecar/actors/sidecar-parts'
import { WakeActor } from '../relay/sidecar/actors/wake-actor'
import type { GitWorkflowOptions } from '../relay/sidecar/git-workflow'
import { workerSpec, type ChildSpec } from './child-spec'
import type { Intensity } from './restart-intensity'
import { startSupervisor, supervisorSpec, type SupervisorCall, type SupervisorOptions } from './supervisor'

export interface SidecarTreeDeps {
  parts: SidecarParts
  git: GitWorkflowOptions
  /** restart intensity of each supervisor of the tree (default 3 in 5 s) */
  intensity?: Partial<Intensity>
}

/** ms the executor gets to abort its run and release its children on a graceful stop */
export const EXECUTOR_SHUTDOWN_MS = 15_000

export function sidecarTreeChildren(deps: SidecarTreeDeps): ChildSpec[] {
  const { parts, git } = deps
  return [
    workerSpec(LocalQueueActor, { parts }, { name: SIDECAR_ACTOR.localQueue }),
    supervisorSpec({
      name: SIDECAR_ACTOR.work,
      strategy: 'rest_for_one',
      ...deps.intensity,
      children: [
        workerSpec(WakeActor, { parts, git }, { name: SIDECAR_ACTOR.wake }),
        workerSpec(ExecutorActor, { parts }, { name: SIDECAR_ACTOR.executor, shutdown: EXECUTOR_SHUTDOWN_MS }),
      ],
    }),
    supervisorSpec({
      name: SIDECAR_ACTOR.link,
      strategy: 'one_for_one',
      ...deps.intensity,
      children: [
        workerSpec(ConnectionActor, { parts }, { name: SIDECAR_ACTOR.connection }),
        workerSpec(ResourceReporterActor, { parts }, { name: SIDECAR_ACTOR.resourceReporter }),
      ],
    }),
  ]
}

export function sidecarTree(deps: SidecarTreeDeps): SupervisorOptions {
  return { name: SIDECAR_ACTOR.root, strategy: 'rest_for_one', ...deps.intensity, children: sidecarTreeChildren(deps) }
}

export function startSidecarTree(system: ActorSystem, deps: SidecarTreeDeps): Promise<ActorRef<SupervisorCall, never>> {
  return startSupervisor(system, sidecarTree(deps))
}
