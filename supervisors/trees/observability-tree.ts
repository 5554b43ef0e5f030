// The observability subtree (hub-tree slot `observability`): the rate limiter (policy in LMDB,
// its 5-minute idle sweep is its own timer), the validation tracker (cross-connection
// cooldowns), the metrics collector (10 s snapshots), the alerter (30 s grace, then its check
// interval) and the telemetry log. one_for_one: none shares state with another; each rebuilds
// from LMDB or starts empty, and reaches the others only by name with fallbacks.
import { RateLimiterActor } from '../../actors/rate-limiter/actor'
import { ValidationTrackerActor } from '../../actors/validation-tracker/actor'
import { MetricsActor } from '../../actors/metrics/actor'
import { AlerterActor } from '../../actors/alerter/actor'
import { TelemetryLogActor, TELEMETRY_LOG } from '../../actors/telemetry-log'
import { ACTOR } from '../../actors/names'
import type { Storage } from '../../storage'
import { supervisorSpec, workerSpec, type ChildSpec } from '..'

export interface ObservabilityTreeDeps {
  storage: Storage
  dataDir?: string
  /** supervisor name, default 'observability' */
  name?: string
  /** tests: timer periods */
  rateLimitSweepIntervalMs?: number
  snapshotIntervalMs?: number
}

export function observabilityTree(deps: ObservabilityTreeDeps): ChildSpec {
  const { storage } = deps
  return supervisorSpec({
    name: deps.name ?? 'observability',
    strategy: 'one_for_one',
    children: [
      workerSpec(RateLimiterActor, { storage, sweepIntervalMs: deps.rateLimitSweepIntervalMs }, { name: ACTOR.rateLimiter }),
      workerSpec(ValidationTrackerActor, undefined, { name: ACTOR.validationTracker }),
      workerSpec(MetricsActor, { storage, dataDir: deps.dataDir, snapshotIntervalMs: deps.snapshotIntervalMs }, { name: ACTOR.metrics }),
      workerSpec(AlerterActor, { storage }, { name: ACTOR.alerter }),
      workerSpec(TelemetryLogActor, undefined, { name: TELEMETRY_LOG }),
    ],
  })
}
