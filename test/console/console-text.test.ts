import t from 'tap'
import { renderTree, findInTree, renderUnsupervised, unsupervised, LineSplitter, Evaluator, describeError } from '../../actors/console'
import type { SupervisionTree } from '../../supervisors'
import { completeLine, openStringLiteral } from '../../cli/console/completion'

const tree: SupervisionTree = {
  id: 'hub', name: 'hub', kind: 'supervisor', pid: '<0.1.0>', restarts: 0, status: 'running', strategy: 'one_for_one',
  children: [
    { id: 'config', name: 'config', kind: 'worker', pid: '<0.2.0>', restarts: 0, status: 'running' },
    {
      id: 'tasks', name: 'tasks', kind: 'supervisor', pid: '<0.3.0>', restarts: 2, status: 'running', strategy: 'rest_for_one',
      children: [
        { id: 'task-queue', name: 'task-queue', kind: 'worker', pid: '<0.4.0>', restarts: 0, status: 'running' },
        { id: 'agent:forge', name: 'fsm:forge', kind: 'worker', pid: null, restarts: 1, status: 'restarting' },
      ],
    },
    { id: 'sweeper', name: null, kind: 'worker', pid: null, restarts: 0, status: 'stopped' },
  ],
}

t.test('renderTree draws branches, names that differ from ids, status and restarts', async (t) => {
  t.equal(
    renderTree(tree),
    [
      'hub  <0.1.0>  one_for_one',
      '├─ config  <0.2.0>  running',
      '├─ tasks  <0.3.0>  rest_for_one  restarts=2',
      '│  ├─ task-queue  <0.4.0>  running',
      '│  └─ agent:forge (fsm:forge)  -  restarting  restarts=1',
      '└─ sweeper  -  stopped',
    ].join('\n'),
  )
  t.equal(renderTree({ id: 'lonely', name: null, kind: 'supervisor', pid: '<0.9.0>', restarts: 0, status: 'unresponsive' }), 'lonely  <0.9.0>  supervisor  unresponsive')
})

t.test('findInTree by name, pid or child id, with the parent', async (t) => {
  t.equal(findInTree(tree, 'fsm:forge')?.parent?.id, 'tasks')
  t.equal(findInTree(tree, 'agent:forge')?.node.name, 'fsm:forge')
  t.equal(findInTree(tree, '<0.2.0>')?.node.id, 'config')
  t.equal(findInTree(tree, 'hub')?.parent, undefined)
  t.equal(findInTree(tree, 'nobody'), undefined)
})

t.test('actors no supervisor holds', async (t) => {
  const info = (id: string, name?: string) => ({ id, name, class: 'X', mode: 'in-memory' as const, status: 'running' as const, mailbox: 0, timers: 0, spawnedAt: 0 })
  const loose = unsupervised([info('<0.2.0>', 'config'), info('<0.7.0>', 'probe'), info('<0.8.0>')], [tree])
  t.same(loose.map((a) => a.id), ['<0.7.0>', '<0.8.0>'])
  t.equal(renderUnsupervised(loose), '(not supervised)\n├─ probe  <0.7.0>  running\n└─ X  <0.8.0>  running')
  t.equal(renderUnsupervised([]), '')
})

t.test('LineSplitter: lines across chunks, CRLF, blank lines, overflow', async (t) => {
  const s = new LineSplitter(10)
  t.same(s.push('{"a"'), [])
  t.same(s.push(':1}\r\n\n{"b":2}\n{"c'), [{ type: 'line', line: '{"a":1}' }, { type: 'line', line: '{"b":2}' }])
  t.same(s.push('"}\n'), [{ type: 'line', line: '{"c"}' }])
  t.same(s.push('0123456789ABC'), [{ type: 'overflow' }])
  t.same(s.push('0123456789AB\nok\n'), [{ type: 'overflow' }, { type: 'line', line: 'ok' }])
})

t.test('Evaluator outside a hub: values, errors, incomplete input', async (t) => {
  const e = new Evaluator({ double: (n: number) => Promise.resolve(n * 2) }, { syncTimeoutMs: 50 })
  t.same(await e.evaluate('double(21)'), { ok: true, text: '42' })
  t.same(await e.evaluate("({ a: [1, 'x'] })"), { ok: true, text: "{ a: [ 1, 'x' ] }" })
  t.same(await e.evaluate('for (;;) {}'), { ok: false, text: 'Uncaught Error: Script execution timed out after 50ms' })
  t.same(await e.evaluate('[1, 2'), { ok: false, text: "Uncaught SyntaxError: Unexpected end of input", incomplete: true })
  t.same(await e.evaluate('Promise.reject(new RangeError("no"))'), { ok: false, text: 'Uncaught RangeError: no' })
  t.same(await e.evaluate('let y = 1; y'), { ok: true, text: '1' })
  t.same(e.definedNames(), [], 'let bindings are not context properties')
  t.equal(describeError({ code: 1 }), 'Uncaught { code: 1 }')
})

t.test('completion: actor names inside strings, helpers and variables elsewhere', async (t) => {
  const source = { helpers: ['tree', 'tasks', 'state', 'kill'], actors: ['scheduler', 'stuck-sweeper', 'config'], globals: ['total'] }
  t.same(completeLine("state('s", source), [['scheduler', 'stuck-sweeper'], 's'])
  t.same(completeLine('kill("con', source), [['config'], 'con'])
  t.same(completeLine("state('", source), [['config', 'scheduler', 'stuck-sweeper'], ''])
  t.same(completeLine('t', source), [['tasks', 'total', 'tree'], 't'])
  t.same(completeLine("state('config').then(x => tr", source), [['tree'], 'tr'])
  t.same(completeLine('', source).at(0), ['ACTOR', 'kill', 'state', 'system', 'tasks', 'total', 'tree'])
  t.same(completeLine('tree()', source), [[], ''])
  t.equal(openStringLiteral("a('it\\'s"), "it\\'s")
  t.equal(openStringLiteral("a('done')"), undefined)
})
