// Browser push subscription (hardening.md §7.4) with the dashboard's Bearer token. Push is a
// convenience: every failure (headless browser, no push service, denied permission, a hub
// without VAPID keys) ends in a quiet "unavailable" state, never in a broken page.
import { bearerHeaders } from './session-token.js'

export const SERVICE_WORKER_URL = '/sw.js'
// Without a reachable push service (headless browsers, locked-down networks) subscribe() never
// settles; a real push service answers within a second or two.
export const SUBSCRIBE_TIMEOUT_MS = 8000

/** Why push cannot work in this browser, or null when it might. */
export function pushUnsupportedReason(win = globalThis) {
  if (!win.isSecureContext) return 'needs https or localhost'
  if (!('serviceWorker' in win.navigator)) return 'no service worker support'
  if (!('PushManager' in win)) return 'no push support'
  if (!('Notification' in win)) return 'no notification support'
  return null
}

/** base64url (no padding) → bytes, as pushManager.subscribe wants the VAPID key. */
export function base64UrlToBytes(text) {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export class PushUnavailable extends Error {}

function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new PushUnavailable(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function fetchVapidKey(token, fetchImpl) {
  const response = await fetchImpl('/api/dashboard/vapid-key', { headers: bearerHeaders(token) })
  if (!response.ok) throw new PushUnavailable(`hub has no push key (HTTP ${response.status})`)
  const body = await response.json()
  if (!body || typeof body.vapid_public_key !== 'string' || !body.vapid_public_key) throw new PushUnavailable('hub sent no push key')
  return body.vapid_public_key
}

async function postSubscription(token, subscription, fetchImpl) {
  const response = await fetchImpl('/api/dashboard/push-subscribe', {
    method: 'POST',
    headers: bearerHeaders(token, { 'Content-Type': 'application/json' }),
    body: JSON.stringify(subscription),
  })
  if (!response.ok) throw new PushUnavailable(`hub refused the subscription (HTTP ${response.status})`)
}

/**
 * Registers the service worker, subscribes and hands the subscription to the hub.
 * Resolves 'subscribed' or 'denied'; throws PushUnavailable with a reason otherwise.
 */
export async function enablePush(token, win = globalThis, fetchImpl = globalThis.fetch.bind(globalThis), subscribeTimeoutMs = SUBSCRIBE_TIMEOUT_MS) {
  const unsupported = pushUnsupportedReason(win)
  if (unsupported) throw new PushUnavailable(unsupported)
  const vapidKey = await fetchVapidKey(token, fetchImpl)
  const permission = await win.Notification.requestPermission()
  if (permission !== 'granted') return 'denied'
  let subscription
  try {
    const registration = await win.navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' })
    await withTimeout(win.navigator.serviceWorker.ready, subscribeTimeoutMs, 'the service worker')
    subscription =
      (await registration.pushManager.getSubscription()) ||
      (await withTimeout(registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(vapidKey) }), subscribeTimeoutMs, 'the push service'))
  } catch (error) {
    throw new PushUnavailable(error && error.message ? error.message : String(error))
  }
  await postSubscription(token, subscription.toJSON ? subscription.toJSON() : subscription, fetchImpl)
  return 'subscribed'
}
