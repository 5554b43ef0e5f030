import t from 'tap'
import { AgentDepartures, dashboardHealth, healthPush, livenessBody, type HealthSignals } from '../../actors/health'

const BOOT = 1_700_000_000_000
const H = 3_600_000
const NOW = BOOT + 2 * H

const calm = (over: Partial<HealthSignals> = {}): HealthSignals => ({
  now: NOW,
  booted_at: BOOT,
  departed_agents: [],
  queue_minute_samples: [3, 3, 3],
  hour: { completed: 10, failed: 1 },
  assigned_tasks: [],
  storage: { mode: 'normal', last_backup_at: NOW - H, tables: [{ table: 'task_queue', status: 'ok', fragmentation_ratio: 0.1 }] },
  validation_failures_1h: 0,
  supervisor_events: [],
  active_alerts: [],
  ...over,
})

const cases: Array<[string, Partial<HealthSignals>, 'ok' | 'warning' | 'critical', string[]]> = [
  ['all quiet', {}, 'ok', []],
  ['agent left 59 min ago', { departed_agents: [{ agent_id: 'b', left_at: NOW - 59 * 60_000 }, { agent_id: 'a', left_at: NOW - 60_000 }] }, 'warning', ['Agent offline: a, b']],
  ['agent left over an hour ago: no longer a warning', { departed_agents: [{ agent_id: 'a', left_at: NOW - H - 1 }] }, 'ok', []],
  ['queue strictly growing over 3 minute samples', { queue_minute_samples: [9, 1, 2, 3] }, 'warning', ['Queue growing: 1 -> 2 -> 3']],
  ['queue flat at the end', { queue_minute_samples: [1, 2, 2] }, 'ok', []],
  ['too few samples', { queue_minute_samples: [1, 2] }, 'ok', []],
  ['failure share above half is critical', { hour: { completed: 4, failed: 5 } }, 'critical', ['High failure rate: 5/9 tasks failed this hour']],
  ['exactly half is fine', { hour: { completed: 5, failed: 5 } }, 'ok', []],
  ['no tasks', { hour: { completed: 0, failed: 0 } }, 'ok', []],
  [
    'stuck tasks (updated_at, else assigned_at, older than 5 min)',
    {
      assigned_tasks: [
        { task_id: 't1', assigned_at: NOW - 900_000, updated_at: NOW - 300_001 },
        { task_id: 't2', assigned_at: NOW - 900_000, updated_at: NOW - 300_000 },
        { task_id: 't3', assigned_at: NOW - 300_001, updated_at: null },
      ],
    },
    'warning',
    ['Stuck tasks: t1, t3'],
  ],
  ['fresh hub without a backup is fine', { now: BOOT + 24 * H, storage: { mode: 'normal', last_backup_at: null, tables: [] } }, 'ok', []],
  ['backup overdue: never run 25 h after boot', { now: BOOT + 25 * H + 1, storage: { mode: 'normal', last_backup_at: null, tables: [] } }, 'warning', ['DETS backup: never run']],
  ['backup older than 48 h', { storage: { mode: 'normal', last_backup_at: NOW - 49 * H - 5, tables: [] } }, 'warning', ['DETS backup stale: last backup 49h ago']],
  ['backup exactly 48 h old', { storage: { mode: 'normal', last_backup_at: NOW - 48 * H, tables: [] } }, 'ok', []],
  [
    'fragmentation over 50 % on available tables only',
    {
      storage: {
        mode: 'normal',
        last_backup_at: NOW,
        tables: [
          { table: 'task_queue', status: 'ok', fragmentation_ratio: 0.51 },
          { table: 'agent_mailbox', status: 'ok', fragmentation_ratio: 0.5 },
          { table: 'channel_history', status: 'unavailable', fragmentation_ratio: 0.9 },
        ],
      },
    },
    'warning',
    ['DETS fragmentation >50%: task_queue'],
  ],
  ['degraded storage is critical', { storage: { mode: 'degraded', degraded_reason: 'no usable backup', last_backup_at: NOW, tables: [] } }, 'critical', ['Storage degraded: no usable backup']],
  ['storage not open is critical', { storage: null }, 'critical', ['Storage unavailable']],
  ['validation failures over 50 this hour', { validation_failures_1h: 51 }, 'warning', ['High validation failures: 51 this hour']],
  ['50 validation failures is fine', { validation_failures_1h: 50 }, 'ok', []],
  [
    'supervisor restarts in the last hour',
    {
      supervisor_events: [
        { event: 'restart', supervisor: 'hub', child: 'task-queue', at: NOW - 10_000 },
        { event: 'restart', supervisor: 'hub', child: 'scheduler', at: NOW - 20_000 },
        { event: 'child_exited', supervisor: 'hub', child: 'scheduler', at: NOW - 20_001 },
        { event: 'restart', supervisor: 'hub', child: 'metrics', at: NOW - H - 1 },
      ],
    },
    'warning',
    ['Supervisor restarts: 2 in the last hour (scheduler, task-queue)'],
  ],
  ['a supervisor that gave up is critical', { supervisor_events: [{ event: 'give_up', supervisor: 'sessions', child: 'agent:a', at: NOW - 1 }] }, 'critical', ['Supervisor gave up: sessions']],
  [
    'unacknowledged alerts are listed; a critical one makes the status critical',
    {
      active_alerts: [
        { rule_id: 'queue_growing', severity: 'warning', message: 'Queue growing: 1 -> 2 -> 3 over 3 checks', acknowledged: false },
        { rule_id: 'stuck_tasks', severity: 'critical', message: '1 stuck task(s)', acknowledged: true },
      ],
    },
    'warning',
    ['Alert queue_growing: Queue growing: 1 -> 2 -> 3 over 3 checks'],
  ],
  ['critical alert', { active_alerts: [{ rule_id: 'no_agents_online', severity: 'critical', message: 'No agents online', acknowledged: false }] }, 'critical', ['Alert no_agents_online: No agents online']],
]

for (const [name, over, status, conditions] of cases) {
  t.test(name, async (t) => {
    t.same(dashboardHealth(calm(over)), { status, conditions })
  })
}

t.test('several conditions: critical wins, all are listed', async (t) => {
  const health = dashboardHealth(calm({ validation_failures_1h: 99, hour: { completed: 0, failed: 3 }, queue_minute_samples: [1, 2, 3] }))
  t.equal(health.status, 'critical')
  t.same(health.conditions, ['Queue growing: 1 -> 2 -> 3', 'High failure rate: 3/3 tasks failed this hour', 'High validation failures: 99 this hour'])
})

t.test('departures: rejoining clears, old entries expire', async (t) => {
  const d = new AgentDepartures()
  d.left('a', BOOT)
  d.left('b', BOOT + 10)
  d.joined('a')
  t.same(d.recent(BOOT + 20), [{ agent_id: 'b', left_at: BOOT + 10 }])
  t.same(d.recent(BOOT + 10 + H + 1), [])
})

t.test('push only on ok → warning/critical; liveness body', async (t) => {
  t.same(healthPush('ok', { status: 'warning', conditions: ['a', 'b'] }), { title: 'AgentCom Alert', body: 'Health warning: a; b' })
  t.equal(healthPush('warning', { status: 'critical', conditions: ['x'] }), null)
  t.equal(healthPush('ok', { status: 'ok', conditions: [] }), null)
  t.equal(healthPush(null, { status: 'critical', conditions: ['x'] }), null)
  t.same(livenessBody(3), { status: 'ok', service: 'agent_com', agents_connected: 3 })
})
