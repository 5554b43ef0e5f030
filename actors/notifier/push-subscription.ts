// A browser's PushSubscription (`PushSubscription.toJSON()`), checked before it is stored.
import webPush from 'web-push'

export interface StoredSubscription {
  endpoint: string
  expirationTime: number | null
  keys: { p256dh: string; auth: string }
  subscribed_at: number
  subscribed_by: string | null
}

export type SubscriptionCheck = { ok: true; subscription: Omit<StoredSubscription, 'subscribed_at' | 'subscribed_by'> } | { ok: false; error: string }

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])
const MAX_ENDPOINT_LENGTH = 2048

/**
 * Push services are https. Plain http is accepted only for a loopback host (a local test
 * receiver); anything else is refused so a subscription cannot aim the hub at arbitrary hosts
 * over cleartext.
 */
export function checkSubscription(input: unknown): SubscriptionCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, error: 'subscription must be an object' }
  const s = input as Record<string, unknown>
  if (typeof s.endpoint !== 'string' || s.endpoint.length > MAX_ENDPOINT_LENGTH) return { ok: false, error: 'endpoint must be a URL string' }
  let url: URL
  try {
    url = new URL(s.endpoint)
  } catch {
    return { ok: false, error: 'endpoint must be a URL string' }
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return { ok: false, error: 'endpoint must be https' }
  const keys = s.keys as Record<string, unknown> | undefined
  if (typeof keys !== 'object' || keys === null || typeof keys.p256dh !== 'string' || typeof keys.auth !== 'string') {
    return { ok: false, error: 'keys.p256dh and keys.auth are required' }
  }
  const subscription = {
    endpoint: s.endpoint,
    expirationTime: typeof s.expirationTime === 'number' ? s.expirationTime : null,
    keys: { p256dh: keys.p256dh, auth: keys.auth },
  }
  try {
    // web-push checks the key sizes while encrypting; a subscription it cannot encrypt for is useless
    webPush.encrypt(subscription.keys.p256dh, subscription.keys.auth, 'probe', 'aes128gcm')
  } catch (error) {
    return { ok: false, error: `invalid keys: ${error instanceof Error ? error.message : String(error)}` }
  }
  return { ok: true, subscription }
}
