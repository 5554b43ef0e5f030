// The alerter actor on a virtual clock with the real config, presence and metrics actors (a stub
// task queue answers in the queue's reply shapes): start-up grace, each rule firing and
// clearing, cooldowns, critical re-fires, acknowledgement, and thresholds changed at run time
// taking effect at the next check.
import t from 'tap'
import { AlerterActor } from '../../actors/alerter/actor'
import type { AlertEvent, RuleOutcome } from '../../actors/alerter'
import { ConfigActor } from '../../actors/config'
import { PresenceActor } from '../../actors/presence'
import { MetricsActor } from '../../actors/metrics/actor'
import { telemetry } from '../../actors/metrics'
import { ACTOR, TOPIC } from '../../actors/names'
import { StubTaskQueue, type StubQueueState } from './stub-task-queue'
import { T0, world, type World } from './world'

interface Teardownable {
  teardown(fn: () => unknown): void
}

async function alerterWorld(t: Teardownable, opts: { config?: boolean } = {}) {
  const w = world(t)
  if (opts.config !== false) await w.system.spawn(ConfigActor, { storage: w.storage }, { name: ACTOR.config })
  await w.system.spawn(PresenceActor, undefined, { name: ACTOR.presence })
  const queue = await w.system.spawn(StubTaskQueue, undefined, { name: ACTOR.taskQueue })
  await w.system.spawn(MetricsActor, { storage: w.storage }, { name: ACTOR.metrics })
  const alerter = await w.system.spawn(AlerterActor, { storage: w.storage }, { name: ACTOR.alerter })
  const events: AlertEvent[] = []
  w.system.bus.subscribe(TOPIC.alerts, (e) => events.push(e as AlertEvent))
  const setQueue = (state: Partial<StubQueueState>) => queue.call({ type: 'set', state })
  /** advances to the next check (every 30 s after the 30 s grace) */
  const nextCheck = () => w.clock.advance(30_000)
  return { w, alerter, events, setQueue, nextCheck }
}
const fired = (events: AlertEvent[], rule: string) => events.filter((e) => e.type === 'alert_fired' && e.alert.rule_id === rule).length
const cleared = (events: AlertEvent[], rule: string) => events.filter((e) => e.type === 'alert_cleared' && e.rule_id === rule).length

t.test('no check during the 30 s start-up grace; the first one runs at 30 s', async (t) => {
  const { w, alerter } = await alerterWorld(t)
  await w.clock.advance(29_999)
  t.same(((await w.system.inspect(alerter)) as { last_outcomes: unknown }).last_outcomes, null)
  await w.clock.advance(1)
  t.not(((await w.system.inspect(alerter)) as { last_outcomes: unknown }).last_outcomes, null)
})

t.test('queue_growing: fires after 3 growing checks, respects its cooldown, clears after 3 calm checks', async (t) => {
  const { events, setQueue, nextCheck, w } = await alerterWorld(t)
  for (const depth of [1, 2]) {
    await setQueue({ queued: depth })
    await (depth === 1 ? w.clock.advance(30_000) : nextCheck())
  }
  t.equal(fired(events, 'queue_growing'), 0, 'two samples are not a trend')
  await setQueue({ queued: 3 })
  await nextCheck() // t = 90 s
  t.equal(fired(events, 'queue_growing'), 1, 'fires on the 3rd growing sample')
  for (let depth = 4; depth <= 12; depth++) {
    await setQueue({ queued: depth })
    await nextCheck() // up to t = 360 s: 270 s after firing, inside the 300 s cooldown
  }
  t.equal(fired(events, 'queue_growing'), 1, 'no re-fire inside the cooldown')
  await setQueue({ queued: 13 })
  await nextCheck() // t = 390 s: 300 s after firing
  t.equal(fired(events, 'queue_growing'), 2, 're-fired once the cooldown elapsed')
  for (let i = 0; i < 2; i++) await nextCheck()
  t.equal(cleared(events, 'queue_growing'), 0, 'two calm checks do not clear it')
  await nextCheck()
  t.equal(cleared(events, 'queue_growing'), 1, 'the third calm check clears it')
})

t.test('no_agents_online: fires when every agent left, re-fires every check (critical), clears on join', async (t) => {
  const { events, nextCheck, w } = await alerterWorld(t)
  const presence = w.system.byName(ACTOR.presence)
  await presence.call({ type: 'join', agent: { agent_id: 'a1' }, session_id: 's1' })
  await w.clock.advance(30_000)
  t.equal(fired(events, 'no_agents_online'), 0, 'an agent is online')
  await presence.call({ type: 'leave', agent_id: 'a1', session_id: 's1' })
  await nextCheck()
  t.equal(fired(events, 'no_agents_online'), 1, 'fires once the last agent left')
  const alert = events.find((e) => e.type === 'alert_fired')
  t.match(alert, { alert: { rule_id: 'no_agents_online', severity: 'critical', acknowledged: false, fired_at: T0 + 60_000 } })
  await nextCheck()
  t.equal(fired(events, 'no_agents_online'), 2, 'critical: re-fired at the next check despite no cooldown passing')
  await presence.call({ type: 'join', agent: { agent_id: 'a1' }, session_id: 's2' })
  await nextCheck()
  t.equal(cleared(events, 'no_agents_online'), 1)
})

t.test('no_agents_online stays quiet on a hub that never saw an agent', async (t) => {
  const { events, w } = await alerterWorld(t)
  await w.clock.advance(120_000)
  t.equal(fired(events, 'no_agents_online'), 0)
})

t.test('stuck_tasks fires for an assigned task without progress beyond 5 min, clears when it moves', async (t) => {
  const { events, setQueue, w, nextCheck } = await alerterWorld(t)
  await setQueue({ assigned: [{ id: 'task-1', status: 'assigned', assigned_at: T0 - 300_000, updated_at: T0 - 300_000 }] })
  await w.clock.advance(30_000)
  t.equal(fired(events, 'stuck_tasks'), 1)
  t.match(events.find((e) => e.type === 'alert_fired'), { alert: { details: { task_ids: ['task-1'] } } })
  await setQueue({ assigned: [] })
  await nextCheck()
  t.equal(cleared(events, 'stuck_tasks'), 1)
})

t.test('high_failure_rate and high_error_rate from the metrics window; a threshold change applies at the next check', async (t) => {
  const { alerter, events, w, nextCheck } = await alerterWorld(t)
  const fail = (i: number) => w.system.bus.publish(TOPIC.telemetry, telemetry('agent_com.task.fail', { retry_count: 1 }, { task_id: `t${i}`, agent_id: 'a', error: 'boom' }, w.clock.now()))
  const complete = (i: number) =>
    w.system.bus.publish(TOPIC.telemetry, telemetry('agent_com.task.complete', { duration_ms: 1000 }, { task_id: `c${i}`, agent_id: 'a', tokens_used: null }, w.clock.now()))
  for (let i = 0; i < 3; i++) fail(i)
  for (let i = 0; i < 7; i++) complete(i)
  await w.clock.advance(30_000)
  const outcomes = ((await w.system.inspect(alerter)) as { last_outcomes: Record<string, RuleOutcome> }).last_outcomes
  t.equal(outcomes.high_error_rate, 'inactive', '3 failures ≤ 10')
  t.equal(outcomes.high_failure_rate, 'inactive', '30 % ≤ 50 %')

  const bad = (await alerter.call({ type: 'set_thresholds', body: { error_count_hour: -1 } })) as { ok: boolean; status: number }
  t.match(bad, { ok: false, status: 422 }, 'invalid thresholds refused')
  const ok = await alerter.call({ type: 'set_thresholds', body: { error_count_hour: 2, failure_rate_pct: 25 } })
  t.match(ok, { ok: true, reply: { status: 'updated', effective: 'next_check_cycle' } })
  t.equal(fired(events, 'high_error_rate'), 0, 'nothing fires before the next check')
  await nextCheck()
  t.equal(fired(events, 'high_error_rate'), 1, 'fires at the next check under the new threshold')
  t.equal(fired(events, 'high_failure_rate'), 1)

  // the same through the config actor (what PUT /api/config/alert-thresholds does)
  await w.system.byName(ACTOR.config).call({ type: 'set', key: 'alert_thresholds', value: { error_count_hour: 50, failure_rate_pct: 90 } })
  await nextCheck()
  t.equal(cleared(events, 'high_error_rate'), 1, 'a raised threshold clears it at the next check')
  t.equal(cleared(events, 'high_failure_rate'), 1)
})

t.test('a new check interval set at run time moves the next check', async (t) => {
  const { alerter, w } = await alerterWorld(t)
  await w.clock.advance(30_000)
  await alerter.call({ type: 'set_thresholds', body: { check_interval_ms: 5_000 } })
  const state = () => (w.system.inspect(alerter) as Promise<{ state: { last_check_at: number } }>).then((s) => s.state.last_check_at)
  await w.clock.advance(5_000)
  t.equal(await state(), T0 + 35_000)
})

t.test('acknowledge: suppresses re-fires until cleared; unknown rules are not found', async (t) => {
  const { alerter, events, w, nextCheck } = await alerterWorld(t)
  const presence = w.system.byName(ACTOR.presence)
  await presence.call({ type: 'join', agent: { agent_id: 'a1' }, session_id: 's1' })
  await presence.call({ type: 'leave', agent_id: 'a1', session_id: 's1' })
  await w.clock.advance(30_000)
  t.equal(fired(events, 'no_agents_online'), 1)
  t.same(await alerter.call({ type: 'acknowledge', rule_id: 'no_agents_online' }), { found: true, status: 200, body: { status: 'acknowledged', rule_id: 'no_agents_online' } })
  t.ok(events.some((e) => e.type === 'alert_acknowledged' && e.rule_id === 'no_agents_online'))
  await nextCheck()
  t.equal(fired(events, 'no_agents_online'), 1, 'acknowledged: no re-fire')
  t.match(await alerter.call({ type: 'active' }), [{ rule_id: 'no_agents_online', acknowledged: true }])
  t.match(await alerter.call({ type: 'alerts' }), { alerts: [{ rule_id: 'no_agents_online' }], timestamp: w.clock.now() })
  t.same(await alerter.call({ type: 'acknowledge', rule_id: 'nope' }), { found: false, status: 404, body: { error: 'alert_not_found' } })
})

t.test('without a config actor the thresholds come from its table (defaults when empty)', async (t) => {
  const { alerter } = await alerterWorld(t, { config: false })
  t.match(await alerter.call({ type: 'thresholds' }), { error_count_hour: 10, check_interval_ms: 30_000 })
})
