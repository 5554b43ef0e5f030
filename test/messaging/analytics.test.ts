import t from 'tap'
import { ACTOR, TOPIC } from '../../actors/names'
import { ActivityCounters, HOUR_MS, hourLabel, type AgentStats, type AnalyticsCall, type AnalyticsSummary, type HourlyBucket } from '../../actors/analytics'
import { messagingWorld, settle } from './harness'

const T0 = Date.parse('2025-03-04T12:30:00Z')

t.test('ActivityCounters: sent/received buckets, 24 h window, status, connection time', async (t) => {
  const counters = new ActivityCounters()
  counters.recordConnect('alpha', T0)
  counters.recordMessage('alpha', 'beta', T0 + 1000)
  counters.recordMessage('alpha', null, T0 + 2000)
  counters.recordMessage('alpha', 'broadcast', T0 + 3000)
  counters.recordMessage('beta', 'alpha', T0 + HOUR_MS)
  const now = T0 + HOUR_MS + 60_000
  const [alpha, beta] = counters.stats(now)
  t.match(alpha, {
    agent_id: 'alpha',
    connected: true,
    status: 'idle', // last message at T0 + 3 s: more than 300 000 ms ago
    messages_sent_24h: 3,
    messages_received_24h: 1,
    messages_sent_this_hour: 0,
    connection_time_24h_ms: HOUR_MS + 60_000,
    last_active: T0 + 3000,
    total_connections: 1,
  })
  t.match(beta, { agent_id: 'beta', connected: false, status: 'offline', messages_sent_24h: 1, messages_received_24h: 1, messages_sent_this_hour: 1, total_connections: 0 })
  t.same(counters.summary(now), { total_agents: 2, agents_connected: 1, agents_active: 0, agents_idle: 1, agents_offline: 1, total_messages_24h: 4, timestamp: now })
  counters.recordDisconnect('alpha', now)
  const later = now + 25 * HOUR_MS
  t.match(counters.stats(later)[0], { messages_sent_24h: 0, connection_time_24h_ms: 0, status: 'offline' }, 'older than 24 h drops out')
  counters.prune(later)
  t.equal(counters.hourly('alpha', later).reduce((sum, b) => sum + b.sent, 0), 0)
})

t.test('hourly: 24 buckets oldest first, ending with the current hour, HH:MM in UTC', async (t) => {
  const counters = new ActivityCounters()
  counters.recordMessage('alpha', 'beta', T0)
  counters.recordMessage('alpha', 'beta', T0 - 2 * HOUR_MS)
  const hourly = counters.hourly('alpha', T0)
  t.equal(hourly.length, 24)
  t.same(hourly[23], { bucket: Date.parse('2025-03-04T12:00:00Z'), hour: '12:00', sent: 1, received: 0 })
  t.same(hourly[21], { bucket: Date.parse('2025-03-04T10:00:00Z'), hour: '10:00', sent: 1, received: 0 })
  t.equal(hourly[0]!.hour, '13:00')
  t.equal(hourLabel(Date.parse('2025-03-04T00:00:00Z')), '00:00')
  t.same(counters.hourly('nobody', T0).map((b) => b.sent + b.received), Array(24).fill(0))
})

t.test('the analytics actor counts presence events and routed-message casts', async (t) => {
  const world = await messagingWorld(t, { start: T0 })
  const analytics = world.system.byName<AnalyticsCall>(ACTOR.analytics)
  world.system.bus.publish(TOPIC.presence, { type: 'agent_joined', agent: { agent_id: 'alpha', name: 'alpha', status: 'idle', capabilities: [], connected_at: T0 } })
  world.system.bus.publish(TOPIC.presence, { type: 'agent_joined', agent: { agent_id: 'beta', name: 'beta', status: 'idle', capabilities: [], connected_at: T0 } })
  world.system.byName(ACTOR.analytics).cast({ type: 'record_message', from: 'alpha', to: 'beta' })
  await world.clock.advance(10 * 60_000)
  world.system.bus.publish(TOPIC.presence, { type: 'agent_left', agent_id: 'beta' })
  world.system.bus.publish(TOPIC.presence, { type: 'agent_idle', agent_id: 'alpha' }) // FSM event on the same topic: ignored
  await settle(world)
  const agents = await analytics.call<AgentStats[]>({ type: 'agents' })
  t.match(agents, [
    { agent_id: 'alpha', connected: true, status: 'idle', messages_sent_24h: 1, total_connections: 1, connection_time_24h_ms: 600_000 },
    { agent_id: 'beta', connected: false, status: 'offline', messages_received_24h: 1, total_connections: 1, connection_time_24h_ms: 600_000, last_seen: T0 + 600_000 },
  ])
  t.match(await analytics.call<AnalyticsSummary>({ type: 'summary' }), { total_agents: 2, agents_connected: 1, total_messages_24h: 1 })
  const hourly = await analytics.call<HourlyBucket[]>({ type: 'hourly', agent_id: 'beta' })
  t.equal(hourly[23]!.received, 1)
})
