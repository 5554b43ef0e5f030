import t from 'tap'
import { readFile } from 'node:fs/promises'
import { Actor, ActorSystem, SystemClock, VirtualClock, createTestSystem, memoryLogger, type SystemInfo } from '../../actors/runtime'

t.test('VirtualClock fires due timers in time order, ties in scheduling order', async (t) => {
  const clock = new VirtualClock({ start: 1000 })
  const fired: string[] = []
  clock.schedule(30, () => fired.push('c@' + clock.now()))
  clock.schedule(10, () => fired.push('a@' + clock.now()))
  clock.schedule(10, () => fired.push('b@' + clock.now()))
  const cancelled = clock.schedule(20, () => fired.push('never'))
  clock.schedule(Infinity, () => fired.push('infinite'))
  clock.cancel(cancelled)
  t.same(clock.pendingTimers(), [
    { at: 1010, inMs: 10 },
    { at: 1010, inMs: 10 },
    { at: 1030, inMs: 30 },
  ])
  await clock.advance(25)
  t.same(fired, ['a@1010', 'b@1010'])
  t.equal(clock.now(), 1025)
  await clock.advance(5)
  t.same(fired, ['a@1010', 'b@1010', 'c@1030'])
  await t.rejects(clock.advance(-1), RangeError)
})

t.test('a timer scheduled by a firing timer still fires within the same advance', async (t) => {
  const clock = new VirtualClock({ start: 0 })
  const fired: number[] = []
  clock.schedule(10, () => {
    fired.push(clock.now())
    clock.schedule(10, () => fired.push(clock.now()))
  })
  await clock.advance(100)
  t.same(fired, [10, 20])
  t.equal(clock.now(), 100)
  await clock.advanceTo(50)
  t.equal(clock.now(), 100, 'never backwards')
})

t.test('thousands of cancelled timers are compacted away', async (t) => {
  const clock = new VirtualClock()
  const handles = Array.from({ length: 5000 }, (_, i) => clock.schedule(1000 + i, () => {}))
  for (const h of handles.slice(0, 4999)) clock.cancel(h)
  t.equal(clock.pendingTimers().length, 1)
  let fired = 0
  clock.schedule(1, () => fired++)
  await clock.advance(10_000)
  t.equal(fired, 1)
})

type Tick = { type: 'tick'; n: number }

/** On each tick it awaits real I/O; the journal shows whether ticks interleave. */
class Reader extends Actor<{ type: 'journal' }, never, Tick> {
  journal: string[] = []
  override init(): void {
    this.ctx.sendAfter({ type: 'tick', n: 1 }, 100)
    this.ctx.sendAfter({ type: 'tick', n: 2 }, 101)
    this.ctx.interval({ type: 'tick', n: 0 }, 1000)
  }
  override handleCall(): unknown {
    return this.journal
  }
  override async handleInfo(msg: Tick | SystemInfo): Promise<void> {
    if (msg.type !== 'tick') return
    this.journal.push(`start ${msg.n}@${this.ctx.clock.now()}`)
    await readFile(__filename) // real I/O in the thread pool
    await new Promise((r) => setTimeout(r, 5)) // and a real timer
    this.journal.push(`end ${msg.n}`)
  }
}

t.test('advance lets an actor finish awaiting real I/O before the next timer fires', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const start = clock.now()
  const ref = await system.spawn(Reader)
  await clock.advance(3500)
  t.same(await ref.call({ type: 'journal' }), [
    `start 1@${start + 100}`,
    'end 1',
    `start 2@${start + 101}`,
    'end 2',
    `start 0@${start + 1000}`,
    'end 0',
    `start 0@${start + 2000}`,
    'end 0',
    `start 0@${start + 3000}`,
    'end 0',
  ])
})

t.test('SystemClock schedules, cancels and sleeps in real time', async (t) => {
  const clock = new SystemClock()
  const before = clock.now()
  t.ok(Math.abs(before - Date.now()) < 50)
  let fired = false
  const h = clock.schedule(1, () => (fired = true))
  clock.cancel(h)
  await clock.sleep(5)
  t.equal(fired, false)
  t.ok(clock.now() - before >= 4)
  const never = clock.schedule(Infinity, () => (fired = true))
  clock.cancel(never)
})

t.test('an ActorSystem on the SystemClock runs real timers', async (t) => {
  class Pinger extends Actor<{ type: 'count' }, never, { type: 'p' }> {
    n = 0
    override init(): void {
      this.ctx.interval({ type: 'p' }, 2)
    }
    override handleCall(): number {
      return this.n
    }
    override handleInfo(): void {
      this.n++
    }
  }
  const system = new ActorSystem({ logger: memoryLogger() })
  t.teardown(() => system.shutdown())
  const ref = await system.spawn(Pinger)
  await new Promise((r) => setTimeout(r, 30))
  t.ok((await ref.call<number>({ type: 'count' })) >= 2)
})
