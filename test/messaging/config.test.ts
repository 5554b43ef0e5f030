import t from 'tap'
import { ACTOR } from '../../actors/names'
import { CONFIG_DEFAULTS, CONFIG_TOPIC, mergeAlertThresholds, readConfig, type ConfigCall, type ConfigValue } from '../../actors/config'
import { ALERT_THRESHOLD_DEFAULTS } from '../../relay/protocol'
import { messagingWorld } from './harness'

t.test('defaults of task-pipeline.md §5 and protocol.md §4.7', async (t) => {
  const world = await messagingWorld(t)
  const config = world.system.byName<ConfigCall>(ACTOR.config)
  const get = (key: string) => config.call<ConfigValue>({ type: 'get', key })
  t.equal(await get('heartbeat_interval_ms'), 900_000)
  t.equal(await get('mailbox_ttl_ms'), 604_800_000)
  t.equal(await get('default_repo'), null)
  t.same(await get('alert_thresholds'), ALERT_THRESHOLD_DEFAULTS)
  t.equal(await get('fallback_wait_ms'), 5_000)
  t.equal(await get('task_ttl_ms'), 600_000)
  t.equal(await get('tier_down_alert_threshold_ms'), 60_000)
  t.equal(await get('default_ollama_model'), 'qwen2.5-coder:7b')
  t.equal(await get('rate_limit_overrides'), null, 'keys without a default read as null')
  t.same(Object.keys(await config.call<Record<string, unknown>>({ type: 'all' })).sort(), Object.keys(CONFIG_DEFAULTS).sort())
})

t.test('set replies after commit, publishes config_changed, survives a restart; reset returns to the default', async (t) => {
  const first = await messagingWorld(t)
  const events: unknown[] = []
  first.system.bus.subscribe(CONFIG_TOPIC, (event) => events.push(event))
  const config = first.system.byName<ConfigCall>(ACTOR.config)
  const reply = await config.call({ type: 'set', key: 'heartbeat_interval_ms', value: 30_000 })
  t.same(reply, { ok: true, key: 'heartbeat_interval_ms', value: 30_000 })
  t.equal(readConfig(first.storage, 'heartbeat_interval_ms'), 30_000, 'committed to LMDB before the reply')
  t.same(events, [{ type: 'config_changed', key: 'heartbeat_interval_ms', value: 30_000 }])
  await config.call({ type: 'set', key: 'default_repo', value: 'git@example.com:org/repo.git' })
  await first.stop()

  const second = await messagingWorld(t, { dataDir: first.dataDir })
  const again = second.system.byName<ConfigCall>(ACTOR.config)
  t.equal(await again.call({ type: 'get', key: 'heartbeat_interval_ms' }), 30_000)
  t.equal(await again.call({ type: 'get', key: 'default_repo' }), 'git@example.com:org/repo.git')
  await again.call({ type: 'reset', key: 'heartbeat_interval_ms' })
  t.equal(await again.call({ type: 'get', key: 'heartbeat_interval_ms' }), 900_000)
  t.equal(readConfig(second.storage, 'heartbeat_interval_ms'), 900_000)
})

t.test('bad keys are refused without crashing the actor', async (t) => {
  const world = await messagingWorld(t)
  const config = world.system.byName<ConfigCall>(ACTOR.config)
  const before = config.current()!.id
  await t.rejects(config.call({ type: 'set', key: '', value: 1 }), TypeError)
  t.equal(config.current()!.id, before, 'same actor')
})

t.test('values read back are copies: callers cannot change the actor state', async (t) => {
  const world = await messagingWorld(t)
  const config = world.system.byName<ConfigCall>(ACTOR.config)
  const thresholds = await config.call<{ cooldowns: Record<string, number> }>({ type: 'get', key: 'alert_thresholds' })
  thresholds.cooldowns.queue_growing = 1
  t.equal((await config.call<{ cooldowns: Record<string, number> }>({ type: 'get', key: 'alert_thresholds' })).cooldowns.queue_growing, 300_000)
})

t.test('alert thresholds: a partial update merges over the current map, cooldowns key by key', async (t) => {
  const merged = mergeAlertThresholds(structuredClone(ALERT_THRESHOLD_DEFAULTS) as unknown as ConfigValue, {
    failure_rate_pct: 20,
    cooldowns: { stuck_tasks: 60_000 },
  })
  t.equal(merged.failure_rate_pct, 20)
  t.equal(merged.queue_growing_checks, 3)
  t.same(merged.cooldowns, { ...ALERT_THRESHOLD_DEFAULTS.cooldowns, stuck_tasks: 60_000 })
  t.same(mergeAlertThresholds(null, { error_count_hour: 5 }), { error_count_hour: 5 }, 'no current map: just the update')
})
