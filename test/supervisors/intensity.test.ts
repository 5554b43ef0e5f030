import t from 'tap'
import { Actor, createTestSystem, isNormalExit, type ExitReason } from '../../actors/runtime'
import {
  recordRestart,
  startSupervisor,
  supervisionTree,
  supervisorSpec,
  validateIntensity,
  workerSpec,
  type SupervisorEvent,
} from '../../supervisors'

class Crashy extends Actor<{ type: 'ping' }, { type: 'crash' }, never, { journal: string[] }> {
  journal: string[] = []
  override init(args: { journal: string[] }): void {
    this.journal = args.journal
    this.journal.push('start')
  }
  override handleCall(): string {
    return 'pong'
  }
  override handleCast(): void {
    throw new Error('crash')
  }
}

t.test('recordRestart: the window is inclusive of exactly maxSeconds', async (t) => {
  const limit = { maxRestarts: 3, maxSeconds: 5 }
  let h: number[] = []
  for (const at of [0, 1000, 2000]) {
    const r = recordRestart(h, at, limit)
    t.equal(r.exceeded, false)
    h = r.history
  }
  t.equal(recordRestart(h, 5000, limit).exceeded, true, '4th restart exactly 5 s after the 1st: exceeded')
  t.equal(recordRestart(h, 5001, limit).exceeded, false, '1 ms later the 1st has left the window')
  t.same(recordRestart(h, 5001, limit).history, [1000, 2000, 5001])
  t.equal(recordRestart([], 0, { maxRestarts: 0, maxSeconds: 1 }).exceeded, true, 'maxRestarts 0: the first restart gives up')
  t.same(validateIntensity({}), { maxRestarts: 3, maxSeconds: 5 })
  t.throws(() => validateIntensity({ maxRestarts: -1 }), TypeError)
  t.throws(() => validateIntensity({ maxSeconds: 0 }), TypeError)
})

async function crashAt(system: ReturnType<typeof createTestSystem>, name: string, atMs: number) {
  await system.clock.advanceTo(atMs)
  const ref = system.system.whereis<never, { type: 'crash' }>(name)
  if (!ref) throw new Error(`${name} is not running at ${atMs}`)
  ref.cast({ type: 'crash' })
  await system.clock.advance(0)
}

for (const [fourthAt, exceeded] of [
  [5000, true],
  [5001, false],
] as const) {
  t.test(`intensity 3 in 5 s: 4th crash at +${fourthAt} ms ${exceeded ? 'gives up' : 'is restarted'}`, async (t) => {
    const ts = createTestSystem({ start: 0 })
    t.teardown(ts.shutdown)
    const journal: string[] = []
    const events: SupervisorEvent[] = []
    ts.system.bus.subscribe('supervisor', (e) => events.push(e as SupervisorEvent))
    const telemetry: unknown[] = []
    ts.system.bus.subscribe('telemetry', (e) => telemetry.push(e))
    const sup = await startSupervisor(ts.system, {
      name: 'sup',
      maxRestarts: 3,
      maxSeconds: 5,
      children: [workerSpec(Crashy, { journal }, { name: 'w' })],
    })
    const supExit = ts.system.exited(sup)
    for (const at of [0, 1000, 2000]) await crashAt(ts, 'w', at)
    t.equal(journal.length, 4, 'three restarts within the limit')
    await crashAt(ts, 'w', fourthAt)
    if (exceeded) {
      const exit = await supExit
      t.same(exit, { shutdown: { reached_max_restart_intensity: { supervisor: 'sup', child: 'w', last_reason: 'Error: crash' } } }, 'the supervisor exits with a shutdown reason naming the child')
      t.ok(isNormalExit(exit), 'a shutdown: a transient parent would not restart it')
      t.equal(journal.length, 4, 'no fourth restart')
      t.equal(ts.system.whereis('w'), undefined)
      const giveUp = events.find((e) => e.event === 'give_up')
      t.match(giveUp, { supervisor: 'sup', child: 'w', reason: 'Error: crash', restarts: 3 })
      t.ok(ts.log.entries.some((e) => e.level === 'error' && e.message === 'supervisor give up'), 'give-up is logged')
    } else {
      t.equal(sup.isAlive(), true)
      t.equal(journal.length, 5)
    }
    t.same(
      events.filter((e) => e.event === 'restart').map((e) => [e.child, e.restarts, e.reason]),
      [
        ['w', 1, 'restarted'],
        ['w', 2, 'restarted'],
        ['w', 3, 'restarted'],
        ...(exceeded ? [] : [['w', 4, 'restarted']]),
      ],
    )
    t.equal(telemetry.length, events.length, 'every event also goes to telemetry')
  })
}

t.test('escalation two levels up: leaf gives up, mid gives up, top restarts mid', async (t) => {
  const ts = createTestSystem({ start: 0 })
  t.teardown(ts.shutdown)
  const journal: string[] = []
  const events: SupervisorEvent[] = []
  ts.system.bus.subscribe('supervisor', (e) => events.push(e as SupervisorEvent))
  const top = await startSupervisor(ts.system, {
    name: 'top',
    maxRestarts: 3,
    maxSeconds: 60,
    children: [
      supervisorSpec({
        name: 'mid',
        maxRestarts: 1,
        maxSeconds: 60,
        children: [
          supervisorSpec({
            name: 'leaf',
            maxRestarts: 1,
            maxSeconds: 60,
            children: [workerSpec(Crashy, { journal }, { name: 'w' })],
          }),
        ],
      }),
    ],
  })
  const pidOf = (name: string) => ts.system.whereis(name)?.id
  const mid0 = pidOf('mid')
  const leaf0 = pidOf('leaf')
  await crashAt(ts, 'w', 10) // leaf restarts w (1 of 1)
  await crashAt(ts, 'w', 20) // leaf gives up -> exits shutdown; mid restarts leaf (1 of 1)
  t.equal(pidOf('mid'), mid0, 'mid survives the first escalation')
  t.not(pidOf('leaf'), leaf0, 'leaf was restarted by mid')
  await crashAt(ts, 'w', 30) // new leaf restarts w
  await crashAt(ts, 'w', 40) // leaf gives up again; mid exceeds 1 restart -> gives up; top restarts mid
  t.not(pidOf('mid'), mid0, 'top restarted mid')
  t.ok(top.isAlive())
  t.same(
    events.filter((e) => e.event === 'give_up').map((e) => e.supervisor),
    ['leaf', 'leaf', 'mid'],
  )
  const restartedByTop = events.find((e) => e.supervisor === 'top' && e.event === 'restart')
  t.match(restartedByTop, { child: 'mid', restarts: 1 })
  const tree = await supervisionTree(top)
  t.match(tree, {
    id: 'top',
    kind: 'supervisor',
    status: 'running',
    children: [
      {
        id: 'mid',
        kind: 'supervisor',
        restarts: 1,
        status: 'running',
        children: [{ id: 'leaf', restarts: 0, children: [{ id: 'w', kind: 'worker', restarts: 0, status: 'running' }] }],
      },
    ],
  })
  t.equal(await ts.system.whereis<{ type: 'ping' }>('w')!.call({ type: 'ping' }), 'pong', 'the tree serves again')
})

t.test('a child that keeps failing to restart is retried until the supervisor gives up', async (t) => {
  const ts = createTestSystem({ start: 0 })
  t.teardown(ts.shutdown)
  let failStarts = false
  class Flaky extends Actor<never, { type: 'crash' }> {
    override init(): void {
      if (failStarts) throw new Error('cannot start')
    }
    override handleCast(): void {
      throw new Error('crash')
    }
  }
  const events: SupervisorEvent[] = []
  ts.system.bus.subscribe('supervisor', (e) => events.push(e as SupervisorEvent))
  const sup = await startSupervisor(ts.system, { name: 's', children: [workerSpec(Flaky, undefined, { name: 'f' })] })
  const exit = ts.system.exited(sup)
  failStarts = true
  ts.system.whereis<never, { type: 'crash' }>('f')!.cast({ type: 'crash' })
  t.match(await exit, { shutdown: { reached_max_restart_intensity: { supervisor: 's', child: 'f' } } })
  t.same(
    events.map((e) => e.event),
    ['child_exited', 'restart_failed', 'restart_failed', 'restart_failed', 'give_up'],
  )
})
