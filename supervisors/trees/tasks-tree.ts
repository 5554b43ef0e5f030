// The `tasks` supervisor (ARCHITECTURE.md §3): rest_for_one over
//   task-queue → agent-fsms (DynamicSupervisor) → agents → scheduler → stuck-sweeper
// Each child depends on the ones before it. If the queue restarts, everything after it
// restarts too: the FSMs are stopped (without reclaiming), the new `agents` actor finds sessions
// without an FSM and closes them with 1012, the sidecars reconnect, and each new FSM resumes the
// task the rebuilt queue still holds for its agent. If only `agents` restarts, it adopts the
// FSMs that are still running.

import type { Storage } from '../../storage'
import { ACTOR } from '../../actors/names'
import { TaskQueueActor } from '../../actors/task-queue/actor'
import { AgentsActor } from '../../actors/agent-fsm/agents'
import { SchedulerActor, type SchedulerRouting } from '../../actors/scheduler/actor'
import { StuckSweeperActor, STUCK_SWEEPER } from '../../actors/scheduler/stuck-sweeper'
import { createRouterHook } from '../../actors/routing/router-hook'
import { dynamicSupervisorSpec } from '../dynamic-supervisor'
import { supervisorSpec } from '../supervisor'
import { workerSpec, type ChildSpec } from '../child-spec'
import type { Intensity } from '../restart-intensity'

export const TASKS_SUPERVISOR = 'tasks'

export interface TasksTreeDeps {
  storage: Storage
  /** the tier router (smart pipeline); default: the tier router of actors/routing/router-hook */
  routing?: SchedulerRouting
  /** config `task_ttl_ms` */
  taskTtlMs?: number
  /** cap on connected agents' FSMs (default unlimited) */
  maxAgents?: number
  /** restart intensity of the `tasks` supervisor (default 3 in 5 s) */
  intensity?: Partial<Intensity>
}

/** The child spec of the `tasks` supervisor, for the hub tree (or a test) to start. */
export function tasksTree(deps: TasksTreeDeps): ChildSpec {
  return supervisorSpec({
    name: TASKS_SUPERVISOR,
    strategy: 'rest_for_one',
    ...deps.intensity,
    children: [
      workerSpec(TaskQueueActor, { storage: deps.storage, taskTtlMs: deps.taskTtlMs }, { name: ACTOR.taskQueue }),
      dynamicSupervisorSpec({ name: ACTOR.agentFsms, maxChildren: deps.maxAgents }),
      workerSpec(AgentsActor, {}, { name: ACTOR.agents }),
      workerSpec(SchedulerActor, { routing: deps.routing ?? createRouterHook() }, { name: ACTOR.scheduler }),
      workerSpec(StuckSweeperActor, {}, { name: STUCK_SWEEPER }),
    ],
  })
}
