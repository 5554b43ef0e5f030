// Pure helpers behind the request object and the socket bookkeeping.
import t from 'tap'
import { HttpError } from '../../relay/hub/transport'
import { declaredBodyTooLarge, isJsonContentType, normaliseIp, parseJsonBody, splitUrl } from '../../relay/hub/transport/http-request'
import { sweepIntervalMs } from '../../relay/hub/transport/live-sockets'
import { isSendableCloseCode, truncateUtf8 } from '../../relay/hub/transport/ws-connection'
import { nativeFrameCeiling } from '../../relay/hub/transport/uws-adapter'

function thrown(fn: () => unknown): { status: number; body: unknown } | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, body: err.body }
    throw err
  }
  return undefined
}

t.test('parseJsonBody', async (t) => {
  t.same(parseJsonBody(Buffer.from('{"a":1}'), 'application/json'), { a: 1 })
  t.same(parseJsonBody(Buffer.alloc(0), undefined), {}, 'empty body is {} whatever the type')
  t.same(parseJsonBody(Buffer.from('[1]'), 'Application/JSON; charset=UTF-8'), [1])
  t.same(thrown(() => parseJsonBody(Buffer.from('{'), 'application/json')), { status: 400, body: { error: 'invalid_json' } })
  t.same(thrown(() => parseJsonBody(Buffer.from('{}'), 'text/json')), { status: 415, body: { error: 'unsupported_media_type', detail: 'expected Content-Type: application/json' } })
  t.same(thrown(() => parseJsonBody(Buffer.from('{}'), undefined))?.status, 415)
})

t.test('isJsonContentType', async (t) => {
  t.ok(isJsonContentType('application/json'))
  t.ok(isJsonContentType('application/vnd.api+json; charset=utf-8'))
  t.notOk(isJsonContentType('application/jsonp'))
  t.notOk(isJsonContentType('text/plain'))
  t.notOk(isJsonContentType(''))
})

t.test('splitUrl, normaliseIp, declaredBodyTooLarge', async (t) => {
  t.same(splitUrl('/a/b?x=1&y=2'), { path: '/a/b', rawQuery: 'x=1&y=2' })
  t.same(splitUrl('/a'), { path: '/a', rawQuery: '' })
  t.equal(normaliseIp('::ffff:127.0.0.1'), '127.0.0.1')
  t.equal(normaliseIp('::1'), '::1')
  t.equal(normaliseIp(undefined), '')
  t.ok(declaredBodyTooLarge('1025', 1024))
  t.notOk(declaredBodyTooLarge('1024', 1024))
  t.notOk(declaredBodyTooLarge(undefined, 1024))
  t.notOk(declaredBodyTooLarge('junk', 1024), 'the HTTP parser rejects junk lengths before us')
})

t.test('close codes and reasons', async (t) => {
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 1013, 3000, 4999]) t.ok(isSendableCloseCode(code), `${code}`)
  for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000, 1000.5]) t.notOk(isSendableCloseCode(code), `${code}`)
  t.equal(truncateUtf8('abc', 123), 'abc')
  t.equal(Buffer.byteLength(truncateUtf8('é'.repeat(100), 123)), 122, 'never splits a character')
})

t.test('timing and size constants', async (t) => {
  t.equal(sweepIntervalMs(60_000), 1000, 'idle closes land within a second of the minute')
  t.equal(sweepIntervalMs(300), 75)
  t.equal(sweepIntervalMs(8), 10)
  t.equal(nativeFrameCeiling(1024 * 1024), 4 * 1024 * 1024)
})
