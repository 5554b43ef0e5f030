import t from 'tap'
import { formatReason, isNormalExit, reasonFromThrown, toJsonSafe, ActorExited, CallTimeout, NameTaken } from '../../actors/runtime'

t.test('isNormalExit: normal, shutdown and {shutdown} only', async (t) => {
  t.equal(isNormalExit('normal'), true)
  t.equal(isNormalExit('shutdown'), true)
  t.equal(isNormalExit({ shutdown: 'closed' }), true)
  for (const r of ['killed', 'noproc', 'boom', new Error('shutdown')]) t.equal(isNormalExit(r), false, String(r))
})

t.test('formatReason and reasonFromThrown', async (t) => {
  t.equal(formatReason('killed'), 'killed')
  t.equal(formatReason(new RangeError('bad')), 'RangeError: bad')
  t.equal(formatReason({ shutdown: { code: 1 } }), '{"shutdown":{"code":1}}')
  const e = new Error('x')
  t.equal(reasonFromThrown(e), e)
  t.equal(reasonFromThrown('oops'), 'oops')
  t.same(reasonFromThrown({ shutdown: 1 }), { shutdown: 1 })
  const wrapped = reasonFromThrown(42)
  t.type(wrapped, Error)
  t.match(wrapped, { message: 'non-Error thrown: 42', cause: 42 })
})

t.test('errors carry their fields', async (t) => {
  t.match(new ActorExited('<0.1.0>', 'noproc'), { name: 'ActorExited', actor: '<0.1.0>', reason: 'noproc', message: 'actor <0.1.0> exited: noproc' })
  t.match(new CallTimeout('<0.1.0>', 10, 'get'), { name: 'CallTimeout', message: 'call to <0.1.0> (get) timed out after 10 ms' })
  t.match(new NameTaken('q', '<0.2.0>'), { actorName: 'q', holder: '<0.2.0>' })
})

t.test('toJsonSafe makes any state JSON-able', async (t) => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  const deep = { l1: { l2: { l3: { l4: { l5: { l6: { l7: { l8: { l9: 1 } } } } } } } } }
  t.same(
    toJsonSafe({
      n: 1,
      inf: Infinity,
      big: 10n,
      fn: () => 1,
      date: new Date(0),
      err: new TypeError('t'),
      map: new Map([['k', new Set([1])]]),
      buf: Buffer.from('abc'),
      cyclic,
      undef: undefined,
    }),
    {
      n: 1,
      inf: 'Infinity',
      big: '10',
      date: '1970-01-01T00:00:00.000Z',
      err: { name: 'TypeError', message: 't' },
      map: { k: [1] },
      buf: '[Buffer 3 bytes]',
      cyclic: { a: 1, self: '[circular]' },
    },
  )
  t.match(JSON.stringify(toJsonSafe(deep)), /"\[…\]"/, 'depth is bounded')
  t.equal((toJsonSafe(Array.from({ length: 5000 }, (_, i) => i)) as unknown[]).length, 1000, 'size is bounded')
})
