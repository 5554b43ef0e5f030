import t from 'tap'
import { Actor, createTestSystem, type ActorRef, type ExitReason } from '../../actors/runtime'
import {
  startSupervisor,
  whichChildren,
  workerSpec,
  type ChildInfo,
  type RestartType,
  type Strategy,
} from '../../supervisors'

type Journal = string[]
type Cast = { type: 'crash' } | { type: 'exit'; reason: ExitReason }
interface Args {
  id: string
  journal: Journal
}

/** Writes start/stop into a shared journal; crashes or exits on request. */
class Worker extends Actor<{ type: 'ping' }, Cast, never, Args> {
  id = ''
  journal: Journal = []
  override init(args: Args): void {
    this.id = args.id
    this.journal = args.journal
    this.journal.push(`start ${this.id}`)
  }
  override handleCall(): string {
    return 'pong'
  }
  override handleCast(msg: Cast): void {
    if (msg.type === 'crash') throw new Error(`${this.id} crashed`)
    this.ctx.stop(msg.reason)
  }
  override terminate(reason: ExitReason): void {
    this.journal.push(`stop ${this.id}${reason instanceof Error ? '' : ':' + String(reason)}`)
  }
}

function spec(id: string, journal: Journal, restart: RestartType = 'permanent') {
  return workerSpec(Worker, { id, journal }, { id, name: id, restart })
}

async function setup(t: tap.Test, strategy: Strategy, restarts: RestartType[] = ['permanent', 'permanent', 'permanent']) {
  const ts = createTestSystem()
  t.teardown(ts.shutdown)
  const journal: Journal = []
  const ids = ['a', 'b', 'c']
  const sup = await startSupervisor(ts.system, {
    name: 'sup',
    strategy,
    children: ids.map((id, i) => spec(id, journal, restarts[i])),
  })
  const pid = (name: string) => ts.system.whereis(name)?.id
  const ref = (name: string) => ts.system.whereis<{ type: 'ping' }, Cast>(name) as ActorRef<{ type: 'ping' }, Cast>
  return { ...ts, journal, sup, pid, ref }
}

t.test('children start in order and stop in reverse order', async (t) => {
  const { system, journal, sup } = await setup(t, 'one_for_one')
  t.same(journal, ['start a', 'start b', 'start c'])
  await system.stop(sup, 'shutdown', Infinity)
  t.same(journal.slice(3), ['stop c:shutdown', 'stop b:shutdown', 'stop a:shutdown'])
  t.same(system.registered(), [])
})

t.test('one_for_one restarts only the crashed child', async (t) => {
  const { clock, journal, sup, pid, ref } = await setup(t, 'one_for_one')
  const before = { a: pid('a'), b: pid('b'), c: pid('c') }
  journal.length = 0
  ref('b').cast({ type: 'crash' })
  await clock.advance(0)
  t.same(journal, ['stop b', 'start b'])
  t.equal(pid('a'), before.a)
  t.not(pid('b'), before.b)
  t.equal(pid('c'), before.c)
  t.equal(await ref('b').call({ type: 'ping' }), 'pong', 'the replacement serves')
  const info = (await whichChildren(sup)).find((c) => c.id === 'b')
  t.match(info, { status: 'running', restarts: 1, pid: pid('b') })
})

t.test('one_for_all stops the others in reverse order, then starts all in order', async (t) => {
  const { clock, journal, pid, ref } = await setup(t, 'one_for_all')
  const before = [pid('a'), pid('b'), pid('c')]
  journal.length = 0
  ref('b').cast({ type: 'crash' })
  await clock.advance(0)
  t.same(journal, ['stop b', 'stop c:shutdown', 'stop a:shutdown', 'start a', 'start b', 'start c'])
  const after = [pid('a'), pid('b'), pid('c')]
  after.forEach((p, i) => t.not(p, before[i]))
})

t.test('rest_for_one restarts the crashed child and those after it', async (t) => {
  const { clock, journal, pid, ref } = await setup(t, 'rest_for_one')
  const a = pid('a')
  journal.length = 0
  ref('b').cast({ type: 'crash' })
  await clock.advance(0)
  t.same(journal, ['stop b', 'stop c:shutdown', 'start b', 'start c'])
  t.equal(pid('a'), a, 'a child before the crashed one is untouched')
})

const strategies: Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one']

for (const strategy of strategies) {
  t.test(`${strategy}: restart types`, async (t) => {
    t.test('a temporary child that crashes is not restarted and is forgotten; siblings untouched', async (t) => {
      const { clock, journal, sup, ref } = await setup(t, strategy, ['permanent', 'temporary', 'permanent'])
      journal.length = 0
      ref('b').cast({ type: 'crash' })
      await clock.advance(0)
      t.same(journal, ['stop b'])
      t.same((await whichChildren(sup)).map((c: ChildInfo) => c.id), ['a', 'c'])
    })

    t.test('a transient child exiting normally is not restarted and stays listed as stopped', async (t) => {
      const { clock, journal, sup, ref, pid } = await setup(t, strategy, ['permanent', 'transient', 'permanent'])
      journal.length = 0
      ref('b').cast({ type: 'exit', reason: 'normal' })
      await clock.advance(0)
      t.same(journal, ['stop b:normal'])
      t.match((await whichChildren(sup)).find((c) => c.id === 'b'), { status: 'stopped', pid: null })
      t.ok(pid('a') && pid('c'), 'siblings keep running')
    })

    t.test('a transient child that crashes is restarted', async (t) => {
      const { clock, journal, ref } = await setup(t, strategy, ['permanent', 'transient', 'permanent'])
      journal.length = 0
      ref('b').cast({ type: 'crash' })
      await clock.advance(0)
      t.ok(journal.includes('start b'))
    })

    t.test('a permanent child exiting normally is restarted', async (t) => {
      const { clock, journal, ref } = await setup(t, strategy)
      journal.length = 0
      ref('c').cast({ type: 'exit', reason: 'normal' })
      await clock.advance(0)
      const expected =
        strategy === 'one_for_all'
          ? ['stop c:normal', 'stop b:shutdown', 'stop a:shutdown', 'start a', 'start b', 'start c']
          : ['stop c:normal', 'start c']
      t.same(journal, expected)
    })
  })
}

t.test('a temporary child is not restarted even when a sibling crash stops it', async (t) => {
  for (const strategy of ['one_for_all', 'rest_for_one'] as const) {
    const { clock, journal, sup, ref } = await setup(t, strategy, ['permanent', 'transient', 'temporary'])
    journal.length = 0
    ref('a').cast({ type: 'crash' })
    await clock.advance(0)
    t.same(
      journal,
      ['stop a', 'stop c:shutdown', 'stop b:shutdown', 'start a', 'start b'],
      `${strategy}: c (temporary) stopped and dropped, b (transient) restarted`,
    )
    t.same((await whichChildren(sup)).map((c) => c.id), ['a', 'b'])
  }
})
