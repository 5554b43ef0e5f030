// Public API of the supervisors. The trees (hub-tree, sidecar-tree) live beside this file.
export {
  workerSpec,
  resolveChildSpec,
  DEFAULT_WORKER_SHUTDOWN_MS,
  type ChildSpec,
  type ChildKind,
  type RestartType,
  type ShutdownSpec,
  type WorkerSpecOptions,
} from './child-spec'
export { recordRestart, validateIntensity, DEFAULT_INTENSITY, type Intensity } from './restart-intensity'
export {
  startSupervisor,
  supervisorSpec,
  SupervisorActor,
  ChildStartError,
  MaxChildrenReached,
  UnknownChild,
  type Strategy,
  type SupervisorOptions,
  type SupervisorSpecOptions,
  type SupervisorCall,
  type SupervisorEvent,
  type ChildInfo,
  type ChildCounts,
  type ChildStatus,
  type SupervisionTree,
} from './supervisor'
export { startDynamicSupervisor, dynamicSupervisorSpec, type DynamicSupervisorOptions } from './dynamic-supervisor'
export {
  whichChildren,
  countChildren,
  supervisionTree,
  startChild,
  terminateChild,
  restartChild,
  deleteChild,
} from './supervisor-client'
