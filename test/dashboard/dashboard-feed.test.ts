// The dashboard feed on a VirtualClock: events batched and flushed 100 ms after the first pending
// item (never an empty frame), the execution stream unbatched, bus shapes → event items.
import t from 'tap'
import { createTestSystem } from '../../actors/runtime'
import { TOPIC } from '../../actors/names'
import { dashboardEventItem, type DashboardEventItem } from '../../actors/dashboard-state'
import { DashboardFeed, type ExecutionEventFrame } from '../../relay/hub/dashboard'

const T0 = 1_700_000_000_000

function recordingSink() {
  const batches: DashboardEventItem[][] = []
  const executions: ExecutionEventFrame[] = []
  return { batches, executions, sink: { events: (items: DashboardEventItem[]) => batches.push(items), execution: (f: ExecutionEventFrame) => executions.push(f) } }
}

t.test('events are batched every 100 ms, only when something is pending', async (t) => {
  const { system, clock, shutdown } = createTestSystem({ start: T0 })
  t.teardown(shutdown)
  const feed = new DashboardFeed(system)
  feed.start()
  t.teardown(() => feed.stop())
  const a = recordingSink()
  feed.attach(a.sink)

  await clock.advance(1_000)
  t.same(a.batches, [], 'no event, no frame')

  system.bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_submitted', task_id: 't1', agent_id: null, timestamp: T0 })
  await clock.advance(40)
  system.bus.publish(TOPIC.presence, { type: 'agent_joined', agent: { agent_id: 'alpha', name: 'Alpha', status: 'idle', capabilities: ['code'], connected_at: T0 } })
  system.bus.publish(TOPIC.tasks, { type: 'task_event', source: 'socket', event: 'task_accepted', task_id: 't1', agent_id: 'alpha', timestamp: T0 + 40 })
  await clock.advance(59)
  t.same(a.batches, [], 'not before 100 ms')
  await clock.advance(1)
  t.equal(a.batches.length, 1, 'one frame at 100 ms')
  t.same(a.batches[0], [
    { type: 'task_event', task_id: 't1', event: 'task_submitted', agent_id: null, timestamp: T0 },
    { type: 'agent_joined', agent_id: 'alpha', name: 'Alpha', capabilities: [{ name: 'code' }] },
    { type: 'task_event', task_id: 't1', event: 'task_accepted', agent_id: 'alpha', timestamp: T0 + 40 },
  ], 'chronological items in their wire shapes')

  // a burst: 25 events within 250 ms → at most one frame per 100 ms
  for (let i = 0; i < 25; i++) {
    system.bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_submitted', task_id: `b${i}`, agent_id: null, timestamp: T0 })
    await clock.advance(10)
  }
  await clock.advance(200)
  t.equal(a.batches.length, 4, 'three frames for the burst (100 ms apart)')
  t.equal(a.batches.slice(1).flat().length, 25, 'nothing lost')
  await clock.advance(1_000)
  t.equal(a.batches.length, 4, 'no empty frames afterwards')
})

t.test('execution events go out at once, unbatched; no sink means nothing is kept', async (t) => {
  const { system, clock, shutdown } = createTestSystem({ start: T0 })
  t.teardown(shutdown)
  const feed = new DashboardFeed(system)
  feed.start()
  t.teardown(() => feed.stop())
  system.bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_submitted', task_id: 'before', agent_id: null, timestamp: T0 })
  const a = recordingSink()
  const detach = feed.attach(a.sink)
  system.bus.publish(TOPIC.execution, { type: 'execution_event', task_id: 't9', agent_id: 'alpha', event_type: 'token', text: 'hel', tokens_so_far: 3, model: 'qwen', timestamp: T0 })
  t.same(a.executions, [{ type: 'execution_event', task_id: 't9', event_type: 'token', text: 'hel', tokens_so_far: 3, model: 'qwen', timestamp: T0 }], 'synchronously, no timer')
  await clock.advance(500)
  t.same(a.batches, [], 'events published before the sink attached are not replayed')
  detach()
  system.bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_submitted', task_id: 'after', agent_id: null, timestamp: T0 })
  t.same(clock.pendingTimers(), [], 'no flush timer without sinks')
})

t.test('bus shapes → event items', async (t) => {
  t.same(dashboardEventItem(TOPIC.presence, { type: 'agent_left', agent_id: 'a' }, T0), { type: 'agent_left', agent_id: 'a' })
  t.same(dashboardEventItem(TOPIC.presence, { type: 'status_changed', agent: { agent_id: 'a', status: 'busy' } }, T0), { type: 'status_changed', agent_id: 'a', status: 'busy' })
  t.equal(dashboardEventItem(TOPIC.presence, { type: 'agent_idle', agent_id: 'a' }, T0), null, 'FSM idle notices are not dashboard items')
  t.same(dashboardEventItem(TOPIC.alerts, { type: 'alert_fired', alert: { rule_id: 'r', severity: 'critical' } }, T0), { type: 'alert_fired', data: { rule_id: 'r', severity: 'critical' } })
  t.same(dashboardEventItem(TOPIC.alerts, { type: 'alert_acknowledged', rule_id: 'r' }, T0), { type: 'alert_acknowledged', rule_id: 'r' })
  t.same(dashboardEventItem(TOPIC.backups, { type: 'backup_complete', timestamp: 5, tables_backed_up: ['task_queue'] }, T0), { type: 'backup_complete', timestamp: 5, tables_backed_up: ['task_queue'] })
  t.same(
    dashboardEventItem(TOPIC.backups, { type: 'backup_failed', timestamp: 6, reason: 'ENOSPC', backup_dir: '/b', trigger: 'scheduled' }, T0),
    { type: 'backup_failed', timestamp: 6, reason: 'ENOSPC', backup_dir: '/b', trigger: 'scheduled' },
    'a failed backup reaches dashboards',
  )
  t.same(dashboardEventItem(TOPIC.metrics, { type: 'metrics_snapshot', data: { queue_depth: {} } }, T0), { type: 'metrics_snapshot', data: { queue_depth: {} } })
  t.same(dashboardEventItem(TOPIC.llmRegistry, { type: 'endpoint_registered' }, T0), { type: 'llm_registry_update', detail: 'endpoint_changed' })
  t.same(dashboardEventItem(TOPIC.repoRegistry, { type: 'repo_added' }, T0), { type: 'repo_registry_update', detail: 'changed' })
  t.equal(dashboardEventItem(TOPIC.tasks, 'garbage', T0), null)
  t.equal(dashboardEventItem(TOPIC.rateLimits, { type: 'violation', agent_id: 'a' }, T0), null)
})
