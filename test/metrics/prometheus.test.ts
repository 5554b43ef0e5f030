import t from 'tap'
import { MetricsAggregator, emptySnapshot, telemetry, toPrometheus, type MetricsSnapshot } from '../../actors/metrics'

// the strict exposition-format parser is shared with the observability tests
import { parseExposition, sampleValue as value } from '../observability/prometheus-text'

const T0 = 1_700_000_000_000

t.test('the parser rejects what it should (so passing means something)', async (t) => {
  t.throws(() => parseExposition('x 1'), /newline/)
  t.throws(() => parseExposition('# TYPE a gauge\na{b="c} 1\n'), /unterminated|expected/)
  t.throws(() => parseExposition('# TYPE a gauge\na 1\na 2\n'), /duplicate series/)
  t.throws(() => parseExposition('# TYPE a gauge\na one\n'), /bad value/)
  t.throws(() => parseExposition('b 1\n'), /no TYPE/)
  t.throws(() => parseExposition('# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x="1"} 2\n'), /not contiguous/)
  t.throws(() => parseExposition('# TYPE a wrong\na 1\n'), /bad type/)
  t.throws(() => parseExposition('# TYPE a gauge\n# TYPE a gauge\na 1\n'), /second TYPE/)
  t.throws(() => parseExposition('# TYPE a gauge\na{b="\\q"} 1\n'), /bad escape/)
  t.ok(parseExposition('# HELP a h\n# TYPE a gauge\na{x="q\\"\\n\\\\"} -Inf\n'))
})

t.test('the metrics snapshot renders as valid exposition with the snapshot values', async (t) => {
  const m = new MetricsAggregator()
  ;[100, 200, 300, 400].forEach((d, i) => m.record(telemetry('agent_com.task.complete', { duration_ms: d }, { task_id: `t${i}`, agent_id: 'a"1\nx', tokens_used: 3 }, T0 + i)))
  m.record(telemetry('agent_com.task.fail', { retry_count: 1 }, { task_id: 'f', agent_id: 'a', error: 'e' }, T0))
  m.record(telemetry('agent_com.task.dead_letter', { retry_count: 3 }, { task_id: 'd', error: 'e' }, T0))
  m.record(telemetry('agent_com.fsm.transition', { duration_ms: 1 }, { agent_id: 'a"1\nx', from_state: 'idle', to_state: 'working', task_id: 't0' }, T0 + 30 * 60_000))
  const snapshot: MetricsSnapshot = m.tick(T0 + 60 * 60_000 - 1, {
    queue_depth: 7,
    agents_online: 1,
    agents: [{ agent_id: 'a"1\nx', fsm_state: 'working', connected_at: T0 - 1 }],
    dets_health: { tables: [{ table: 'task_queue', record_count: 12, file_size_bytes: 4096, fragmentation_ratio: 0.25, status: 'ok' }, { table: 'agent_mailbox', record_count: 0, file_size_bytes: 0, fragmentation_ratio: 0, status: 'unavailable' }] },
  })
  const { body, contentType } = await toPrometheus(snapshot)
  t.match(contentType, /^text\/plain; version=0\.0\.4/)
  const families = parseExposition(body)
  t.equal(families.get('agentcom_tasks_completed_total')?.type, 'counter')
  t.equal(families.get('agentcom_queue_depth')?.type, 'gauge')
  for (const family of families.values()) t.ok(family.help, `${family.name} has HELP`)
  t.equal(value(families, 'agentcom_queue_depth'), 7)
  t.equal(value(families, 'agentcom_task_latency_ms', { window: '1h', quantile: '0.5' }), snapshot.task_latency.window.p50)
  t.equal(value(families, 'agentcom_task_latency_ms', { window: '1h', quantile: '0.99' }), 300)
  t.equal(value(families, 'agentcom_tasks_completed_total'), 4)
  t.equal(value(families, 'agentcom_tasks_failed_total'), 1)
  t.equal(value(families, 'agentcom_tasks_dead_letter_total'), 1)
  t.equal(value(families, 'agentcom_failure_rate_pct', { window: '1h' }), 33.3)
  t.equal(value(families, 'agentcom_agents', { kind: 'working' }), 1)
  t.equal(value(families, 'agentcom_utilization_pct'), 100)
  t.equal(value(families, 'agentcom_agent_state_pct_1h', { agent_id: 'a"1\nx', state: 'working' }), 50, 'odd agent ids survive label escaping')
  t.equal(value(families, 'agentcom_storage_table_records', { table: 'task_queue' }), 12)
  t.equal(value(families, 'agentcom_storage_table_up', { table: 'agent_mailbox' }), 0)
})

t.test('an empty snapshot still renders and parses', async (t) => {
  const families = parseExposition((await toPrometheus(emptySnapshot(T0))).body)
  t.equal(value(families, 'agentcom_tasks_completed_total'), 0)
  t.equal(families.get('agentcom_agent_state_pct_1h')?.samples.length ?? 0, 0, 'no per-agent samples without agents')
  t.notOk(families.has('agentcom_storage_table_records'))
})
