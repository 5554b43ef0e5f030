// Asking another actor for a part of the snapshot. Every peer is optional: a peer that is not
// running, crashes, refuses or is slow gives `fallback`, never an error, so a dashboard keeps
// working while parts of the hub restart.
import type { ActorSystem } from '../runtime'

export const PEER_TIMEOUT_MS = 1_000

export async function askPeer<T>(system: ActorSystem, name: string, msg: { type: string; [k: string]: unknown }, fallback: T, timeoutMs = PEER_TIMEOUT_MS): Promise<T> {
  const ref = system.whereis(name)
  if (ref === undefined || !ref.isAlive()) return fallback
  try {
    const reply = await ref.call<T>(msg, { timeoutMs })
    return reply === undefined || reply === null ? fallback : reply
  } catch {
    return fallback
  }
}
