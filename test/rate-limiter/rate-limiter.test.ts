import t from 'tap'
import {
  EMPTY_POLICY,
  PROGRESS_BUDGET,
  RateLimiter,
  adminView,
  deleteOverrides,
  deleteWhitelist,
  policyFromStored,
  postWhitelist,
  progressiveBackoffMs,
  putOverrides,
  putWhitelist,
  storedFromPolicy,
  whitelistView,
  type RateDecision,
  type RateLimitPolicy,
} from '../../actors/rate-limiter'
import { validateHubFrame } from '../../relay/protocol/validator'

const T0 = 1_700_000_000_000

function drain(limiter: RateLimiter, n: number, at: number, principal = 'a1', tier: 'light' | 'normal' | 'heavy' = 'normal', channel: 'ws' | 'http' = 'ws'): RateDecision[] {
  return Array.from({ length: n }, () => limiter.check(principal, channel, tier, at))
}

function denied(d: RateDecision) {
  if (d.result !== 'deny') throw new Error(`expected deny, got ${d.result}`)
  return d
}

t.test('normal bucket: 60 at once, warnings below 20 %, the 61st denied with the 429 fields', async (t) => {
  const limiter = new RateLimiter()
  const results = drain(limiter, 61, T0)
  t.same(results.slice(0, 48).map((r) => r.result), Array(48).fill('allow'), 'remaining 12 of 60 is not below 20 %')
  t.same(results.slice(48, 60).map((r) => r.result), Array(12).fill('warn'), 'remaining 11 … 0 warns')
  const firstWarn = results[48]
  t.same(firstWarn.result === 'warn' && firstWarn.warning, { type: 'rate_limit_warning', tier: 'normal', remaining: 11, capacity: 60 })
  const deny = denied(results[60])
  t.equal(deny.retry_after_ms, 1000)
  t.same(deny.frame, { type: 'rate_limited', retry_after_ms: 1000, tier: 'normal' })
  t.same(deny.http, { status: 429, headers: { 'retry-after': '1' }, body: { error: 'rate_limited', retry_after_ms: 1000, tier: 'normal' } })
  t.ok(validateHubFrame(deny.frame).ok, 'rate_limited frame matches the wire schema')
  t.ok(firstWarn.result === 'warn' && validateHubFrame(firstWarn.warning).ok, 'warning frame matches the wire schema')
})

t.test('light 120 and heavy 10 at their boundaries; channels and tiers are independent', async (t) => {
  const limiter = new RateLimiter()
  const light = drain(limiter, 121, T0, 'a1', 'light')
  t.equal(light.filter((r) => r.result === 'allow').length, 96, '120 − 24: remaining 24 is the last plain allow')
  t.equal(light.filter((r) => r.result === 'warn').length, 24)
  t.equal(light[120].result, 'deny')
  const heavy = drain(limiter, 11, T0, 'a1', 'heavy')
  t.same(heavy.map((r) => r.result), [...Array(8).fill('allow'), 'warn', 'warn', 'deny'])
  t.equal(denied(heavy[10]).bucket_retry_ms, 6000, 'a heavy token comes back every 6 s')
  t.equal(limiter.check('a1', 'http', 'heavy', T0).result, 'allow', 'http bucket untouched by ws use')
  t.equal(limiter.check('a1', 'ws', 'normal', T0).result, 'allow', 'normal untouched by light/heavy use')
  t.equal(limiter.check('a2', 'ws', 'heavy', T0).result, 'allow', 'other principals untouched')
})

t.test('lazy refill: exact at the token boundary, capped at capacity', async (t) => {
  const limiter = new RateLimiter()
  drain(limiter, 10, T0, 'a1', 'heavy')
  const early = denied(limiter.check('a1', 'ws', 'heavy', T0 + 5999))
  t.equal(early.bucket_retry_ms, 1000, '1 ms short → rounded up to a whole second')
  t.equal(limiter.check('a1', 'ws', 'heavy', T0 + 6000).result, 'warn', 'one token back after exactly 6 s')
  t.equal(denied(limiter.check('a1', 'ws', 'heavy', T0 + 6000)).bucket_retry_ms, 6000)
  const after = new RateLimiter()
  drain(after, 60, T0)
  const later = drain(after, 61, T0 + 3_600_000)
  t.equal(later.filter((r) => r.result !== 'deny').length, 60, 'an hour of refill still caps at 60')
})

t.test('progressive backoff 1/2/5/10/30 s is what the client is told (max with the bucket time)', async (t) => {
  const limiter = new RateLimiter()
  drain(limiter, 60, T0)
  const seq = [0, 1, 2, 3, 4, 5].map((i) => denied(limiter.check('a1', 'ws', 'normal', T0 + i * 10)))
  t.same(seq.map((d) => d.backoff_ms), [1000, 2000, 5000, 10000, 30000, 30000])
  t.same(seq.map((d) => d.retry_after_ms), [1000, 2000, 5000, 10000, 30000, 30000])
  t.same(seq.map((d) => d.violation?.consecutive), [1, 2, 3, 4, 5, 6])
  t.same(seq.map((d) => d.http.headers['retry-after']), ['1', '2', '5', '10', '30', '30'])
  t.same([1, 2, 3, 4, 5, 9].map(progressiveBackoffMs), [1000, 2000, 5000, 10000, 30000, 30000])
  // the bucket time wins when it is longer (heavy: 6 s vs 1 s backoff)
  const heavy = new RateLimiter()
  drain(heavy, 10, T0, 'b', 'heavy')
  const d = denied(heavy.check('b', 'ws', 'heavy', T0))
  t.same([d.bucket_retry_ms, d.backoff_ms, d.retry_after_ms], [6000, 1000, 6000])
  // violations are shared across channels
  drain(heavy, 10, T0, 'b', 'heavy', 'http')
  t.equal(denied(heavy.check('b', 'http', 'heavy', T0)).violation?.consecutive, 2)
})

t.test('violation window: reset after 60 s, rate-limited exactly for the window', async (t) => {
  const limiter = new RateLimiter()
  drain(limiter, 60, T0)
  denied(limiter.check('a1', 'ws', 'normal', T0))
  t.ok(limiter.isRateLimited('a1', T0 + 60_000), 'still limited at exactly 60 s')
  t.notOk(limiter.isRateLimited('a1', T0 + 60_001))
  t.same(limiter.limitedAgents(T0 + 1), ['a1'])
  t.same(limiter.limitedAgents(T0 + 60_001), [])
  drain(limiter, 60, T0 + 60_001)
  const again = denied(limiter.check('a1', 'ws', 'normal', T0 + 60_001))
  t.same(again.violation, { count: 1, window_start: T0 + 60_001, consecutive: 1 }, 'a window older than 60 s starts over')
  t.equal(again.backoff_ms, 1000)
  // IP principals never appear in the scheduler's list
  drain(limiter, 121, T0, 'ip:10.0.0.1', 'light', 'http')
  t.ok(limiter.isRateLimited('ip:10.0.0.1', T0))
  t.same(limiter.limitedAgents(T0 + 60_001), ['a1'])
})

t.test('task_complete / task_failed are never denied; task_progress has its own budget', async (t) => {
  const limiter = new RateLimiter()
  // a long stream: far more progress frames than the normal bucket holds
  const progress = Array.from({ length: PROGRESS_BUDGET.capacity }, () => limiter.checkWsFrame('a1', 'task_progress', T0))
  t.notOk(progress.some((d) => d.result === 'deny'), '600 progress frames at once fit the budget')
  const overflow = denied(limiter.checkWsFrame('a1', 'task_progress', T0))
  t.equal(overflow.tier, 'normal')
  t.equal(overflow.violation, null, 'a dropped progress frame is not a violation')
  t.equal(overflow.bucket_retry_ms, 1000, 'the budget refills 10 per second')
  t.notOk(limiter.isRateLimited('a1', T0), 'streaming does not exclude the agent from scheduling')
  t.equal(limiter.checkWsFrame('a1', 'message', T0).result, 'allow', 'the normal bucket is untouched by progress')
  drain(limiter, 59, T0)
  t.equal(limiter.checkWsFrame('a1', 'task_accepted', T0).result, 'deny')
  t.equal(limiter.checkWsFrame('a1', 'task_progress', T0 + 100).result, 'warn', 'one progress token back after 100 ms')
  for (const type of ['task_complete', 'task_failed']) {
    const d = limiter.checkWsFrame('a1', type, T0 + 600)
    t.same(d, { result: 'exempt', principal: 'a1', channel: 'ws', tier: 'normal', reason: 'outcome_report' }, `${type} gets through an empty bucket`)
  }
  t.equal(limiter.checkWsFrame('a1', 'identify', T0).result, 'allow', 're-identify is heavy')
  t.equal(limiter.checkWsFrame('a1', 'ping', T0).result, 'allow', 'ping is light')
})

t.test('admin callers and whitelisted principals are exempt and spend nothing', async (t) => {
  const limiter = new RateLimiter({ overrides: {}, whitelist: ['w1'] })
  for (let i = 0; i < 200; i++) t.equal(limiter.check('w1', 'ws', 'heavy', T0).result, 'exempt')
  t.equal(limiter.bucketCount, 0)
  t.same(limiter.check('ops', 'http', 'heavy', T0, { role: 'admin' }), { result: 'exempt', principal: 'ops', channel: 'http', tier: 'heavy', reason: 'admin' })
  const viaHttp = limiter.checkHttpAction('post_task', { agentId: 'ops', remoteAddress: '127.0.0.1', role: 'admin' }, T0)
  t.equal(viaHttp.result, 'exempt')
  t.equal(limiter.dashboardView(['w1'], T0).per_agent.w1.exempt, true)
  t.equal(limiter.dashboardView([], T0).summary.exempt_count, 1)
})

t.test('HTTP actions: by-IP routes, unenforced actions, authenticated routes by agent', async (t) => {
  const limiter = new RateLimiter()
  const d = limiter.checkHttpAction('get_agents', { agentId: null, remoteAddress: '::ffff:10.1.2.3' }, T0)
  t.equal(d.result === 'allow' && d.principal, 'ip:10.1.2.3')
  t.equal(limiter.checkHttpAction('get_health', { agentId: null, remoteAddress: '10.1.2.3' }, T0).result, 'exempt')
  const task = limiter.checkHttpAction('post_task', { agentId: 'a1', remoteAddress: '10.1.2.3' }, T0)
  t.same(task.result === 'allow' && [task.principal, task.tier, task.channel], ['a1', 'heavy', 'http'])
  for (let i = 0; i < 9; i++) limiter.checkHttpAction('post_onboard_register', { agentId: null, remoteAddress: '10.9.9.9' }, T0)
  const ten = limiter.checkHttpAction('post_onboard_register', { agentId: null, remoteAddress: '10.9.9.9' }, T0)
  t.equal(ten.result, 'warn')
  const eleventh = denied(limiter.checkHttpAction('post_onboard_register', { agentId: null, remoteAddress: '10.9.9.9' }, T0))
  t.same(eleventh.http, { status: 429, headers: { 'retry-after': '6' }, body: { error: 'rate_limited', retry_after_ms: 6000, tier: 'heavy' } })
})

t.test('overrides: exact 422 bodies, take effect at once, reset buckets, DELETE restores defaults', async (t) => {
  let policy: RateLimitPolicy = EMPTY_POLICY
  const malformed = { error: 'invalid_overrides', detail: "each tier must have numeric 'capacity' and 'refill_rate_per_min'" }
  const noTier = { error: 'invalid_overrides', detail: 'at least one tier (light, normal, heavy) must be specified' }
  t.same(putOverrides(policy, 'a1', {}).body, noTier)
  t.same(putOverrides(policy, 'a1', { extra: 1 }).body, noTier)
  t.same(putOverrides(policy, 'a1', { normal: { capacity: '5', refill_rate_per_min: 5 } }).body, malformed)
  t.same(putOverrides(policy, 'a1', { normal: { capacity: 5 } }).body, malformed)
  t.same(putOverrides(policy, 'a1', [1, 2]).status, 422)
  t.same(putOverrides(policy, 'a1', { heavy: { capacity: 0.5, refill_rate_per_min: 1 } }).body, { error: 'invalid_overrides', detail: "'capacity' must be at least 1 token" })
  const rejected = putOverrides(policy, 'a1', { normal: { capacity: -1, refill_rate_per_min: 5 } })
  t.equal(rejected.status, 422)
  t.equal(rejected.policy, policy, 'a rejected body changes nothing')

  const limiter = new RateLimiter(policy)
  drain(limiter, 30, T0)
  const put = putOverrides(policy, 'a1', { normal: { capacity: 3, refill_rate_per_min: 0 }, heavy: { capacity: 20, refill_rate_per_min: 20 } })
  t.same(put.body, { status: 'updated', agent_id: 'a1', overrides: { normal: { capacity: 3, refill_rate_per_min: 0 }, heavy: { capacity: 20, refill_rate_per_min: 20 } } })
  t.same(put.policy.overrides, { a1: { normal: { capacity: 3000, refill_rate: 0 }, heavy: { capacity: 20000, refill_rate: 20000 / 60_000 } } }, 'internal units')
  t.same(put.reset_agents, ['a1'])
  policy = put.policy
  limiter.setPolicy(policy, put.reset_agents)
  t.same(drain(limiter, 4, T0 + 1).map((r) => r.result), ['allow', 'allow', 'warn', 'deny'], 'a fresh bucket of the new size')
  const never = denied(limiter.check('a1', 'ws', 'normal', T0 + 100_000))
  t.equal(never.bucket_retry_ms, 60_000, 'refill 0 → 60 s')
  t.equal(drain(limiter, 20, T0, 'a1', 'heavy', 'http').filter((r) => r.result !== 'deny').length, 20, 'override applies to both channels')
  t.equal(drain(limiter, 61, T0, 'a2').filter((r) => r.result !== 'deny').length, 60, 'other agents keep defaults')

  const del = deleteOverrides(policy, 'a1')
  t.same(del.body, { status: 'removed', agent_id: 'a1' })
  t.same(del.policy.overrides, {})
  limiter.setPolicy(del.policy, del.reset_agents)
  t.equal(drain(limiter, 61, T0 + 100_001).filter((r) => r.result !== 'deny').length, 60, 'defaults again, full bucket')
  t.same(deleteOverrides(del.policy, 'nobody').body, { status: 'removed', agent_id: 'nobody' })

  t.same(adminView(put.policy), {
    defaults: { light: { capacity: 120, refill_rate_per_min: 120 }, normal: { capacity: 60, refill_rate_per_min: 60 }, heavy: { capacity: 10, refill_rate_per_min: 10 } },
    overrides: put.policy.overrides,
    whitelist: [],
  })
})

t.test('whitelist operations and their 422 bodies', async (t) => {
  let policy: RateLimitPolicy = EMPTY_POLICY
  t.same(putWhitelist(policy, { agent_ids: ['a', 1] }).body, { error: 'invalid_whitelist', detail: 'agent_ids must be a list of strings' })
  t.same(putWhitelist(policy, { agent_ids: 'a' }).status, 422)
  t.same(postWhitelist(policy, { agent_id: '' }).body, { error: 'invalid_agent_id', detail: 'agent_id must be a non-empty string' })
  t.same(postWhitelist(policy, {}).body, { error: 'invalid_agent_id', detail: 'agent_id must be a non-empty string' })
  const replaced = putWhitelist(policy, { agent_ids: ['a', 'b', 'a'] })
  t.same(replaced.body, { status: 'updated', whitelist: ['a', 'b'] })
  t.same(putWhitelist(policy, {}).body, { status: 'updated', whitelist: [] }, 'missing agent_ids → []')
  policy = replaced.policy
  const added = postWhitelist(policy, { agent_id: 'c' })
  t.same(added.body, { status: 'added', agent_id: 'c' })
  t.equal(postWhitelist(added.policy, { agent_id: 'c' }).policy, added.policy, 'idempotent')
  const removed = deleteWhitelist(added.policy, 'a')
  t.same(removed.body, { status: 'removed', agent_id: 'a' })
  t.same(whitelistView(removed.policy), { whitelist: ['b', 'c'] })
  const limiter = new RateLimiter(removed.policy)
  t.equal(limiter.check('b', 'ws', 'heavy', T0).result, 'exempt')
  t.equal(limiter.check('a', 'ws', 'heavy', T0).result, 'allow')
})

t.test('policy persistence round-trip; malformed stored values are dropped, not fatal', async (t) => {
  const policy = putOverrides(postWhitelist(EMPTY_POLICY, { agent_id: 'w' }).policy, 'a1', { light: { capacity: 7.5, refill_rate_per_min: 30 } }).policy
  const stored = JSON.parse(JSON.stringify(storedFromPolicy(policy)))
  t.same(stored, { rate_limit_overrides: { a1: { light: { capacity: 7500, refill_rate: 0.5 } } }, rate_limit_whitelist: ['w'] })
  const loaded = policyFromStored(stored.rate_limit_overrides, stored.rate_limit_whitelist)
  t.same(loaded, { policy, problems: [] })
  const limiter = new RateLimiter(loaded.policy)
  t.same(drain(limiter, 8, T0, 'a1', 'light').map((r) => r.result), ['allow', 'allow', 'allow', 'allow', 'allow', 'allow', 'warn', 'deny'], '7.5 tokens: 7 actions, warned below 1.5')
  t.same(policyFromStored(null, undefined), { policy: { overrides: {}, whitelist: [] }, problems: [] })
  const bad = policyFromStored({ a: { light: { capacity: 'x', refill_rate: 1 } }, b: { bogus: {} }, c: { heavy: { capacity: 5000, refill_rate: 1 } } }, ['ok', 3])
  t.same(bad.policy, { overrides: { c: { heavy: { capacity: 5000, refill_rate: 1 } } }, whitelist: [] })
  t.equal(bad.problems.length, 3)
  t.same(policyFromStored('nope', {}).problems, ['rate_limit_overrides: not an object', 'rate_limit_whitelist: not a list of strings, ignored'])
})

t.test('idle sweep drops only entries that carry no information', async (t) => {
  const limiter = new RateLimiter()
  drain(limiter, 60, T0)
  limiter.check('a1', 'ws', 'light', T0)
  denied(limiter.check('a1', 'ws', 'normal', T0))
  limiter.check('ip:1.2.3.4', 'http', 'light', T0)
  t.equal(limiter.bucketCount, 3)
  t.same(limiter.sweepIdle(T0 + 30_000), { buckets_removed: 2, violations_removed: 0 }, 'light buckets (1 token used) are full again after 0.5 s; normal is not')
  t.same(limiter.sweepIdle(T0 + 60_001), { buckets_removed: 1, violations_removed: 1 })
  t.equal(limiter.bucketCount, 0)
  t.equal(limiter.check('a1', 'ws', 'normal', T0 + 60_001).result, 'allow', 'behaviour after the sweep equals behaviour before')
  // an override with no refill is a budget: its bucket is never swept
  const budget = putOverrides(EMPTY_POLICY, 'z', { heavy: { capacity: 2, refill_rate_per_min: 0 } })
  limiter.setPolicy(budget.policy, budget.reset_agents)
  limiter.check('z', 'ws', 'heavy', T0)
  limiter.sweepIdle(T0 + 10 * 3_600_000)
  t.equal(limiter.check('z', 'ws', 'heavy', T0 + 10 * 3_600_000).result, 'warn')
  t.equal(limiter.check('z', 'ws', 'heavy', T0 + 10 * 3_600_000).result, 'deny')
})

t.test('dashboard view: per-agent buckets with lazy refill, violations, top offenders over the hour', async (t) => {
  const limiter = new RateLimiter({ overrides: {}, whitelist: ['w'] })
  drain(limiter, 30, T0, 'a1')
  drain(limiter, 60, T0, 'a2')
  for (let i = 0; i < 3; i++) denied(limiter.check('a2', 'ws', 'normal', T0))
  drain(limiter, 10, T0, 'a3', 'heavy', 'http')
  denied(limiter.check('a3', 'http', 'heavy', T0))
  const view = limiter.dashboardView(['a1', 'a2'], T0 + 10_000)
  t.same(view.per_agent.a1.ws.normal, { remaining: 40, capacity: 60, usage_pct: 33.3 }, '30 used, 10 refilled')
  t.same(view.per_agent.a1.http.light, { remaining: 120, capacity: 120, usage_pct: 0 })
  t.same(view.per_agent.a2.violations, { consecutive: 3, total_in_window: 3 })
  t.equal(view.per_agent.a2.rate_limited, true)
  t.equal(view.per_agent.a1.rate_limited, false)
  t.same(view.summary, {
    total_violations_1h: 4,
    active_rate_limited: 2,
    exempt_count: 1,
    top_offenders: [
      { agent_id: 'a2', count: 3, rate_limited: true },
      { agent_id: 'a3', count: 1, rate_limited: true },
    ],
  })
  const later = limiter.dashboardView(['a2'], T0 + 30 * 60_000)
  t.equal(later.summary.total_violations_1h, 4, 'still counted half an hour later')
  t.equal(later.summary.active_rate_limited, 0)
  t.same(later.per_agent.a2.violations, { consecutive: 0, total_in_window: 0 })
  t.equal(limiter.dashboardView([], T0 + 62 * 60_000).summary.total_violations_1h, 0, 'and gone after the hour')
})

t.test('every 10th violation within 5 minutes asks for a push notification', async (t) => {
  const limiter = new RateLimiter()
  drain(limiter, 10, T0, 'a1', 'heavy')
  const pushes = Array.from({ length: 20 }, (_, i) => denied(limiter.check('a1', 'ws', 'heavy', T0 + i)).push_alert)
  t.same(pushes.filter(Boolean), [{ agent_id: 'a1', count: 10 }, { agent_id: 'a1', count: 20 }])
  drain(limiter, 10, T0 + 300_000, 'a1', 'heavy')
  t.equal(denied(limiter.check('a1', 'ws', 'heavy', T0 + 300_000)).push_alert, null, 'a new period counts from 1')
})
