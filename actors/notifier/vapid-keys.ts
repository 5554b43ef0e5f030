// The hub's VAPID key pair, generated once and kept in table `push_keys`. The original made a
// fresh pair per boot (unless set in the environment), which silently broke every browser
// subscription at each restart; a persisted pair keeps them working.
import webPush from 'web-push'
import type { Storage } from '../../storage'
import type { VapidKeys } from './push-sender'

export const VAPID_KEY_RECORD = 'vapid'

export interface StoredVapidKeys extends VapidKeys {
  created_at: number
}

/**
 * The stored pair, or a new one written (and committed) before it is returned — so a public key
 * handed to a browser is always the one the next boot will sign with. An explicit pair (env
 * `VAPID_PUBLIC_KEY` / `VAPID_PRIVATE_KEY`) wins and is stored too.
 */
export async function loadOrCreateVapidKeys(storage: Storage, now: number, explicit?: VapidKeys | null): Promise<StoredVapidKeys> {
  const table = storage.table<string, StoredVapidKeys>('push_keys')
  const stored = table.get(VAPID_KEY_RECORD)
  if (explicit) {
    if (stored && stored.publicKey === explicit.publicKey && stored.privateKey === explicit.privateKey) return stored
    const record = { ...explicit, created_at: now }
    await table.put(VAPID_KEY_RECORD, record)
    return record
  }
  if (stored && typeof stored.publicKey === 'string' && typeof stored.privateKey === 'string') return stored
  const fresh = webPush.generateVAPIDKeys()
  const record: StoredVapidKeys = { publicKey: fresh.publicKey, privateKey: fresh.privateKey, created_at: now }
  await table.put(VAPID_KEY_RECORD, record)
  return record
}

/** The pair from `VAPID_PUBLIC_KEY` / `VAPID_PRIVATE_KEY`, or null unless both are set. */
export function vapidKeysFromEnv(env: NodeJS.ProcessEnv = process.env): VapidKeys | null {
  const publicKey = env.VAPID_PUBLIC_KEY?.trim()
  const privateKey = env.VAPID_PRIVATE_KEY?.trim()
  return publicKey && privateKey ? { publicKey, privateKey } : null
}
