// The metrics actor: fed from bus topic `telemetry` (both the `at` and the pipeline's `timestamp`
// stamps), a snapshot every 10 s on topic `metrics`, live inputs from the queue / agents /
// presence (optional, short timeouts), windows that roll, and a Prometheus rendering that parses.
import t from 'tap'
import { MetricsActor, type MetricsSnapshotEvent } from '../../actors/metrics/actor'
import { telemetry, type MetricsSnapshot, type PrometheusExposition } from '../../actors/metrics'
import { PresenceActor } from '../../actors/presence'
import { ACTOR, TOPIC } from '../../actors/names'
import { StubTaskQueue } from './stub-task-queue'
import { parseExposition, sampleValue } from './prometheus-text'
import { world } from './world'

t.test('snapshots every 10 s on topic metrics, from telemetry and live inputs', async (t) => {
  const w = world(t)
  await w.system.spawn(PresenceActor, undefined, { name: ACTOR.presence })
  const queue = await w.system.spawn(StubTaskQueue, undefined, { name: ACTOR.taskQueue })
  const metrics = await w.system.spawn(MetricsActor, { storage: w.storage, dataDir: w.dataDir }, { name: ACTOR.metrics })
  const published: MetricsSnapshot[] = []
  w.system.bus.subscribe(TOPIC.metrics, (e) => published.push((e as MetricsSnapshotEvent).data))

  await queue.call({ type: 'set', state: { queued: 4 } })
  await w.system.byName(ACTOR.presence).call({ type: 'join', agent: { agent_id: 'a1' }, session_id: 's' })
  const now = w.clock.now()
  w.system.bus.publish(TOPIC.telemetry, telemetry('agent_com.task.complete', { duration_ms: 2000 }, { task_id: 't1', agent_id: 'a1', tokens_used: 10 }, now))
  // the task pipeline stamps `timestamp` instead of `at`
  w.system.bus.publish(TOPIC.telemetry, { type: 'telemetry', event: 'agent_com.task.fail', measurements: { retry_count: 1 }, metadata: { task_id: 't2', agent_id: 'a1', error: 'x' }, timestamp: now })
  w.system.bus.publish(TOPIC.telemetry, { type: 'telemetry', event: 'not.an.event', measurements: {}, metadata: {}, at: now })
  w.system.bus.publish(TOPIC.telemetry, 'garbage')

  await w.clock.advance(9_999)
  t.equal(published.length, 0)
  await w.clock.advance(1)
  t.equal(published.length, 1, 'first snapshot at 10 s')
  const snap = published[0]
  t.equal(snap.queue_depth.current, 4)
  t.equal(snap.agent_utilization.system.agents_online, 1)
  t.match(snap.error_rates.window, { total_tasks: 2, failed: 1, dead_letter: 0, failure_rate_pct: 50 })
  t.equal(snap.task_latency.window.count, 1)
  t.match(snap.dets_health, { health_status: String, tables: Array })

  await queue.call({ type: 'set', state: { queued: 6 } })
  await w.clock.advance(10_000)
  t.same(published[1].queue_depth.trend, [4, 6])

  // the window rolls: an hour later the completion and failure are gone, lifetime totals stay
  await w.clock.advance(3_600_000)
  const later = await metrics.call<MetricsSnapshot>({ type: 'snapshot' })
  t.match(later.error_rates.window, { total_tasks: 0, failed: 0 })
  t.match(later.error_rates.cumulative, { total_tasks: 2, failed: 1 })
  t.match(await metrics.call({ type: 'error_window' }), { total_tasks: 0 })
})

t.test('without any peer the snapshot is still served (neutral live values)', async (t) => {
  const w = world(t)
  const metrics = await w.system.spawn(MetricsActor, undefined, { name: ACTOR.metrics })
  const snap = await metrics.call<MetricsSnapshot>({ type: 'snapshot' })
  t.equal(snap.queue_depth.current, 0)
  t.same(snap.agent_utilization.per_agent, [])
  t.equal(snap.dets_health, null)
  await t.rejects((metrics as unknown as { call(m: object): Promise<unknown> }).call({ type: 'bogus' }), /unknown call/)
  t.ok(metrics.isAlive())
})

t.test('the Prometheus rendering parses and carries the snapshot values', async (t) => {
  const w = world(t)
  const queue = await w.system.spawn(StubTaskQueue, undefined, { name: ACTOR.taskQueue })
  const metrics = await w.system.spawn(MetricsActor, { storage: w.storage }, { name: ACTOR.metrics })
  await queue.call({ type: 'set', state: { queued: 7 } })
  for (let i = 0; i < 3; i++) {
    w.system.bus.publish(TOPIC.telemetry, telemetry('agent_com.task.complete', { duration_ms: 1000 * (i + 1) }, { task_id: `t${i}`, agent_id: 'a', tokens_used: null }, w.clock.now()))
  }
  const exposition = await metrics.call<PrometheusExposition>({ type: 'prometheus' })
  t.match(exposition.contentType, /^text\/plain/)
  const families = parseExposition(exposition.body)
  t.equal(sampleValue(families, 'agentcom_queue_depth'), 7)
  t.equal(sampleValue(families, 'agentcom_tasks_completed_total'), 3)
  t.equal(sampleValue(families, 'agentcom_task_latency_ms', { window: '1h', quantile: '0.5' }), 2000)
  t.ok(families.has('agentcom_storage_table_records'), 'storage health exported')
})
