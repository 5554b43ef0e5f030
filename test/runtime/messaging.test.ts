import t from 'tap'
import {
  Actor,
  ActorExited,
  CallTimeout,
  createTestSystem,
  noReply,
  replyError,
  type From,
} from '../../actors/runtime'

type LogCall = { type: 'log' } | { type: 'slow'; tag: string; ms: number } | { type: 'note'; tag: string }
type LogCast = { type: 'note'; tag: string } | { type: 'slow'; tag: string; ms: number }

/** Records the order in which it handles messages; 'slow' awaits virtual time. */
class Recorder extends Actor<LogCall, LogCast> {
  seen: string[] = []

  override async handleCall(msg: LogCall): Promise<unknown> {
    if (msg.type === 'log') return [...this.seen]
    if (msg.type === 'slow') {
      this.seen.push(`start:${msg.tag}`)
      await this.ctx.clock.sleep(msg.ms)
      this.seen.push(`end:${msg.tag}`)
      return msg.tag
    }
    this.seen.push(msg.tag)
    return msg.tag
  }

  override async handleCast(msg: LogCast): Promise<void> {
    if (msg.type === 'slow') {
      this.seen.push(`start:${msg.tag}`)
      await this.ctx.clock.sleep(msg.ms)
      this.seen.push(`end:${msg.tag}`)
      return
    }
    this.seen.push(msg.tag)
  }
}

t.test('order across calls and casts with async handlers', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const ref = await system.spawn(Recorder)
  ref.cast({ type: 'slow', tag: 'a', ms: 100 })
  const b = ref.call({ type: 'note', tag: 'b' })
  ref.cast({ type: 'note', tag: 'c' })
  const d = ref.call({ type: 'slow', tag: 'd', ms: 10 })
  ref.cast({ type: 'note', tag: 'e' })
  await clock.advance(200)
  t.equal(await b, 'b')
  t.equal(await d, 'd')
  t.same(await ref.call({ type: 'log' }), ['start:a', 'end:a', 'b', 'c', 'start:d', 'end:d', 'e'])
})

t.test('a thousand interleaved casts and calls keep their order', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const ref = await system.spawn(Recorder)
  const expected: string[] = []
  const replies: Promise<unknown>[] = []
  for (let i = 0; i < 1000; i++) {
    expected.push(String(i))
    if (i % 3 === 0) replies.push(ref.call({ type: 'note', tag: String(i) }))
    else ref.cast({ type: 'note', tag: String(i) })
  }
  await Promise.all(replies)
  t.same(await ref.call({ type: 'log' }), expected)
})

type StoreCall = { type: 'put'; key: string; ms: number } | { type: 'get'; key: string } | { type: 'bad' }

/** Applies in memory, replies when the (simulated) durable write completes: OTP noreply + reply. */
class DeferringStore extends Actor<StoreCall> {
  data = new Map<string, number>()
  committed: string[] = []

  override handleCall(msg: StoreCall, from: From): unknown {
    switch (msg.type) {
      case 'put':
        this.data.set(msg.key, msg.ms)
        void this.ctx.clock.sleep(msg.ms).then(() => {
          this.committed.push(msg.key)
          from.reply(`committed ${msg.key}`)
        })
        return noReply
      case 'get':
        return this.data.get(msg.key) ?? null
      case 'bad':
        return replyError(new RangeError('no such thing'))
    }
  }
}

t.test('deferred replies: the actor keeps serving while earlier replies are outstanding', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const ref = await system.spawn(DeferringStore)
  const slow = ref.call({ type: 'put', key: 'slow', ms: 300 })
  const fast = ref.call({ type: 'put', key: 'fast', ms: 100 })
  t.equal(await ref.call({ type: 'get', key: 'slow' }), 300, 'the change is visible before the write commits')
  let slowDone = false
  void slow.then(() => (slowDone = true))
  await clock.advance(100)
  t.equal(await fast, 'committed fast', 'replies in completion order, not request order')
  t.equal(slowDone, false)
  await clock.advance(200)
  t.equal(await slow, 'committed slow')
})

t.test('replyError rejects the caller without crashing the actor', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const ref = await system.spawn(DeferringStore)
  await t.rejects(ref.call({ type: 'bad' }), RangeError)
  t.ok(ref.isAlive())
  t.equal(await ref.call({ type: 'get', key: 'x' }), null)
})

class Silent extends Actor<{ type: 'never' } | { type: 'late' }> {
  pendingFrom: From | undefined
  override handleCall(msg: { type: 'never' } | { type: 'late' }, from: From): unknown {
    if (msg.type === 'late') {
      this.pendingFrom = from
      this.ctx.sendAfter({ type: 'answer' } as never, 10_000)
    }
    return noReply
  }
  override handleInfo(): void {
    this.pendingFrom?.reply('too late')
  }
}

t.test('call timeout rejects with CallTimeout on the virtual clock; the late reply is dropped', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const ref = await system.spawn(Silent)
  const p = ref.call({ type: 'late' }, { timeoutMs: 5000 })
  let settled = false
  p.catch(() => undefined).finally(() => (settled = true))
  await clock.advance(4999)
  t.equal(settled, false, 'not before the timeout')
  await clock.advance(1)
  const err = await p.catch((e: unknown) => e)
  t.type(err, CallTimeout)
  t.match(err, { actor: ref.id, timeoutMs: 5000, messageType: 'late' })
  await clock.advance(10_000) // the actor replies now; nothing must blow up
  t.ok(ref.isAlive())
  const dflt = ref.call({ type: 'never' }).catch((e: unknown) => e)
  await clock.advance(5000)
  t.type(await dflt, CallTimeout, 'default timeout is 5000 ms')
})

t.test('call to a dead actor rejects with ActorExited noproc; cast is dropped', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const ref = await system.spawn(Recorder)
  await system.stop(ref)
  t.equal(ref.isAlive(), false)
  const err = await ref.call({ type: 'log' }).catch((e: unknown) => e)
  t.type(err, ActorExited)
  t.equal((err as ActorExited).reason, 'noproc')
  t.doesNotThrow(() => ref.cast({ type: 'note', tag: 'x' }))
})

class AsyncInit extends Actor<{ type: 'get' }, never, never, { value: number; failAfterMs?: number }> {
  value = 0
  override async init(args: { value: number; failAfterMs?: number }): Promise<void> {
    await this.ctx.clock.sleep(50)
    if (args.failAfterMs !== undefined) {
      this.ctx.sendAfter({ type: 'never' } as never, 1000)
      throw new Error(`init failed with ${args.value}`)
    }
    this.value = args.value
  }
  override handleCall(): number {
    return this.value
  }
  override terminate(): void {
    terminated.push(this.value)
  }
}
const terminated: number[] = []

t.test('init may be async; messages sent meanwhile wait for it', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const spawning = system.spawn(AsyncInit, { value: 7 }, { name: 'slow-init' })
  await clock.advance(0)
  const early = system.whereis<{ type: 'get' }>('slow-init')
  t.ok(early, 'the name is registered while init runs')
  const reply = early!.call({ type: 'get' })
  await clock.advance(50)
  const ref = await spawning
  t.equal(ref.id, early!.id)
  t.equal(await reply, 7)
})

t.test('a crash in init fails spawn with that error, frees the name, skips terminate, cancels timers', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const spawning = system.spawn(AsyncInit, { value: 3, failAfterMs: 0 }, { name: 'doomed' })
  const early = spawning.catch((e: unknown) => e)
  await clock.advance(0)
  const queued = system.whereis<{ type: 'get' }>('doomed')!.call({ type: 'get' }).catch((e: unknown) => e)
  await clock.advance(50)
  const err = await early
  t.type(err, Error)
  t.equal((err as Error).message, 'init failed with 3')
  const queuedErr = await queued
  t.type(queuedErr, ActorExited, 'a call queued during init rejects')
  t.equal(system.whereis('doomed'), undefined)
  t.notOk(terminated.includes(3), 'terminate does not run when init fails')
  t.equal(clock.pendingTimers().length, 0, 'the timer set in init is gone')
})

t.test('the name of a failed init can be taken again', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const failing = system.spawn(AsyncInit, { value: 1, failAfterMs: 0 }, { name: 'n' }).catch((e: unknown) => e)
  await clock.advance(50)
  t.type(await failing, Error)
  const ok = system.spawn(AsyncInit, { value: 2 }, { name: 'n' })
  await clock.advance(50)
  const ref = await ok
  t.equal(await ref.call({ type: 'get' }), 2)
})

t.test('a synchronous throw in init rejects spawn with that error', async (t) => {
  class Boom extends Actor {
    override init(): void {
      throw new TypeError('bad config')
    }
  }
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  await t.rejects(system.spawn(Boom), TypeError)
  t.same(system.actors(), [])
})
