// One push message to one subscription: web-push builds the request (VAPID JWT + aes128gcm
// payload encryption), we send it with fetch so the network step is ours (timeout, http for a
// loopback test receiver — web-push's own sender only speaks https).
import webPush from 'web-push'
import type { StoredSubscription } from './push-subscription'

export interface VapidKeys {
  publicKey: string
  privateKey: string
}

export const VAPID_SUBJECT = 'mailto:admin@agentcom.local'
export const PUSH_TTL_SECONDS = 3_600
export const PUSH_SEND_TIMEOUT_MS = 10_000

/** `expired`: the push service answered 404/410 — the subscription is gone and must be removed. */
export type SendOutcome = { endpoint: string; result: 'sent' | 'expired' | 'failed'; status: number | null; error?: string }

export async function sendPush(subscription: Pick<StoredSubscription, 'endpoint' | 'keys'>, payload: string, vapid: VapidKeys, options: { subject?: string; timeoutMs?: number } = {}): Promise<SendOutcome> {
  const endpoint = subscription.endpoint
  let details: ReturnType<typeof webPush.generateRequestDetails>
  try {
    details = webPush.generateRequestDetails({ endpoint, keys: subscription.keys }, payload, {
      vapidDetails: { subject: options.subject ?? VAPID_SUBJECT, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: PUSH_TTL_SECONDS,
      contentEncoding: 'aes128gcm',
    })
  } catch (error) {
    return { endpoint, result: 'failed', status: null, error: String(error) }
  }
  try {
    const response = await fetch(details.endpoint, {
      method: details.method,
      headers: details.headers,
      body: details.body ?? undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? PUSH_SEND_TIMEOUT_MS),
    })
    await response.arrayBuffer().catch(() => undefined)
    if (response.status === 404 || response.status === 410) return { endpoint, result: 'expired', status: response.status }
    if (response.status >= 200 && response.status < 300) return { endpoint, result: 'sent', status: response.status }
    return { endpoint, result: 'failed', status: response.status }
  } catch (error) {
    return { endpoint, result: 'failed', status: null, error: error instanceof Error ? error.message : String(error) }
  }
}
