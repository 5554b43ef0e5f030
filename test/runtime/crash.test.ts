import t from 'tap'
import {
  Actor,
  ActorExited,
  createTestSystem,
  noReply,
  type ExitReason,
  type From,
  type SystemInfo,
} from '../../actors/runtime'

type Call = { type: 'hold' } | { type: 'boom' } | { type: 'ping' } | { type: 'stop_me'; reason: ExitReason }
type Cast = { type: 'boom' } | { type: 'async_boom' } | { type: 'block'; ms: number }
type Info = { type: 'tick' }

/** Records terminate calls and ticks in a shared journal so tests can see them after death. */
class Fragile extends Actor<Call, Cast, Info, { journal: string[]; hangInTerminate?: boolean }> {
  journal: string[] = []
  hang = false

  override init(args: { journal: string[]; hangInTerminate?: boolean }): void {
    this.journal = args.journal
    this.hang = args.hangInTerminate ?? false
    this.ctx.interval({ type: 'tick' }, 1000)
    this.ctx.sendAfter({ type: 'tick' }, 1500)
    this.ctx.subscribe('news')
  }

  override handleCall(msg: Call, _from: From): unknown {
    switch (msg.type) {
      case 'hold':
        return noReply
      case 'boom':
        throw new Error('boom in call')
      case 'ping':
        return 'pong'
      case 'stop_me':
        this.ctx.stop(msg.reason)
        return 'bye'
    }
  }

  override async handleCast(msg: Cast): Promise<void> {
    if (msg.type === 'boom') throw new Error('boom in cast')
    if (msg.type === 'async_boom') {
      await Promise.resolve()
      throw new Error('async boom')
    }
    if (msg.type === 'block') await this.ctx.clock.sleep(msg.ms)
  }

  override handleInfo(msg: Info | SystemInfo): void {
    if (msg.type === 'tick') this.journal.push(`tick@${this.ctx.clock.now()}`)
    if (msg.type === 'bus') this.journal.push(`bus:${String(msg.event)}`)
  }

  override async terminate(reason: ExitReason): Promise<void> {
    this.journal.push(`terminate:${reason instanceof Error ? reason.message : String(reason)}`)
    if (this.hang) await new Promise(() => {})
  }
}

class Watcher extends Actor<{ type: 'watch'; ref: import('../../actors/runtime').ActorRef } | { type: 'downs' }> {
  downs: { ref: string; reason: ExitReason }[] = []
  override handleCall(msg: { type: 'watch'; ref: import('../../actors/runtime').ActorRef } | { type: 'downs' }): unknown {
    if (msg.type === 'watch') return this.ctx.monitor(msg.ref)
    return this.downs
  }
  override handleInfo(msg: SystemInfo): void {
    if (msg.type === 'down') this.downs.push({ ref: msg.ref.id, reason: msg.reason })
  }
}

t.test('a crash: pending and queued calls reject with the reason, timers cancelled, terminate runs, monitors fire, subscriptions and name dropped', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const ref = await system.spawn(Fragile, { journal }, { name: 'fragile' })
  const watcher = await system.spawn(Watcher)
  await watcher.call({ type: 'watch', ref })
  const start = clock.now()
  await clock.advance(1000)
  t.same(journal, [`tick@${start + 1000}`], 'timers work while alive')
  system.bus.publish('news', 'one')
  await clock.advance(0)
  t.equal(system.bus.subscriberCount('news'), 1)

  const held = ref.call({ type: 'hold' }).catch((e: unknown) => e) // deferred, never answered
  ref.cast({ type: 'block', ms: 100 }) // keeps the next ones queued
  const crashing = ref.call({ type: 'boom' }).catch((e: unknown) => e)
  const queued = ref.call({ type: 'ping' }).catch((e: unknown) => e)
  t.equal(clock.pendingTimers().length >= 2, true)
  await clock.advance(100)

  for (const [what, p] of [['deferred', held], ['crashing', crashing], ['queued', queued]] as const) {
    const err = await p
    t.type(err, ActorExited, `${what} call rejects with ActorExited`)
    t.equal(((err as ActorExited).reason as Error).message, 'boom in call', `${what} call carries the reason`)
  }
  t.equal(ref.isAlive(), false)
  t.same(journal.slice(1), ['bus:one', 'terminate:boom in call'])
  t.equal(clock.pendingTimers().length, 0, 'interval and sendAfter are cancelled')
  await clock.advance(10_000)
  t.equal(journal.filter((j) => j.startsWith('tick')).length, 1, 'no tick after death')
  t.equal(system.bus.subscriberCount('news'), 0, 'bus subscription dropped')
  t.equal(system.whereis('fragile'), undefined, 'name freed')
  const downs = (await watcher.call({ type: 'downs' })) as { ref: string; reason: ExitReason }[]
  t.equal(downs.length, 1)
  t.equal(downs[0].ref, ref.id)
  t.equal((downs[0].reason as Error).message, 'boom in call', 'monitor gets the reason')
})

t.test('a crash in a cast and in an async handler also crashes the actor', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  for (const type of ['boom', 'async_boom'] as const) {
    const journal: string[] = []
    const ref = await system.spawn(Fragile, { journal })
    const reason = system.exited(ref)
    ref.cast({ type })
    await clock.advance(0)
    t.match(await reason, { message: type === 'boom' ? 'boom in cast' : 'async boom' })
    t.same(journal, [`terminate:${type === 'boom' ? 'boom in cast' : 'async boom'}`])
  }
})

t.test('graceful stop waits for the current handler, runs terminate with the reason, rejects queued calls', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const ref = await system.spawn(Fragile, { journal })
  ref.cast({ type: 'block', ms: 50 })
  const queued = ref.call({ type: 'ping' }).catch((e: unknown) => e)
  const stopped = system.stop(ref, 'shutdown', 1000)
  await clock.advance(50)
  t.equal(await stopped, 'shutdown')
  t.same(journal, ['terminate:shutdown'])
  t.match(await queued, { reason: 'shutdown' })
})

t.test('stop of an actor whose terminate hangs is forced after the timeout: reason killed', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const ref = await system.spawn(Fragile, { journal, hangInTerminate: true })
  const reasons: ExitReason[] = []
  system.monitor(ref, (r) => reasons.push(r))
  const stopped = system.stop(ref, 'shutdown', 2000)
  await clock.advance(1999)
  t.equal(ref.isAlive(), false, 'not alive while terminating')
  t.same(reasons, [], 'still terminating')
  await clock.advance(1)
  t.equal(await stopped, 'killed')
  t.same(reasons, ['killed'])
  t.same(journal, ['terminate:shutdown'])
})

t.test('stop of an actor stuck in a handler is forced after the timeout', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const ref = await system.spawn(Fragile, { journal })
  ref.cast({ type: 'block', ms: 1_000_000 })
  await clock.advance(0) // the handler is now running
  const stopped = system.stop(ref, 'shutdown', 500)
  await clock.advance(500)
  t.equal(await stopped, 'killed')
  t.same(journal, [], 'terminate never ran: the handler never returned')
})

t.test('exit(ref, kill) skips terminate; exit with another reason runs it; normal is ignored', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const j1: string[] = []
  const a = await system.spawn(Fragile, { journal: j1 })
  const ra = system.exited(a)
  system.exit(a, 'kill')
  t.equal(await ra, 'killed')
  t.same(j1, [])

  const j2: string[] = []
  const b = await system.spawn(Fragile, { journal: j2 })
  system.exit(b, 'normal')
  t.equal(await b.call({ type: 'ping' }), 'pong', 'normal exit signal ignored')
  const rb = system.exited(b)
  system.exit(b, 'bad_thing')
  t.equal(await rb, 'bad_thing')
  t.same(j2, ['terminate:bad_thing'])
})

t.test('ctx.stop ends the actor after replying', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const journal: string[] = []
  const ref = await system.spawn(Fragile, { journal })
  const reason = system.exited(ref)
  t.equal(await ref.call({ type: 'stop_me', reason: 'normal' }), 'bye')
  t.equal(await reason, 'normal')
  t.same(journal, ['terminate:normal'])
})

t.test('a crash in terminate is logged and the exit still completes', async (t) => {
  class BadTerminate extends Actor {
    override terminate(): void {
      throw new Error('terminate exploded')
    }
  }
  const { system, log, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const ref = await system.spawn(BadTerminate)
  t.equal(await system.stop(ref, 'normal'), 'normal')
  t.ok(log.entries.some((e) => e.level === 'error' && e.message === 'terminate failed'))
})

t.test('crash-time terminate is bounded by terminateTimeoutMs', async (t) => {
  const { system, clock, shutdown } = createTestSystem({ terminateTimeoutMs: 300 })
  t.teardown(shutdown)
  const journal: string[] = []
  const ref = await system.spawn(Fragile, { journal, hangInTerminate: true })
  const reason = system.exited(ref)
  ref.cast({ type: 'boom' })
  await clock.advance(300)
  t.match(await reason, { message: 'boom in cast' }, 'keeps the crash reason')
})
