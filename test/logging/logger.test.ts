import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { createLogger, isSecretKey, newRequestId, putLogLevel, redactSecrets, redactString, logHttpRequest, REDACTED, type LogLine } from '../../logging'
import type { Logger } from '../../actors/runtime/logger'

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678)

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-log-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function captured(): { stream: PassThrough; lines: () => LogLine[] } {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
  return { stream, lines: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine) }
}

const fileLines = (path: string): LogLine[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine)

t.test('a nested token and a bearer header are redacted in the file actually written', async (t) => {
  const dir = tempDir(t)
  const log = createLogger({ level: 'info', dataDir: dir, stdout: false, now: () => T0 })
  log.info('auth_attempt', {
    agent_id: 'a1',
    request: { headers: { Authorization: 'Bearer abc123.secret-value', 'X-Api-Key': 'k-999' }, body: { auth_token: 'tok-1', nested: [{ token: 't-2', tokens_used: 42 }] } },
    note: 'client sent Authorization: Bearer zzz-top-secret-zzz and ?token=qqq-secret&x=1',
    password: 'hunter2',
    config: { vapid_private_key: 'pk', client_secret: 'cs', token_prefix: 'ab12' },
  })
  await log.close()
  const raw = readFileSync(join(dir, 'logs', 'agentcom.log'), 'utf8')
  for (const secret of ['abc123.secret-value', 'k-999', 'tok-1', 't-2', 'zzz-top-secret-zzz', 'qqq-secret', 'hunter2', '"pk"', '"cs"']) {
    t.notOk(raw.includes(secret), `${secret} is not on disk`)
  }
  const [line] = fileLines(join(dir, 'logs', 'agentcom.log'))
  t.same(line, {
    time: '2025-01-02T03:04:05.678Z',
    severity: 'info',
    message: 'auth_attempt',
    metadata: {
      agent_id: 'a1',
      request: { headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED }, body: { auth_token: REDACTED, nested: [{ token: REDACTED, tokens_used: 42 }] } },
      note: `client sent Authorization: Bearer ${REDACTED} and ?token=${REDACTED}&x=1`,
      password: REDACTED,
      config: { vapid_private_key: REDACTED, client_secret: REDACTED, token_prefix: 'ab12' },
    },
  })
})

t.test('lines go to stdout and file with the §3.1 fields; levels filter and change at run time', async (t) => {
  const dir = tempDir(t)
  const out = captured()
  const log = createLogger({ level: 'notice', dataDir: dir, stdout: out.stream, now: () => T0 })
  t.equal(log.level, 'notice')
  log.debug('dropped_debug')
  log.info('dropped_info')
  log.notice('dets_backup_complete', { success: 9 })
  log.warn('fsm_acceptance_timeout', { task_id: 'task-1' })
  log.setLevel('debug')
  log.debug('kept_debug')
  log.setLevel('error')
  log.warning('dropped_warning')
  log.error('kept_error')
  log.critical('dets_degraded_mode', { data_lost: true })
  await log.close()
  const expected = [
    ['notice', 'dets_backup_complete'],
    ['warning', 'fsm_acceptance_timeout'],
    ['debug', 'kept_debug'],
    ['error', 'kept_error'],
    ['critical', 'dets_degraded_mode'],
  ]
  t.same(out.lines().map((l) => [l.severity, l.message]), expected)
  t.same(fileLines(log.filePath!).map((l) => [l.severity, l.message]), expected)
  t.same(Object.keys(out.lines()[0]), ['time', 'severity', 'message', 'metadata'])
  t.throws(() => log.setLevel('verbose' as never), /invalid log level/)
})

t.test('child loggers carry request_id / agent_id and share the parent level', async (t) => {
  const out = captured()
  const root = createLogger({ level: 'info', stdout: out.stream, now: () => T0, defaultMeta: { service: 'hub' } })
  const requestId = newRequestId()
  t.match(requestId, /^[0-9a-f]{16}$/)
  const session = root.child({ agent_id: 'agent-7' })
  const frame = session.child({ request_id: requestId })
  frame.info('task_complete', { task_id: 'task-9', agent_id: 'agent-7' })
  root.setLevel('error')
  frame.info('dropped')
  t.equal(frame.level, 'error')
  await root.close()
  t.same(out.lines(), [
    { time: '2025-01-02T03:04:05.678Z', severity: 'info', message: 'task_complete', metadata: { service: 'hub', agent_id: 'agent-7', request_id: requestId, task_id: 'task-9' } },
  ])
})

t.test('satisfies the runtime Logger interface; odd metadata never throws', async (t) => {
  const out = captured()
  const log: Logger = createLogger({ level: 'debug', stdout: out.stream, now: () => T0 })
  const cyclic: Record<string, unknown> = { name: 'loop' }
  cyclic.self = cyclic
  const error = Object.assign(new Error('boom with Bearer abcdef'), { code: 'E_X' })
  log.error('crash', { cyclic, error, big: 10n, buf: Buffer.from('xyz'), fn: () => 1, when: new Date(T0) })
  await (log as ReturnType<typeof createLogger>).close()
  const [line] = out.lines()
  t.same(line.metadata.cyclic, { name: 'loop', self: '[Circular]' })
  t.match(line.metadata.error, { name: 'Error', message: `boom with Bearer ${REDACTED}`, code: 'E_X' })
  t.equal(line.metadata.big, '10')
  t.equal(line.metadata.buf, '[Buffer 3 bytes]')
  t.notOk('fn' in line.metadata)
  t.equal(line.metadata.when, '2025-01-02T03:04:05.678Z')
})

t.test('the file rotates at maxBytes into gzip archives, keeping maxArchives', async (t) => {
  const dir = tempDir(t)
  const log = createLogger({ level: 'info', dataDir: dir, stdout: false, now: () => T0, file: { maxBytes: 1000, maxArchives: 2 } })
  // each line is ~110 bytes: 40 lines need 5 files of ≤1000 bytes; only current + 2 archives remain
  for (let i = 0; i < 40; i++) log.info('line', { i, pad: 'x'.repeat(20) })
  await log.close()
  const files = readdirSync(join(dir, 'logs')).sort()
  t.same(files, ['agentcom.log', 'agentcom.log.1.gz', 'agentcom.log.2.gz'])
  const current = fileLines(join(dir, 'logs', 'agentcom.log'))
  const newest = gunzipSync(readFileSync(join(dir, 'logs', 'agentcom.log.1.gz'))).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine)
  const older = gunzipSync(readFileSync(join(dir, 'logs', 'agentcom.log.2.gz'))).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine)
  const seq = [...older, ...newest, ...current].map((l) => l.metadata.i as number)
  t.equal(seq[seq.length - 1], 39, 'the newest line is in the live file')
  t.same(seq, Array.from({ length: seq.length }, (_, k) => 40 - seq.length + k), 'no line lost or reordered across the kept files')
  for (const name of files) t.ok(readFileSync(join(dir, 'logs', name)).length <= 1000, `${name} within the limit`)
})

t.test('a burst at start-up loses nothing (the winston File transport bug this replaces)', async (t) => {
  const dir = tempDir(t)
  const log = createLogger({ level: 'info', dataDir: dir, stdout: false, now: () => T0, file: { maxBytes: 2000, maxArchives: 50 } })
  for (let i = 0; i < 200; i++) log.info('burst', { i })
  await log.close()
  const names = readdirSync(join(dir, 'logs'))
  let total = 0
  for (const name of names) {
    const body = readFileSync(join(dir, 'logs', name))
    total += (name.endsWith('.gz') ? gunzipSync(body) : body).toString().split('\n').filter(Boolean).length
  }
  t.equal(total, 200)
})

t.test('an existing log file is appended to after a restart', async (t) => {
  const dir = tempDir(t)
  const first = createLogger({ level: 'info', dataDir: dir, stdout: false, now: () => T0 })
  first.info('before_restart')
  await first.close()
  const second = createLogger({ level: 'info', dataDir: dir, stdout: false, now: () => T0 })
  second.info('after_restart')
  await second.close()
  t.same(fileLines(join(dir, 'logs', 'agentcom.log')).map((l) => l.message), ['before_restart', 'after_restart'])
})

t.test('secret key detection and string scrubbing', async (t) => {
  for (const key of ['token', 'auth_token', 'AUTH-TOKEN', 'secret', 'authorization', 'api_key', 'apiKey', 'x-api-key', 'password', 'refresh_token', 'github_token', 'Cookie']) {
    t.ok(isSecretKey(key), key)
  }
  for (const key of ['tokens_used', 'token_prefix', 'max_tokens', 'tokens_so_far', 'task_id', 'agent_id', 'secretary_name']) {
    t.notOk(isSecretKey(key), key)
  }
  t.equal(redactString('GET /api/tasks?token=abc&status=queued'), `GET /api/tasks?token=${REDACTED}&status=queued`)
  t.equal(redactString('authorization: basic dXNlcjpwYXNz'), `authorization: basic ${REDACTED}`)
  t.equal(redactString('plain text'), 'plain text')
  t.same(redactSecrets({ token: null, secret: undefined }), { token: null })
})

t.test('access log lines redact the query token', async (t) => {
  const out = captured()
  const log = createLogger({ level: 'info', stdout: out.stream, now: () => T0 })
  logHttpRequest(log, { method: 'GET', url: '/api/mailbox/a1?token=sekrit', status: 200, duration_ms: 3, remote_ip: '127.0.0.1' })
  logHttpRequest(log, { method: 'POST', url: '/api/tasks', status: 500, duration_ms: 9 })
  await log.close()
  t.same(out.lines().map((l) => [l.severity, l.metadata.url]), [['info', `/api/mailbox/a1?token=${REDACTED}`], ['error', '/api/tasks']])
})

t.test('PUT /api/admin/log-level: 200 and the level changes; 422 with the valid list otherwise', async (t) => {
  const out = captured()
  const log = createLogger({ level: 'info', stdout: out.stream, now: () => T0 })
  t.same(putLogLevel(log, { level: 'verbose' }), { status: 422, body: { error: 'invalid_level', valid: ['debug', 'info', 'notice', 'warning', 'error'] } })
  t.same(putLogLevel(log, {}), { status: 422, body: { error: 'invalid_level', valid: ['debug', 'info', 'notice', 'warning', 'error'] } })
  t.equal(log.level, 'info')
  t.same(putLogLevel(log, { level: 'debug' }, 'ops'), { status: 200, body: { status: 'ok', level: 'debug' } })
  log.debug('now_visible')
  await log.close()
  t.same(out.lines().map((l) => [l.severity, l.message, l.metadata]), [
    ['notice', 'log_level_changed', { from: 'info', to: 'debug', changed_by: 'ops' }],
    ['debug', 'now_visible', {}],
  ])
})

t.test('an explicit filePath replaces the data-dir location', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'nested', 'sidecar.log')
  const log = createLogger({ level: 'info', filePath: path, stdout: false, now: () => T0 })
  t.equal(log.filePath, path)
  log.info('hello', { token: 'x' })
  await log.close()
  t.same(fileLines(path), [{ time: '2025-01-02T03:04:05.678Z', severity: 'info', message: 'hello', metadata: { token: REDACTED } }])
})
