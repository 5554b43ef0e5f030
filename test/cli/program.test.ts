import t from 'tap'
import { parsePort } from '../../cli/agentcom'

t.test('parsePort accepts ports and rejects junk', async (t) => {
  t.equal(parsePort('4100'), 4100)
  t.throws(() => parsePort('abc'), /not a port number/)
  t.throws(() => parsePort('70000'), /not a port number/)
})
