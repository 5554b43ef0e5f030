import t from 'tap'
import { LineSplitter, parseJsonLine } from '../../relay/sidecar/executors/ndjson-lines'
import { CappedOutput, truncateText } from '../../relay/sidecar/executors/capped-output'

t.test('LineSplitter reassembles lines cut anywhere, including inside a UTF-8 character', async (t) => {
  const text = '{"a":"héllo ✓"}\n{"b":2}\n\n{"c":3}'
  const bytes = Buffer.from(text, 'utf8')
  for (const size of [1, 2, 3, 5, 7, bytes.length]) {
    const splitter = new LineSplitter()
    const lines: string[] = []
    for (let i = 0; i < bytes.length; i += size) lines.push(...splitter.push(bytes.subarray(i, i + size)))
    lines.push(...splitter.end())
    t.same(lines, ['{"a":"héllo ✓"}', '{"b":2}', '', '{"c":3}'], `chunk size ${size}`)
  }
})

t.test('LineSplitter strips CR and keeps an unterminated tail for end()', async (t) => {
  const s = new LineSplitter()
  t.same(s.push('one\r\ntw'), ['one'])
  t.same(s.push('o'), [])
  t.same(s.end(), ['two'])
  t.same(s.end(), [])
})

t.test('parseJsonLine skips blanks, junk and non-objects', async (t) => {
  t.same(parseJsonLine('{"x":1}'), { x: 1 })
  t.equal(parseJsonLine('   '), null)
  t.equal(parseJsonLine('{"x":'), null)
  t.equal(parseJsonLine('[1,2]'), null)
  t.equal(parseJsonLine('42'), null)
})

t.test('CappedOutput keeps head and tail and marks the elision', async (t) => {
  const out = new CappedOutput(20)
  out.append(Buffer.from('0123456789'))
  out.append(Buffer.from('abcdefghij'))
  t.equal(out.truncated, false)
  t.equal(out.toString(), '0123456789abcdefghij')
  out.append(Buffer.from('KLMNOPQRST'))
  t.equal(out.truncated, true)
  t.equal(out.totalBytes, 30)
  const s = out.toString()
  t.ok(s.startsWith('0123456789'), 'head kept')
  t.ok(s.endsWith('KLMNOPQRST'), 'tail kept')
  t.match(s, /\.\.\.\(10 bytes of output omitted\)\.\.\./)
})

t.test('truncateText marks cuts like the corrective prompt expects', async (t) => {
  t.equal(truncateText('abc', 5), 'abc')
  t.equal(truncateText('abcdef', 3), 'abc...(truncated)')
})
