// Public API of the actor runtime. See README.md in this folder.
export {
  Actor,
  noReply,
  replyError,
  ReplyError,
  describeMessage,
  type NoReply,
  type From,
  type ActorContext,
  type ActorClass,
  type CallOf,
  type CastOf,
  type ArgsOf,
  type TimerId,
  type MonitorId,
  type DownInfo,
  type ExitInfo,
  type BusInfo,
  type SystemInfo,
} from './actor'
export { DEFAULT_CALL_TIMEOUT_MS, type ActorRef, type CallOptions } from './actor-ref'
export {
  ActorSystem,
  type ActorSystemOptions,
  type ActorMode,
  type SpawnOptions,
  type SpawnRest,
  type RefOf,
  type ActorInfo,
  type NamedRef,
} from './actor-system'
export { Bus, ALL_TOPICS, type BusListener } from './bus'
export type { CellStatus as ActorStatus } from './cell'
export { SystemClock, VirtualClock, type Clock, type TimerHandle, type PendingTimer, type VirtualClockOptions } from './clock'
export { ActorExited, CallTimeout, NameTaken, SystemStopped } from './errors'
export { isNormalExit, formatReason, reasonFromThrown, type ExitReason } from './exit-reason'
export { ForkedProcessExited } from './forked-proxy'
export {
  consoleLogger,
  silentLogger,
  memoryLogger,
  withMeta,
  type Logger,
  type LogLevel,
  type LogMeta,
  type LogEntry,
  type MemoryLogger,
} from './logger'
export { toJsonSafe } from './snapshot'
export { ProbeActor, PROBE_ACTOR_MODULE, type ProbeCall, type ProbeCast, type ProbeArgs } from './probe-actor'
export { createTestSystem, type TestSystem } from './testing'
