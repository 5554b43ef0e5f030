import t from 'tap'
import { Actor, createTestSystem, type ActorRef, type ExitReason, type SystemInfo } from '../../actors/runtime'

type ObsCall =
  | { type: 'monitor'; ref: ActorRef }
  | { type: 'demonitor'; id: number }
  | { type: 'link'; ref: ActorRef }
  | { type: 'unlink'; ref: ActorRef }
  | { type: 'trap' }
  | { type: 'seen' }

/** Observes monitors, links and trapped exits; reports what it saw. */
class Observer extends Actor<ObsCall, { type: 'crash' }> {
  seen: { type: string; ref: string | null; reason: string }[] = []
  override handleCall(msg: ObsCall): unknown {
    switch (msg.type) {
      case 'monitor':
        return this.ctx.monitor(msg.ref)
      case 'demonitor':
        this.ctx.demonitor(msg.id)
        return 'ok'
      case 'link':
        this.ctx.link(msg.ref)
        return 'ok'
      case 'unlink':
        this.ctx.unlink(msg.ref)
        return 'ok'
      case 'trap':
        this.ctx.trapExits()
        return 'ok'
      case 'seen':
        return this.seen
    }
  }
  override handleCast(): void {
    throw new Error('observer crash')
  }
  override handleInfo(msg: SystemInfo): void {
    if (msg.type === 'down' || msg.type === 'exit') {
      const reason = msg.reason instanceof Error ? `Error:${msg.reason.message}` : String(msg.reason)
      this.seen.push({ type: msg.type, ref: msg.ref?.id ?? null, reason })
    }
  }
}

class Worker extends Actor<{ type: 'ping' }, { type: 'crash' }> {
  override handleCall(): string {
    return 'pong'
  }
  override handleCast(): void {
    throw new Error('worker crash')
  }
}

type Seen = { type: string; ref: string | null; reason: string }[]

t.test('monitor down reasons: normal, shutdown, crash, killed, noproc', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const obs = await system.spawn(Observer)
  const workers = await Promise.all([1, 2, 3, 4].map(() => system.spawn(Worker)))
  for (const w of workers) await obs.call({ type: 'monitor', ref: w })
  await system.stop(workers[0], 'normal')
  await system.stop(workers[1], 'shutdown')
  workers[2].cast({ type: 'crash' })
  await clock.advance(0)
  system.exit(workers[3], 'kill')
  await clock.advance(0)
  await obs.call({ type: 'monitor', ref: workers[0] }) // already dead
  await clock.advance(0)
  t.same(await obs.call({ type: 'seen' }), [
    { type: 'down', ref: workers[0].id, reason: 'normal' },
    { type: 'down', ref: workers[1].id, reason: 'shutdown' },
    { type: 'down', ref: workers[2].id, reason: 'Error:worker crash' },
    { type: 'down', ref: workers[3].id, reason: 'killed' },
    { type: 'down', ref: workers[0].id, reason: 'noproc' },
  ])
})

t.test('demonitor stops down delivery; monitors are one-way', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const obs = await system.spawn(Observer)
  const w = await system.spawn(Worker)
  const id = (await obs.call({ type: 'monitor', ref: w })) as number
  await obs.call({ type: 'demonitor', id })
  w.cast({ type: 'crash' })
  await clock.advance(0)
  t.same(await obs.call({ type: 'seen' }), [])
  const w2 = await system.spawn(Worker)
  await obs.call({ type: 'monitor', ref: w2 })
  const obsDead = system.exited(obs)
  obs.cast({ type: 'crash' })
  await obsDead
  t.equal(await w2.call({ type: 'ping' }), 'pong', 'the watched actor is unaffected by its watcher dying')
})

t.test('links: an abnormal exit takes the linked actor down; normal does not; unlink detaches', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const a = await system.spawn(Observer)
  const w = await system.spawn(Worker)
  await a.call({ type: 'link', ref: w })
  const aDead = system.exited(a)
  w.cast({ type: 'crash' })
  await clock.advance(0)
  t.match(await aDead, { message: 'worker crash' }, 'the linked actor exits with the same reason')

  const b = await system.spawn(Observer)
  const w2 = await system.spawn(Worker)
  await b.call({ type: 'link', ref: w2 })
  await system.stop(w2, 'normal')
  t.ok(b.isAlive(), 'normal exits do not propagate')

  const w3 = await system.spawn(Worker)
  await b.call({ type: 'link', ref: w3 })
  await b.call({ type: 'unlink', ref: w3 })
  w3.cast({ type: 'crash' })
  await clock.advance(0)
  t.ok(b.isAlive(), 'unlinked')

  const w4 = await system.spawn(Worker)
  await b.call({ type: 'link', ref: w4 })
  const w4Dead = system.exited(w4)
  system.exit(b, 'kill')
  t.equal(await w4Dead, 'killed', 'links work both ways; kill arrives as killed')
})

t.test('trapping exits turns link signals and system.exit into exit infos', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const a = await system.spawn(Observer)
  await a.call({ type: 'trap' })
  const w = await system.spawn(Worker)
  await a.call({ type: 'link', ref: w })
  w.cast({ type: 'crash' })
  await clock.advance(0)
  system.exit(a, 'please_go')
  await clock.advance(0)
  const dead = await system.spawn(Worker)
  await system.stop(dead)
  await a.call({ type: 'link', ref: dead })
  await clock.advance(0)
  t.same(await a.call({ type: 'seen' }), [
    { type: 'exit', ref: w.id, reason: 'Error:worker crash' },
    { type: 'exit', ref: null, reason: 'please_go' },
    { type: 'exit', ref: dead.id, reason: 'noproc' },
  ])
  t.ok(a.isAlive())
  const r = system.exited(a)
  system.exit(a, 'kill')
  t.equal(await r, 'killed', 'kill is untrappable')
})

t.test('system.monitor calls a function with the reason; cancel stops it', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const w = await system.spawn(Worker)
  const reasons: ExitReason[] = []
  const cancel = system.monitor(w, (r) => reasons.push(`first:${String(r)}`))
  system.monitor(w, (r) => reasons.push(`second:${String(r)}`))
  cancel()
  await system.stop(w, 'shutdown')
  t.same(reasons, ['second:shutdown'])
  system.monitor(w, (r) => reasons.push(`late:${String(r)}`))
  await new Promise((r) => setImmediate(r))
  t.same(reasons, ['second:shutdown', 'late:shutdown'], 'monitoring a dead actor reports its reason')
})
