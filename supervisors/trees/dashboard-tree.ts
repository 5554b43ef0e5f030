// The `dashboard` supervisor: one_for_one over dashboard-state and the notifier. Neither depends
// on the other to start (the notifier asks dashboard-state for health by name, when it runs).
import type { Storage } from '../../storage'
import { ACTOR } from '../../actors/names'
import { DashboardStateActor } from '../../actors/dashboard-state/actor'
import { NotifierActor } from '../../actors/notifier/actor'
import type { VapidKeys } from '../../actors/notifier/push-sender'
import { vapidKeysFromEnv } from '../../actors/notifier/vapid-keys'
import { supervisorSpec } from '../supervisor'
import { workerSpec, type ChildSpec } from '../child-spec'
import type { Intensity } from '../restart-intensity'

export const DASHBOARD_SUPERVISOR = 'dashboard'

export interface DashboardTreeDeps {
  storage: Storage
  /** hub start time (snapshot uptime_ms) */
  bootedAt?: number
  /** explicit VAPID pair; default: env VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY if both set, else the pair persisted in LMDB */
  vapid?: VapidKeys | null
  intensity?: Partial<Intensity>
}

export function dashboardTree(deps: DashboardTreeDeps): ChildSpec {
  return supervisorSpec({
    name: DASHBOARD_SUPERVISOR,
    strategy: 'one_for_one',
    ...deps.intensity,
    children: [
      workerSpec(DashboardStateActor, { storage: deps.storage, bootedAt: deps.bootedAt }, { name: ACTOR.dashboardState }),
      workerSpec(NotifierActor, { storage: deps.storage, vapid: deps.vapid === undefined ? vapidKeysFromEnv() : deps.vapid }, { name: ACTOR.notifier }),
    ],
  })
}
