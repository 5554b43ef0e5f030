// The `notifier` actor (hardening.md §7.4, DashboardNotifier): the only writer of tables
// `push_keys` (VAPID pair, persisted — the original lost it at every restart) and
// `push_subscriptions` (persisted — the original kept them in memory). Turns bus events into
// web pushes; a push service answering 404/410 removes that subscription, other failures keep it.
import { Actor, noReply, replyError, type From, type SystemInfo } from '../runtime'
import { ACTOR, TOPIC } from '../names'
import { healthPush, type DashboardHealth, type HealthStatus } from '../health'
import type { Storage, Table } from '../../storage'
import { pushForEvent, RateLimitPushCounter, RATE_LIMIT_COUNT_WINDOW_MS, violatingAgent, type PushPayload } from './push-payloads'
import { sendPush, VAPID_SUBJECT, type SendOutcome, type VapidKeys } from './push-sender'
import { checkSubscription, type StoredSubscription } from './push-subscription'
import { loadOrCreateVapidKeys, type StoredVapidKeys } from './vapid-keys'

export const HEALTH_CHECK_INTERVAL_MS = 60_000

export type NotifierCall =
  /** `GET /api/dashboard/vapid-key` → the base64url public key */
  | { type: 'vapid_public_key' }
  /** `POST /api/dashboard/push-subscribe` → `{status:'subscribed'}` once stored (replyError on a bad subscription) */
  | { type: 'subscribe'; subscription: unknown; subscribed_by?: string | null }
  | { type: 'unsubscribe'; endpoint: string }
  | { type: 'subscriptions' }
  /** push to every subscription now; replies once every send finished */
  | { type: 'notify'; payload: PushPayload }

export type NotifierCast = { type: 'send_results'; outcomes: SendOutcome[] }
export type NotifierInfo = { type: 'check_health' } | { type: 'sweep_rate_counters' }

export interface NotifierArgs {
  storage: Storage
  /** an explicit pair (env VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY); default: stored or generated once */
  vapid?: VapidKeys | null
  subject?: string
  sendTimeoutMs?: number
  /** 0 disables the 60 s health check */
  healthCheckIntervalMs?: number
}

export interface NotifyResult {
  sent: number
  failed: number
  removed: number
}

export class SubscriptionRejected extends Error {
  override readonly name = 'SubscriptionRejected'
  readonly code = 'invalid_subscription'
}

export class NotifierActor extends Actor<NotifierCall, NotifierCast, NotifierInfo, NotifierArgs> {
  private subscriptions!: Table<string, StoredSubscription>
  private keys!: StoredVapidKeys
  private subject = VAPID_SUBJECT
  private sendTimeoutMs: number | undefined
  private readonly rateCounter = new RateLimitPushCounter()
  private lastHealth: HealthStatus | null = null

  override async init(args: NotifierArgs): Promise<void> {
    this.subscriptions = args.storage.table<string, StoredSubscription>('push_subscriptions')
    this.keys = await loadOrCreateVapidKeys(args.storage, this.ctx.clock.now(), args.vapid ?? null)
    this.subject = args.subject ?? VAPID_SUBJECT
    this.sendTimeoutMs = args.sendTimeoutMs
    for (const topic of [TOPIC.presence, TOPIC.alerts, TOPIC.backups, TOPIC.rateLimits]) this.ctx.subscribe(topic)
    const healthEvery = args.healthCheckIntervalMs ?? HEALTH_CHECK_INTERVAL_MS
    if (healthEvery > 0) this.ctx.interval({ type: 'check_health' }, healthEvery)
    this.ctx.interval({ type: 'sweep_rate_counters' }, RATE_LIMIT_COUNT_WINDOW_MS)
  }

  override handleCall(msg: NotifierCall, from: From): unknown {
    switch (msg?.type) {
      case 'vapid_public_key':
        return this.keys.publicKey
      case 'subscribe':
        return this.subscribe(msg.subscription, msg.subscribed_by ?? null, from)
      case 'unsubscribe':
        if (typeof msg.endpoint !== 'string') return replyError(new SubscriptionRejected('endpoint must be a string'))
        this.subscriptions.remove(msg.endpoint).then(() => from.reply({ status: 'unsubscribed' }), (e) => from.fail(e))
        return noReply
      case 'subscriptions':
        return [...this.subscriptions.values()]
      case 'notify':
        this.pushToAll(msg.payload).then((r) => from.reply(r), (e) => from.fail(e))
        return noReply
      default:
        return replyError(new TypeError(`notifier: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override async handleCast(msg: NotifierCast): Promise<void> {
    if (msg?.type === 'send_results') await this.removeExpired(msg.outcomes)
  }

  override handleInfo(msg: NotifierInfo | SystemInfo): void {
    switch (msg.type) {
      case 'check_health':
        return this.checkHealth()
      case 'sweep_rate_counters':
        return this.rateCounter.sweep(this.ctx.clock.now())
      case 'bus': {
        const agent = msg.topic === TOPIC.rateLimits ? violatingAgent(msg.event) : null
        const payload = agent !== null ? this.rateCounter.violation(agent, this.ctx.clock.now()) : pushForEvent(msg.topic, msg.event)
        if (payload !== null) this.pushInBackground(payload)
        return
      }
      default:
        return
    }
  }

  private subscribe(input: unknown, subscribedBy: string | null, from: From): unknown {
    const check = checkSubscription(input)
    if (!check.ok) return replyError(new SubscriptionRejected(check.error))
    const record: StoredSubscription = { ...check.subscription, subscribed_at: this.ctx.clock.now(), subscribed_by: subscribedBy }
    // durable before acknowledged
    this.subscriptions.put(record.endpoint, record).then(() => from.reply({ status: 'subscribed' }), (e) => from.fail(e))
    return noReply
  }

  /** Only the ok → warning/critical transition pushes (hardening.md §7.4). */
  private checkHealth(): void {
    const state = this.ctx.system.whereis(ACTOR.dashboardState)
    if (!state) return
    const self = this.ctx.self
    state.call<DashboardHealth>({ type: 'health' }, { timeoutMs: 5_000 }).then(
      (health) => {
        const push = healthPush(this.lastHealth, health)
        this.lastHealth = health.status
        if (push !== null) self.call({ type: 'notify', payload: { ...push, icon: '/favicon.ico' } }).catch(() => undefined)
      },
      () => undefined,
    )
  }

  private pushInBackground(payload: PushPayload): void {
    const self = this.ctx.self
    void this.sendAll(payload).then((outcomes) => self.cast({ type: 'send_results', outcomes }))
  }

  private async pushToAll(payload: PushPayload): Promise<NotifyResult> {
    const outcomes = await this.sendAll(payload)
    const removed = await this.removeExpired(outcomes)
    return { sent: outcomes.filter((o) => o.result === 'sent').length, failed: outcomes.filter((o) => o.result === 'failed').length, removed }
  }

  private sendAll(payload: PushPayload): Promise<SendOutcome[]> {
    const body = JSON.stringify(payload)
    const keys = { publicKey: this.keys.publicKey, privateKey: this.keys.privateKey }
    const subs = [...this.subscriptions.values()]
    return Promise.all(subs.map((s) => sendPush(s, body, keys, { subject: this.subject, timeoutMs: this.sendTimeoutMs })))
  }

  private async removeExpired(outcomes: SendOutcome[]): Promise<number> {
    let removed = 0
    for (const o of outcomes) {
      if (o.result === 'failed') this.ctx.log.warn('push send failed; subscription kept', { status: o.status, error: o.error })
      if (o.result !== 'expired' || !this.subscriptions.has(o.endpoint)) continue
      await this.subscriptions.remove(o.endpoint)
      removed += 1
    }
    return removed
  }
}
