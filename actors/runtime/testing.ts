// For tests: an ActorSystem on a VirtualClock with an in-memory logger, in one call.

import { ActorSystem } from './actor-system'
import { VirtualClock, type VirtualClockOptions } from './clock'
import { memoryLogger, type MemoryLogger } from './logger'

export interface TestSystem {
  system: ActorSystem
  clock: VirtualClock
  log: MemoryLogger
  /** Shuts the system down; pass it to t.teardown. */
  shutdown(): Promise<void>
}

export function createTestSystem(opts: VirtualClockOptions & { terminateTimeoutMs?: number } = {}): TestSystem {
  const clock = new VirtualClock(opts)
  const log = memoryLogger()
  const system = new ActorSystem({ clock, logger: log, terminateTimeoutMs: opts.terminateTimeoutMs })
  return { system, clock, log, shutdown: () => system.shutdown() }
}
