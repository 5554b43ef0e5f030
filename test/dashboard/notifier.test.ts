// The notifier on real LMDB (temp dir) with a local push service on 127.0.0.1: VAPID keys and
// subscriptions survive a restart (the original lost both), pushes arrive encrypted and signed,
// expired subscriptions (404/410) are removed, bus events trigger the §7.4 pushes.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestSystem, Actor } from '../../actors/runtime'
import { ACTOR, TOPIC } from '../../actors/names'
import { NotifierActor, type NotifyResult } from '../../actors/notifier'
import { openStorage, type Storage } from '../../storage'
import { decryptPush, startPushReceiver, verifyVapid, type PushReceiver } from './push-receiver'

const T0 = 1_700_000_000_000

function tempDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function receiver(t: { teardown(fn: () => unknown): void }): Promise<PushReceiver> {
  const r = await startPushReceiver()
  t.teardown(() => r.close())
  return r
}

/** One hub "boot": storage opened, a notifier spawned. `stop` closes both (the restart). */
async function boot(dataDir: string, opts: { healthCheckIntervalMs?: number } = {}) {
  const { system, clock, shutdown } = createTestSystem({ start: T0 })
  const storage: Storage = openStorage({ dataDir })
  const notifier = await system.spawn(NotifierActor, { storage, healthCheckIntervalMs: opts.healthCheckIntervalMs ?? 0 }, { name: ACTOR.notifier })
  const stop = async () => {
    await shutdown()
    await storage.close()
  }
  return { system, clock, storage, notifier, stop }
}

t.test('VAPID keys and subscriptions survive a restart (reopened storage)', async (t) => {
  const dir = tempDir(t)
  const push = await receiver(t)
  const sub = push.subscription('/push/one')

  const first = await boot(dir)
  const key1 = await first.notifier.call<string>({ type: 'vapid_public_key' })
  t.match(key1, /^[A-Za-z0-9_-]{87}$/, 'base64url P-256 public key, no padding')
  t.same(await first.notifier.call({ type: 'subscribe', subscription: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys } }), { status: 'subscribed' })
  await first.stop()

  const second = await boot(dir)
  t.teardown(second.stop)
  t.equal(await second.notifier.call<string>({ type: 'vapid_public_key' }), key1, 'same key after restart')
  const subs = await second.notifier.call<Array<{ endpoint: string }>>({ type: 'subscriptions' })
  t.same(subs.map((s) => s.endpoint), [sub.endpoint], 'subscription kept')

  // and the kept subscription still works with the kept key
  const result = await second.notifier.call<NotifyResult>({ type: 'notify', payload: { title: 'AgentCom Alert', body: 'after restart' } })
  t.same(result, { sent: 1, failed: 0, removed: 0 })
  const got = push.received[0]!
  t.equal(JSON.parse(decryptPush(got.body, sub)).body, 'after restart')
  t.ok(verifyVapid(got.headers.authorization, key1, push.url).ok, 'signed with the persisted key')
})

t.test('a push reaches the local receiver: encrypted aes128gcm, VAPID-signed, TTL set', async (t) => {
  const dir = tempDir(t)
  const push = await receiver(t)
  const hub = await boot(dir)
  t.teardown(hub.stop)
  const sub = push.subscription('/push/a')
  await hub.notifier.call({ type: 'subscribe', subscription: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys } })
  const key = await hub.notifier.call<string>({ type: 'vapid_public_key' })
  await hub.notifier.call({ type: 'notify', payload: { title: 'AgentCom CRITICAL', body: 'Queue is on fire', icon: '/favicon.ico', data: { rule_id: 'r1' } } })
  t.equal(push.received.length, 1)
  const got = push.received[0]!
  t.equal(got.path, '/push/a')
  t.equal(got.headers['content-encoding'], 'aes128gcm')
  t.ok(Number(got.headers.ttl) > 0, 'TTL header')
  const vapid = verifyVapid(got.headers.authorization, key, push.url)
  t.ok(vapid.ok, 'JWT verifies against the VAPID public key, audience = push origin')
  t.equal(vapid.claims.sub, 'mailto:admin@agentcom.local')
  t.same(JSON.parse(decryptPush(got.body, sub)), { title: 'AgentCom CRITICAL', body: 'Queue is on fire', icon: '/favicon.ico', data: { rule_id: 'r1' } })
})

t.test('404/410 remove the subscription (durably), other failures keep it', async (t) => {
  const dir = tempDir(t)
  const push = await receiver(t)
  const hub = await boot(dir)
  const gone = push.subscription('/gone')
  const expired = push.subscription('/expired')
  const flaky = push.subscription('/flaky')
  push.statusFor.set('/gone', 410)
  push.statusFor.set('/expired', 404)
  push.statusFor.set('/flaky', 500)
  for (const s of [gone, expired, flaky]) await hub.notifier.call({ type: 'subscribe', subscription: { endpoint: s.endpoint, keys: s.keys } })
  const result = await hub.notifier.call<NotifyResult>({ type: 'notify', payload: { title: 't', body: 'b' } })
  t.same(result, { sent: 0, failed: 1, removed: 2 })
  await hub.stop()
  const again = await boot(dir)
  t.teardown(again.stop)
  const left = await again.notifier.call<Array<{ endpoint: string }>>({ type: 'subscriptions' })
  t.same(left.map((s) => s.endpoint), [flaky.endpoint], 'only the failing-but-alive one is left after a restart')
})

t.test('bad subscriptions are refused with a clear error', async (t) => {
  const dir = tempDir(t)
  const hub = await boot(dir)
  t.teardown(hub.stop)
  const push = await receiver(t)
  const good = push.subscription('/x')
  const cases: Array<[unknown, RegExp]> = [
    [null, /object/],
    [{ keys: good.keys }, /endpoint/],
    [{ endpoint: 'not a url', keys: good.keys }, /endpoint/],
    [{ endpoint: 'http://example.com/push', keys: good.keys }, /https/],
    [{ endpoint: 'https://push.example/x' }, /keys/],
    [{ endpoint: 'https://push.example/x', keys: { p256dh: 'AAAA', auth: good.keys.auth } }, /invalid keys/],
  ]
  for (const [subscription, message] of cases) {
    await t.rejects(hub.notifier.call({ type: 'subscribe', subscription }), { name: 'SubscriptionRejected', message }, JSON.stringify(subscription))
  }
  t.same(await hub.notifier.call({ type: 'subscriptions' }), [], 'nothing stored')
  t.ok(hub.notifier.isAlive(), 'the notifier did not crash')
})

class FakeDashboardState extends Actor<{ type: string }, never, never, { health: { status: string; conditions: string[] } }> {
  private health!: { status: string; conditions: string[] }
  override init(args: { health: { status: string; conditions: string[] } }): void {
    this.health = args.health
  }
  override handleCall(): unknown {
    return this.health
  }
}

t.test('bus events → §7.4 pushes; health pushes only on ok → warning', async (t) => {
  const dir = tempDir(t)
  const push = await receiver(t)
  const health = { status: 'ok', conditions: [] as string[] }
  const { system, clock, shutdown } = createTestSystem({ start: T0 })
  const storage = openStorage({ dataDir: dir })
  t.teardown(async () => {
    await shutdown()
    await storage.close()
  })
  await system.spawn(FakeDashboardState, { health }, { name: ACTOR.dashboardState })
  const notifier = await system.spawn(NotifierActor, { storage, healthCheckIntervalMs: 60_000 }, { name: ACTOR.notifier })
  const sub = push.subscription('/all')
  await notifier.call({ type: 'subscribe', subscription: { endpoint: sub.endpoint, keys: sub.keys } })
  const bodies = () => push.received.map((r) => JSON.parse(decryptPush(r.body, sub)) as Record<string, unknown>)

  system.bus.publish(TOPIC.presence, { type: 'agent_left', agent_id: 'alpha' })
  system.bus.publish(TOPIC.alerts, { type: 'alert_fired', alert: { rule_id: 'stuck_tasks', severity: 'critical', message: '2 stuck tasks' } })
  system.bus.publish(TOPIC.alerts, { type: 'alert_cleared', rule_id: 'stuck_tasks' })
  system.bus.publish(TOPIC.backups, { type: 'recovery_failed', table: 'task_queue', reason: 'no_usable_backup' })
  system.bus.publish(TOPIC.backups, { type: 'recovery_complete', table: 'channels', trigger: 'manual' })
  for (let i = 0; i < 10; i++) system.bus.publish(TOPIC.rateLimits, { type: 'rate_limit_violation', agent_id: 'gamma' })
  await push.waitFor(4)

  await clock.advance(60_000) // first health check: remembers ok
  health.status = 'warning'
  health.conditions.push('Agent offline: alpha')
  await clock.advance(60_000) // ok → warning: one push
  await push.waitFor(5)
  await clock.advance(60_000) // still warning: no push
  await new Promise((r) => setTimeout(r, 200))
  const sorted = bodies().map((b) => `${b.title} | ${b.body}${b.tag ? ` | ${b.tag}` : ''}`).sort()
  t.same(sorted, [
    'AgentCom Alert | Agent offline: alpha',
    'AgentCom Alert | Health warning: Agent offline: alpha',
    'AgentCom CRITICAL | 2 stuck tasks',
    'AgentCom Critical | DETS recovery FAILED: task_queue -- no_usable_backup',
    'Rate Limit Alert | Agent gamma has 10 rate limit violations | rate-limit-gamma',
  ])
})
