// The observability subtree: every actor under its registered name, and one_for_one restarts
// that keep the rate-limit policy (it lives in LMDB).
import t from 'tap'
import { observabilityTree } from '../../supervisors/trees/observability-tree'
import { ACTOR } from '../../actors/names'
import { TELEMETRY_LOG } from '../../actors/telemetry-log'
import type { AdminReply } from '../../actors/rate-limiter/actor'
import { world } from './world'

t.test('starts every child; a crashed rate limiter comes back with its policy, siblings untouched', async (t) => {
  const w = world(t)
  await observabilityTree({ storage: w.storage, dataDir: w.dataDir }).start(w.system)
  for (const name of [ACTOR.rateLimiter, ACTOR.validationTracker, ACTOR.metrics, ACTOR.alerter, TELEMETRY_LOG]) t.ok(w.system.whereis(name), `${name} running`)
  const limiter = w.system.byName(ACTOR.rateLimiter)
  t.equal((await limiter.call<AdminReply>({ type: 'post_whitelist', body: { agent_id: 'vip' } })).status, 200)
  const metricsBefore = w.system.whereis(ACTOR.metrics)!.id
  const old = w.system.whereis(ACTOR.rateLimiter)!
  w.system.exit(old, new Error('boom'))
  await w.system.exited(old)
  await w.clock.settle()
  const fresh = w.system.whereis(ACTOR.rateLimiter)
  t.ok(fresh && fresh.id !== old.id, 'restarted')
  t.same((await limiter.call<AdminReply>({ type: 'whitelist_view' })).body, { whitelist: ['vip'] })
  t.equal(w.system.whereis(ACTOR.metrics)!.id, metricsBefore, 'one_for_one: siblings not restarted')
})
