// Route handlers reach actors by name; an actor that is down or too slow answers 503 instead of
// a generic 500, with the service named (never the message, which could hold a secret).
import { ActorExited, CallTimeout } from '../../../actors/runtime'
import { HttpError } from '../transport'
import type { HubContext } from '../hub-context'

export async function callActor<R>(hub: HubContext, name: string, message: object, timeoutMs?: number): Promise<R> {
  try {
    return await hub.system.byName(name).call<R>(message, timeoutMs === undefined ? undefined : { timeoutMs })
  } catch (error) {
    if (error instanceof ActorExited || error instanceof CallTimeout) {
      throw new HttpError(503, { error: 'service_unavailable', service: name })
    }
    // a write the store could not commit (disk full, I/O error): the actor restarts from disk
    if ((error as { code?: unknown } | null)?.code === 'table_corrupted') {
      throw new HttpError(503, { error: 'storage_unavailable', service: name })
    }
    throw error
  }
}

/** Like callActor, but an absent or failing actor yields `fallback` (optional areas). */
export async function callOptionalActor<R>(hub: HubContext, name: string, message: object, fallback: R): Promise<R> {
  if (!hub.system.whereis(name)) return fallback
  try {
    return await hub.system.byName(name).call<R>(message)
  } catch (error) {
    hub.log.warn('optional actor call failed', { actor: name, error: String(error) })
    return fallback
  }
}
