// The sidecar's log: the shared winston logger writing `{time, severity, message, metadata}`
// JSON lines to stdout and, synchronously, to the config's log_file; secrets redacted; entries
// below log_level dropped; the runtime's Logger adapter maps `warn` to the spec's `warning`.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { MemoryLog } from '../../relay/sidecar/event-log'
import { createSidecarLogger, runtimeLoggerOf } from '../../relay/sidecar/sidecar-logger'
import { tempDir } from '../sidecar/temp-dir'

t.test('JSON lines to stdout and log_file, token redacted, level threshold applied', async (t) => {
  const dir = tempDir(t, 'sidecar-log-')
  const stdout = new PassThrough()
  let printed = ''
  stdout.on('data', (c: Buffer) => (printed += c.toString()))
  const logFile = join(dir, 'nested', 'sidecar.log')
  const logger = createSidecarLogger({ agent_id: 'gcu-log', log_level: 'info', log_file: logFile }, { stdout, now: () => Date.UTC(2026, 0, 2) })
  logger.log.log('info', 'identify_sent', { token: 'tok-secret', hub_url: 'ws://h/ws' })
  logger.log.log('debug', 'too_chatty', {})
  logger.runtime.warn('supervisor restart', { child: 'sidecar_executor' })
  await logger.close()

  const fileLines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>)
  t.equal(fileLines.length, 2, 'the debug entry is below log_level')
  t.match(fileLines[0], {
    time: '2026-01-02T00:00:00.000Z',
    severity: 'info',
    message: 'identify_sent',
    metadata: { module: 'sidecar', agent_id: 'gcu-log', token: '[REDACTED]', hub_url: 'ws://h/ws' },
  })
  t.match(fileLines[1], { severity: 'warning', message: 'supervisor restart', metadata: { child: 'sidecar_executor' } })
  t.equal(printed.trim().split('\n').length, 2, 'the same lines on stdout')
  t.notOk(printed.includes('tok-secret') || readFileSync(logFile, 'utf8').includes('tok-secret'))
})

t.test('runtimeLoggerOf: the runtime Logger on an EventLog', async (t) => {
  const log = new MemoryLog()
  const runtime = runtimeLoggerOf(log)
  runtime.debug('d')
  runtime.info('i', { a: 1 })
  runtime.warn('w')
  runtime.error('e')
  t.same(log.events.map((e) => [e.level, e.event]), [['debug', 'd'], ['info', 'i'], ['warning', 'w'], ['error', 'e']])
  t.same(log.events[1].fields, { a: 1 })
})
