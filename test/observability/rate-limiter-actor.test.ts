// The rate-limiter actor over real LMDB and a virtual clock: each limit at its boundary, refill,
// backoff, events, the scheduler's list, and the policy surviving an actor restart and a storage
// reopen.
import t from 'tap'
import { RateLimiterActor, type AdminReply, type RateLimitViolationEvent } from '../../actors/rate-limiter/actor'
import type { RateDecision } from '../../actors/rate-limiter'
import { ACTOR, TOPIC } from '../../actors/names'
import { world, type World } from './world'

async function limiter(w: World, sweepIntervalMs?: number) {
  return w.system.spawn(RateLimiterActor, { storage: w.storage, sweepIntervalMs }, { name: ACTOR.rateLimiter })
}

type Ref = Awaited<ReturnType<typeof limiter>>
const ws = (ref: Ref, agent: string, frame_type: string, role: 'agent' | 'admin' = 'agent') => ref.call<RateDecision>({ type: 'check_ws', agent_id: agent, frame_type, role })
const httpCheck = (ref: Ref, action: string, agent: string | null, ip = '127.0.0.1') =>
  ref.call<RateDecision>({ type: 'check_http', action, agent_id: agent, remote_address: ip, role: 'agent' })

async function drain(ref: Ref, agent: string, frameType: string, n: number): Promise<RateDecision[]> {
  const out: RateDecision[] = []
  for (let i = 0; i < n; i++) out.push(await ws(ref, agent, frameType))
  return out
}

t.test('each ws tier allows exactly its capacity, warns below 20 %, then denies', async (t) => {
  const w = world(t)
  const ref = await limiter(w)
  for (const [tier, frameType, capacity] of [['light', 'ping', 120], ['normal', 'message', 60], ['heavy', 'identify', 10]] as const) {
    const agent = `a-${tier}`
    const decisions = await drain(ref, agent, frameType, capacity)
    t.ok(decisions.every((d) => d.result === 'allow' || d.result === 'warn'), `${tier}: ${capacity} allowed`)
    // warning once fewer than 20 % of the tokens are left
    const firstWarn = decisions.findIndex((d) => d.result === 'warn')
    const remainingAtWarn = capacity - firstWarn - 1
    t.ok(remainingAtWarn < capacity * 0.2 && remainingAtWarn + 1 >= capacity * 0.2, `${tier}: first warning at ${remainingAtWarn} left`)
    const denied = await ws(ref, agent, frameType)
    t.equal(denied.result, 'deny', `${tier}: #${capacity + 1} denied`)
    if (denied.result === 'deny') {
      t.equal(denied.frame.type, 'rate_limited')
      t.equal(denied.http.status, 429)
      t.ok(Number(denied.http.headers['retry-after']) >= 1)
    }
  }
})

t.test('refill: a heavy token is back after 6 s, not before; backoff is returned', async (t) => {
  const w = world(t)
  const ref = await limiter(w)
  await drain(ref, 'h', 'identify', 10)
  const first = await ws(ref, 'h', 'identify')
  t.equal(first.result, 'deny')
  if (first.result === 'deny') {
    t.equal(first.retry_after_ms, 6000, 'bucket wait (6 s) beats the 1 s backoff')
    t.equal(first.backoff_ms, 1000)
  }
  await w.clock.advance(5_999)
  t.equal((await ws(ref, 'h', 'identify')).result, 'deny', 'not yet refilled at 5.999 s')
  await w.clock.advance(6_001)
  t.not((await ws(ref, 'h', 'identify')).result, 'deny', 'refilled')
  // repeat offenders: consecutive violations climb the backoff ladder 1/2/5/10/30 s
  const light = await drain(ref, 'l', 'ping', 120)
  t.equal(light.length, 120)
  const backoffs: number[] = []
  for (let i = 0; i < 5; i++) {
    const d = await ws(ref, 'l', 'ping')
    if (d.result === 'deny') backoffs.push(d.backoff_ms)
  }
  t.same(backoffs, [1000, 2000, 5000, 10000, 30000])
})

t.test('violations are published on rate_limits; the agent is excluded from scheduling for the window', async (t) => {
  const w = world(t)
  const ref = await limiter(w)
  const events: RateLimitViolationEvent[] = []
  w.system.bus.subscribe(TOPIC.rateLimits, (e) => events.push(e as RateLimitViolationEvent))
  await drain(ref, 'x', 'identify', 11)
  t.equal(events.length, 1)
  t.match(events[0], { type: 'rate_limit_violation', agent_id: 'x', consecutive: 1, retry_after_ms: 6000 })
  t.same(await ref.call({ type: 'limited_agents' }), ['x'])
  await w.clock.advance(60_000)
  t.same(await ref.call({ type: 'limited_agents' }), ['x'], 'still inside the 60 s window')
  await w.clock.advance(1)
  t.same(await ref.call({ type: 'limited_agents' }), [], 'window over')
})

t.test('exemptions: admin role, outcome reports, whitelist; task_progress has its own budget', async (t) => {
  const w = world(t)
  const ref = await limiter(w)
  t.match(await ws(ref, 'adm', 'identify', 'admin'), { result: 'exempt', reason: 'admin' })
  t.match(await ws(ref, 'a', 'task_complete'), { result: 'exempt', reason: 'outcome_report' })
  const progress = await drain(ref, 'p', 'task_progress', 600)
  t.ok(progress.every((d) => d.result !== 'deny'), '600 progress frames allowed')
  const over = await ws(ref, 'p', 'task_progress')
  t.equal(over.result, 'deny')
  t.same(await ref.call({ type: 'limited_agents' }), [], 'a progress denial is no violation')
  t.not((await ws(ref, 'p', 'message')).result, 'deny', 'the normal bucket is untouched')
  const added = await ref.call<AdminReply>({ type: 'post_whitelist', body: { agent_id: 'w' } })
  t.same(added, { status: 200, body: { status: 'added', agent_id: 'w' } })
  t.match(await ws(ref, 'w', 'identify'), { result: 'exempt', reason: 'whitelist' })
})

t.test('HTTP: unauthenticated actions are keyed by IP; unenforced actions cost nothing', async (t) => {
  const w = world(t)
  const ref = await limiter(w)
  for (let i = 0; i < 120; i++) await httpCheck(ref, 'get_metrics', null, '10.0.0.1')
  const denied = await httpCheck(ref, 'get_metrics', null, '10.0.0.1')
  t.match(denied, { result: 'deny', principal: 'ip:10.0.0.1' })
  t.not((await httpCheck(ref, 'get_metrics', null, '10.0.0.2')).result, 'deny', 'another IP has its own bucket')
  t.match(await httpCheck(ref, 'get_health', null, '10.0.0.1'), { result: 'exempt', reason: 'not_enforced' })
  t.same(await ref.call({ type: 'limited_agents' }), [], 'IP principals are not scheduler input')
})

t.test('bad input is refused with an error, the actor keeps running', async (t) => {
  const w = world(t)
  const ref = await limiter(w)
  // what a buggy or hostile caller could send: not the typed contract
  const raw = ref as unknown as { call(m: object): Promise<unknown> }
  await t.rejects(raw.call({ type: 'check_ws' }), /agent_id/)
  await t.rejects(raw.call({ type: 'nonsense' }), /unknown call/)
  await t.rejects(raw.call({ type: 'check_http', action: 'get_metrics' }), /remote_address/)
  const bad = await ref.call<AdminReply>({ type: 'put_overrides', agent_id: 'a', body: { light: { capacity: 'x' } } })
  t.equal(bad.status, 422)
  t.equal(bad.body.error, 'invalid_overrides')
  t.ok(ref.isAlive())
})

t.test('overrides and whitelist survive an actor restart and a storage reopen', async (t) => {
  const w1 = world(t)
  let ref = await limiter(w1)
  const put = await ref.call<AdminReply>({ type: 'put_overrides', agent_id: 'slow', body: { heavy: { capacity: 2, refill_rate_per_min: 1 } } })
  t.same(put, { status: 200, body: { status: 'updated', agent_id: 'slow', overrides: { heavy: { capacity: 2, refill_rate_per_min: 1 } } } })
  t.equal((await ref.call<AdminReply>({ type: 'put_whitelist', body: { agent_ids: ['vip', 'ops'] } })).status, 200)
  t.equal((await ref.call<AdminReply>({ type: 'delete_whitelist', agent_id: 'ops' })).status, 200)
  await drain(ref, 'slow', 'identify', 2)
  t.equal((await ws(ref, 'slow', 'identify')).result, 'deny', 'override capacity 2 applies at once')

  // actor restart: policy rebuilt from LMDB
  await w1.system.stop(ref)
  ref = await limiter(w1)
  t.match((await ref.call<AdminReply>({ type: 'admin_view' })).body, {
    overrides: { slow: { heavy: { capacity: 2000, refill_rate: 1000 / 60_000 } } },
    whitelist: ['vip'],
  })
  await w1.stop()

  // storage closed and reopened on the same directory
  const w2 = world(t, { dataDir: w1.dataDir })
  ref = await limiter(w2)
  t.same((await ref.call<AdminReply>({ type: 'whitelist_view' })).body, { whitelist: ['vip'] })
  await drain(ref, 'slow', 'identify', 2)
  t.equal((await ws(ref, 'slow', 'identify')).result, 'deny', 'override still in force after reopen')
  t.match(await ws(ref, 'vip', 'identify'), { result: 'exempt', reason: 'whitelist' })
  t.equal((await ref.call<AdminReply>({ type: 'delete_overrides', agent_id: 'slow' })).status, 200)
  await drain(ref, 'slow', 'identify', 9)
  t.not((await ws(ref, 'slow', 'identify')).result, 'deny', 'back to the default 10 after delete')
})

t.test('the idle sweep drops refilled buckets on its 5-minute timer', async (t) => {
  const w = world(t)
  const ref = await limiter(w)
  await drain(ref, 's', 'identify', 11)
  const before = (await w.system.inspect(ref)) as { buckets: number }
  t.equal(before.buckets, 1)
  await w.clock.advance(300_000)
  const after = (await w.system.inspect(ref)) as { buckets: number; last_sweep: { buckets_removed: number; violations_removed: number } }
  t.equal(after.buckets, 0)
  t.same(after.last_sweep, { buckets_removed: 1, violations_removed: 1 })
})
