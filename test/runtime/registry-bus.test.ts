import t from 'tap'
import { Actor, ActorExited, createTestSystem, NameTaken, SystemStopped, type SystemInfo } from '../../actors/runtime'

class Named extends Actor<{ type: 'who' } | { type: 'events' }, { type: 'crash' } | { type: 'sub'; topic: string } | { type: 'unsub'; topic: string }> {
  events: string[] = []
  secret = new Map([['k', new Set([1, 2])]])
  override handleCall(msg: { type: 'who' } | { type: 'events' }): unknown {
    return msg.type === 'who' ? this.ctx.self.id : this.events
  }
  override handleCast(msg: { type: 'crash' } | { type: 'sub'; topic: string } | { type: 'unsub'; topic: string }): void {
    if (msg.type === 'crash') throw new Error('crash')
    if (msg.type === 'sub') this.ctx.subscribe(msg.topic)
    if (msg.type === 'unsub') this.ctx.unsubscribe(msg.topic)
  }
  override handleInfo(msg: SystemInfo): void {
    if (msg.type === 'bus') this.events.push(`${msg.topic}:${JSON.stringify(msg.event)}`)
  }
}

t.test('names are unique and freed when the actor dies', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const a = await system.spawn(Named, undefined, { name: 'task_queue' })
  t.equal(system.whereis('task_queue')?.id, a.id)
  t.equal(a.name, 'task_queue')
  await t.rejects(system.spawn(Named, undefined, { name: 'task_queue' }), NameTaken)
  t.same(system.registered(), ['task_queue'])
  a.cast({ type: 'crash' })
  await clock.advance(0)
  t.equal(system.whereis('task_queue'), undefined)
  const b = await system.spawn(Named, undefined, { name: 'task_queue' })
  t.not(b.id, a.id, 'a new pid for the new actor')
})

t.test('register / unregister / lookup / byName', async (t) => {
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const a = await system.spawn(Named)
  system.register('x', a)
  t.equal(system.lookup('x')?.id, a.id)
  t.equal(system.lookup(a.id)?.id, a.id)
  t.throws(() => system.register('y', a), NameTaken, 'one name per actor')
  const b = await system.spawn(Named)
  t.throws(() => system.register('x', b), NameTaken)
  t.throws(() => system.register('', b), TypeError)
  system.unregister('x')
  t.equal(system.whereis('x'), undefined)
  system.register('x', b)

  const named = system.byName<{ type: 'who' }>('svc')
  await t.rejects(named.call({ type: 'who' }), ActorExited, 'no one registered yet')
  t.equal(named.isAlive(), false)
  const first = await system.spawn(Named, undefined, { name: 'svc' })
  t.equal(await named.call({ type: 'who' }), first.id)
  first.cast({ type: 'crash' })
  await clock.advance(0)
  const second = await system.spawn(Named, undefined, { name: 'svc' })
  t.equal(await named.call({ type: 'who' }), second.id, 'byName follows the name to the new actor')
  const dead = await system.spawn(Named)
  await system.stop(dead)
  t.throws(() => system.register('late', dead), ActorExited)
})

t.test('actors() lists live actors with class, status and mailbox size', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const a = await system.spawn(Named, undefined, { name: 'listed' })
  a.cast({ type: 'sub', topic: 't' })
  a.cast({ type: 'sub', topic: 'u' })
  const info = system.actors().find((i) => i.id === a.id)
  t.match(info, { name: 'listed', class: 'Named', mode: 'in-memory', status: 'running', mailbox: 2 })
  await a.call({ type: 'who' })
  t.equal(system.actors().find((i) => i.id === a.id)?.mailbox, 0)
  t.same(await system.inspect(a), { events: [], secret: { k: [1, 2] } }, 'snapshot: own fields as JSON, no ctx')
})

t.test('bus: topics, in-order delivery as infos, function subscribers, wildcard, unsubscribe, auto-unsubscribe on death', async (t) => {
  const { system, clock, log, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const a = await system.spawn(Named)
  const b = await system.spawn(Named)
  a.cast({ type: 'sub', topic: 'tasks' })
  b.cast({ type: 'sub', topic: 'tasks' })
  b.cast({ type: 'sub', topic: 'agents' })
  await clock.advance(0)
  const heard: string[] = []
  const off = system.bus.subscribe('tasks', (event, topic) => heard.push(`${topic}:${JSON.stringify(event)}`))
  const all: string[] = []
  system.bus.subscribe('*', (_e, topic) => all.push(topic))
  system.bus.subscribe('tasks', () => {
    throw new Error('bad listener')
  })
  for (let i = 0; i < 5; i++) t.equal(system.bus.publish('tasks', { n: i }), 4, 'reached: 2 actors, 2 listeners (not the throwing one)')
  system.bus.publish('agents', 'joined')
  system.bus.publish('nobody', 1)
  off()
  system.bus.publish('tasks', { n: 5 })
  await clock.advance(0)
  const tasks = [0, 1, 2, 3, 4, 5].map((n) => `tasks:{"n":${n}}`)
  t.same(await a.call({ type: 'events' }), tasks)
  t.same(await b.call({ type: 'events' }), [...tasks.slice(0, 5), 'agents:"joined"', tasks[5]])
  t.same(heard, tasks.slice(0, 5))
  t.same(all, ['tasks', 'tasks', 'tasks', 'tasks', 'tasks', 'agents', 'nobody', 'tasks'])
  t.ok(log.entries.some((e) => e.message === 'bus listener failed'), 'a throwing listener is logged, not thrown')

  b.cast({ type: 'unsub', topic: 'agents' })
  await clock.advance(0)
  t.equal(system.bus.subscriberCount('agents'), 0)
  a.cast({ type: 'crash' })
  await clock.advance(0)
  t.equal(system.bus.subscriberCount('tasks'), 2, 'b and the throwing listener remain')
  t.throws(() => system.bus.publish('', 1), TypeError)
})

t.test('after shutdown no spawn is accepted', async (t) => {
  const { system } = createTestSystem()
  const a = await system.spawn(Named)
  await system.shutdown()
  t.equal(a.isAlive(), false)
  await t.rejects(system.spawn(Named), SystemStopped)
  await system.shutdown()
})
