// Elixir's DynamicSupervisor: starts empty, children added at run time (one per connected
// agent), one_for_one, optional maxChildren. terminate_child takes the child's pid.

import type { ActorRef, ActorSystem } from '../actors/runtime'
import type { ChildSpec, RestartType, ShutdownSpec } from './child-spec'
import { validateIntensity, type Intensity } from './restart-intensity'
import { SupervisorActor, type SupervisorCall } from './supervisor'

export interface DynamicSupervisorOptions extends Partial<Intensity> {
  name?: string
  /** Default: unlimited. start_child beyond it rejects with MaxChildrenReached. */
  maxChildren?: number
}

export function startDynamicSupervisor(system: ActorSystem, opts: DynamicSupervisorOptions = {}): Promise<ActorRef<SupervisorCall, never>> {
  let intensity: Intensity
  const maxChildren = opts.maxChildren ?? Number.POSITIVE_INFINITY
  try {
    intensity = validateIntensity(opts)
    if (!(maxChildren >= 0)) throw new TypeError(`maxChildren must be >= 0, got ${maxChildren}`)
  } catch (err) {
    return Promise.reject(err)
  }
  return system.spawn(
    SupervisorActor,
    { strategy: 'one_for_one', intensity, children: [], dynamic: true, maxChildren },
    { name: opts.name },
  ) as Promise<ActorRef<SupervisorCall, never>>
}

/** A child spec for a dynamic supervisor under another supervisor; id defaults to its name. */
export function dynamicSupervisorSpec(
  opts: DynamicSupervisorOptions & { id?: string; restart?: RestartType; shutdown?: ShutdownSpec },
): ChildSpec {
  const id = opts.id ?? opts.name
  if (!id) throw new TypeError('dynamicSupervisorSpec needs an id or a name')
  return { id, type: 'supervisor', restart: opts.restart, shutdown: opts.shutdown, start: (system) => startDynamicSupervisor(system, opts) }
}
