// Telemetry on the bus becomes log lines in the rotating file, and secrets in nested fields are
// redacted there (hardening.md §3.1–3.2).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { TelemetryLogActor } from '../../actors/telemetry-log'
import { telemetry } from '../../actors/metrics'
import { TOPIC } from '../../actors/names'
import { createLogger } from '../../logging'
import { tempDir, world } from './world'

t.test('telemetry events are logged as telemetry_event lines; a nested token is redacted in the file', async (t) => {
  const w = world(t)
  const dataDir = tempDir(t, 'agentcom-logs-')
  const logger = createLogger({ dataDir, stdout: false, level: 'debug', now: () => w.clock.now() })
  let closed = false
  t.teardown(() => (closed ? undefined : logger.close()))
  await w.system.spawn(TelemetryLogActor, { logger }, { name: 'telemetry-log' })

  const secret = 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0'
  w.system.bus.publish(TOPIC.telemetry, telemetry('agent_com.agent.connect', { system_time: 1 }, { agent_id: 'a1', capabilities: [{ name: 'code', auth: { token: secret } }] }, w.clock.now()))
  // the pipeline's stamp
  w.system.bus.publish(TOPIC.telemetry, { type: 'telemetry', event: 'agent_com.task.submit', measurements: { queue_depth: 1 }, metadata: { task_id: 't1', priority: 2, submitted_by: 'a1' }, timestamp: w.clock.now() })
  w.system.bus.publish(TOPIC.telemetry, { type: 'not telemetry' })
  await w.clock.settle()
  await w.system.stop(w.system.whereis('telemetry-log')!)
  await logger.close()
  closed = true

  const text = readFileSync(logger.filePath!, 'utf8')
  t.notOk(text.includes(secret), 'the token never reaches the file')
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { severity: string; message: string; metadata: Record<string, any> })
  t.equal(lines.length, 2)
  t.match(lines[0], { severity: 'info', message: 'telemetry_event', metadata: { telemetry_event: 'agent_com.agent.connect', metadata: { agent_id: 'a1' } } })
  t.not(lines[0].metadata.metadata.capabilities[0].auth.token, secret)
  t.match(lines[1], { message: 'telemetry_event', metadata: { telemetry_event: 'agent_com.task.submit' } })
})
