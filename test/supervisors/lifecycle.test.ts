import t from 'tap'
import { Actor, ActorExited, createTestSystem, type ExitReason } from '../../actors/runtime'
import {
  ChildStartError,
  countChildren,
  deleteChild,
  dynamicSupervisorSpec,
  MaxChildrenReached,
  restartChild,
  startChild,
  startDynamicSupervisor,
  startSupervisor,
  supervisionTree,
  terminateChild,
  UnknownChild,
  whichChildren,
  workerSpec,
  type ShutdownSpec,
} from '../../supervisors'

interface Args {
  id: string
  journal: string[]
  failInit?: boolean
  hangOnStop?: boolean
}

class Worker extends Actor<{ type: 'ping' }, { type: 'crash' }, never, Args> {
  args!: Args
  override init(args: Args): void {
    this.args = args
    if (args.failInit) throw new Error(`${args.id} cannot start`)
    args.journal.push(`start ${args.id}`)
  }
  override handleCall(): string {
    return 'pong'
  }
  override handleCast(): void {
    throw new Error('crash')
  }
  override async terminate(reason: ExitReason): Promise<void> {
    this.args.journal.push(`terminate ${this.args.id}:${String(reason)}`)
    if (this.args.hangOnStop) await new Promise(() => {})
  }
}

function worker(id: string, journal: string[], extra: Partial<Args> = {}, shutdown?: ShutdownSpec) {
  return workerSpec(Worker, { id, journal, ...extra }, { name: id, shutdown })
}

t.test('a child whose init fails makes the supervisor start fail; started siblings are stopped in reverse', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const err = await startSupervisor(system, {
    name: 'sup',
    children: [worker('a', journal), worker('b', journal), worker('c', journal, { failInit: true }), worker('d', journal)],
  }).catch((e: unknown) => e)
  t.type(err, ChildStartError)
  t.match(err, { childId: 'c', reason: { message: 'c cannot start' } })
  t.same(journal, ['start a', 'start b', 'terminate b:shutdown', 'terminate a:shutdown'])
  t.same(system.registered(), [], 'supervisor and children names are free again')
  t.same(system.actors(), [])
})

t.test('shutdown: a child ignoring shutdown is killed after its timeout; brutal_kill skips terminate', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const sup = await startSupervisor(system, {
    name: 'sup',
    children: [
      worker('first', journal),
      worker('stubborn', journal, { hangOnStop: true }, 1000),
      worker('brutal', journal, {}, 'brutal_kill'),
    ],
  })
  const reasons: Record<string, ExitReason> = {}
  for (const name of ['first', 'stubborn', 'brutal']) {
    const ref = system.whereis(name)!
    system.monitor(ref, (r) => (reasons[name] = r))
  }
  const stopped = system.stop(sup, 'shutdown', Infinity)
  await clock.advance(999)
  t.same(journal.slice(3), ['terminate stubborn:shutdown'], 'brutal killed without terminate; stubborn still terminating')
  t.same(reasons, { brutal: 'killed' })
  await clock.advance(1)
  t.equal(await stopped, 'shutdown')
  t.same(reasons, { brutal: 'killed', stubborn: 'killed', first: 'shutdown' })
  t.same(journal.slice(3), ['terminate stubborn:shutdown', 'terminate first:shutdown'], 'reverse order, one after the other')
})

t.test('static supervisor: terminateChild, restartChild, deleteChild, startChild, counts', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const sup = await startSupervisor(system, { name: 'sup', children: [worker('a', journal), worker('b', journal)] })
  t.same(await countChildren(sup), { specs: 2, active: 2, supervisors: 0, workers: 2 })
  t.equal(await terminateChild(sup, 'a'), 'ok')
  t.match(await whichChildren(sup), [
    { id: 'a', status: 'stopped', pid: null },
    { id: 'b', status: 'running', name: 'b' },
  ])
  await t.rejects(restartChild(sup, 'b'), /running/)
  await t.rejects(terminateChild(sup, 'zzz'), UnknownChild)
  const a2 = await restartChild(sup, 'a')
  t.equal(a2.name, 'a')
  await t.rejects(deleteChild(sup, 'a'), /running/)
  await terminateChild(sup, 'a')
  t.equal(await deleteChild(sup, 'a'), 'ok')
  const c = await startChild(sup, worker('c', journal))
  t.equal(await c.call({ type: 'ping' }), 'pong')
  await t.rejects(startChild(sup, worker('c', journal)), /already exists/)
  await t.rejects(startChild(sup, worker('d', journal, { failInit: true })), ChildStartError)
  t.same((await whichChildren(sup)).map((x) => x.id), ['b', 'c'])
})

t.test('dynamic supervisor: start at run time, maxChildren, terminate by pid, restarts with a new pid', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const dyn = await startDynamicSupervisor(system, { name: 'agents', maxChildren: 2 })
  const one = await startChild(dyn, workerSpec(Worker, { id: 'one', journal }, { id: 'agent_fsm' }))
  const two = await startChild(dyn, { ...workerSpec(Worker, { id: 'two', journal }, { id: 'agent_fsm' }), restart: 'temporary' })
  await t.rejects(startChild(dyn, workerSpec(Worker, { id: 'three', journal })), MaxChildrenReached)
  t.same(await countChildren(dyn), { specs: 2, active: 2, supervisors: 0, workers: 2 })

  one.cast({ type: 'crash' })
  await clock.advance(0)
  const kids = await whichChildren(dyn)
  t.equal(kids.length, 2)
  t.not(kids[0].pid, one.id, 'permanent dynamic child restarted under a new pid')
  t.equal(kids[0].restarts, 1)

  two.cast({ type: 'crash' })
  await clock.advance(0)
  t.equal((await whichChildren(dyn)).length, 1, 'temporary dynamic child is gone after its crash')

  const newOne = kids[0].pid!
  t.equal(await terminateChild(dyn, newOne), 'ok')
  t.same(await whichChildren(dyn), [])
  await t.rejects(restartChild(dyn, 'x'), /not supported/)
  await t.rejects(startChild(dyn, { id: '', start: async () => one }), TypeError)
})

t.test('tree() returns nested plain data, including dynamic supervisors', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const top = await startSupervisor(system, {
    name: 'hub',
    strategy: 'rest_for_one',
    children: [worker('queue', journal), dynamicSupervisorSpec({ name: 'fsms' })],
  })
  const fsm = await startChild(system.byName('fsms'), workerSpec(Worker, { id: 'f', journal }, { id: 'agent:forge' }))
  const tree = await supervisionTree(top)
  t.same(JSON.parse(JSON.stringify(tree)), tree, 'plain JSON data')
  t.same(tree, {
    id: 'hub',
    name: 'hub',
    kind: 'supervisor',
    pid: top.id,
    restarts: 0,
    status: 'running',
    strategy: 'rest_for_one',
    children: [
      { id: 'queue', name: 'queue', kind: 'worker', pid: system.whereis('queue')!.id, restarts: 0, status: 'running' },
      {
        id: 'fsms',
        name: 'fsms',
        kind: 'supervisor',
        pid: system.whereis('fsms')!.id,
        restarts: 0,
        status: 'running',
        strategy: 'one_for_one',
        children: [{ id: 'agent:forge', name: null, kind: 'worker', pid: fsm.id, restarts: 0, status: 'running' }],
      },
    ],
  })
  t.match(await system.inspect(top), { strategy: 'rest_for_one', children: [{ id: 'queue' }, { id: 'fsms' }] })
})

t.test('killing a supervisor takes its children down through links', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const sup = await startSupervisor(system, { name: 'sup', children: [worker('a', journal), worker('b', journal)] })
  const a = system.whereis('a')!
  const aExit = system.exited(a)
  system.exit(sup, 'kill')
  await clock.advance(0)
  t.equal(await aExit, 'killed')
  t.same(system.actors(), [])
  await t.rejects(a.call({ type: 'ping' }), ActorExited)
})

t.test('an exit signal to a supervisor stops it and its children in order (terminate runs)', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const sup = await startSupervisor(system, { name: 'sup', children: [worker('a', journal), worker('b', journal)] })
  const exit = system.exited(sup)
  system.exit(sup, 'parent_went_away')
  await clock.advance(0)
  t.equal(await exit, 'parent_went_away')
  t.same(journal.slice(2), ['terminate b:shutdown', 'terminate a:shutdown'])
})

t.test('no restarts while the system shuts down', async (t) => {
  const { system } = createTestSystem()
  const journal: string[] = []
  await startSupervisor(system, { name: 'sup', children: [worker('a', journal), worker('b', journal)] })
  await system.shutdown()
  t.same(journal, ['start a', 'start b', 'terminate b:shutdown', 'terminate a:shutdown'])
  t.same(system.actors(), [])
})

t.test('bad options are rejected with clear errors', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  await t.rejects(startSupervisor(system, { strategy: 'one_for_some' as never, children: [] }), /unknown strategy/)
  await t.rejects(startSupervisor(system, { maxRestarts: -2, children: [] }), /maxRestarts/)
  await t.rejects(startSupervisor(system, { children: [{ id: 'x', start: 'nope' as never }] }), /start must be a function/)
  const j: string[] = []
  await t.rejects(startSupervisor(system, { children: [worker('a', j), worker('a', j)] }), /duplicate child id/)
  await t.rejects(startDynamicSupervisor(system, { maxChildren: -1 }), /maxChildren/)
})
