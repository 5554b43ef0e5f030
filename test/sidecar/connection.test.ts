import t from 'tap'
import { createServer } from 'node:net'
import { VirtualClock } from '../../relay/sidecar/clock'
import { HubConnection, identifyFrame, reconnectDelay, type HubConnectionListeners } from '../../relay/sidecar/connection'
import { MemoryLog } from '../../relay/sidecar/event-log'
import { HostMetricsSampler, ResourceReporter, type HostProbes } from '../../relay/sidecar/resources'
import { FakeHub } from './fake-hub'

const config = { agent_id: 'gcu-test', token: 'tok', capabilities: ['code', 'shell'], ollama_url: 'http://127.0.0.1:11434' }

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

function next<K extends keyof HubConnectionListeners>(conn: HubConnection, event: K): Promise<Parameters<HubConnectionListeners[K]>[0]> {
  return new Promise((resolve) => {
    let done = false
    conn.on(event, ((arg: never) => {
      if (done) return
      done = true
      resolve(arg)
    }) as HubConnectionListeners[K])
  })
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

t.test('reconnectDelay: 1 s doubling to 60 s, jitter only shortens', async (t) => {
  t.same([0, 1, 2, 3, 4, 5, 6, 7, 20].map((a) => reconnectDelay(a, () => 0)), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000])
  t.same([0, 6].map((a) => reconnectDelay(a, () => 1)), [800, 48000])
  t.equal(reconnectDelay(3, () => 0.5, { jitter: 0 }), 8000)
})

t.test('identify carries protocol_version, client_type, capabilities and ollama_url', async (t) => {
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())
  const clock = new VirtualClock()
  const conn = new HubConnection({ url: hub.url, identify: identifyFrame(config), clock, log: new MemoryLog() })
  t.teardown(() => conn.stop())
  const identified = next(conn, 'identified')
  conn.start()
  await identified
  t.ok(conn.isIdentified())
  t.same(hub.framesOfType('identify')[0], {
    type: 'identify',
    agent_id: 'gcu-test',
    token: 'tok',
    name: 'gcu-test',
    status: 'idle',
    capabilities: ['code', 'shell'],
    client_type: 'sidecar',
    protocol_version: 1,
    ollama_url: 'http://127.0.0.1:11434',
  })
  t.notOk('ollama_url' in identifyFrame({ ...config, ollama_url: null }))
  conn.send({ type: 'task_accepted', task_id: 'x' })
  t.same(await hub.waitForType('task_accepted'), { type: 'task_accepted', task_id: 'x', protocol_version: 1 }, 'every frame carries protocol_version')
})

t.test('reconnect backoff: 1, 2, 4 … 60, 60 s on the virtual clock; reset once identified', async (t) => {
  const port = await freePort()
  const clock = new VirtualClock()
  const conn = new HubConnection({
    url: `ws://127.0.0.1:${port}/ws`,
    identify: identifyFrame(config),
    clock,
    log: new MemoryLog(),
    random: () => 0,
  })
  t.teardown(() => conn.stop())
  const delays: number[] = []
  let scheduled = next(conn, 'reconnectScheduled')
  conn.start()
  for (let i = 0; i < 8; i++) {
    const { delayMs } = await scheduled
    delays.push(delayMs)
    t.same(clock.pendingDelays(), [delayMs], 'nothing reconnects before the timer fires')
    scheduled = next(conn, 'reconnectScheduled')
    await clock.fireNext()
  }
  t.same(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000])

  // the hub comes up on that port: the next attempt identifies and the backoff resets
  await scheduled
  const hub = await FakeHub.start({}, port)
  t.teardown(() => hub.close())
  const identified = next(conn, 'identified')
  await clock.fireNext()
  await identified
  const afterDrop = next(conn, 'reconnectScheduled')
  hub.dropConnections()
  t.equal((await afterDrop).delayMs, 1000)
})

t.test('a rejected token closes the socket and backs off without resetting', async (t) => {
  const hub = await FakeHub.start({ tokens: { good: 'gcu-test' } })
  t.teardown(() => hub.close())
  const clock = new VirtualClock()
  const log = new MemoryLog()
  const conn = new HubConnection({ url: hub.url, identify: identifyFrame(config), clock, log, random: () => 0 })
  t.teardown(() => conn.stop())
  let scheduled = next(conn, 'reconnectScheduled')
  conn.start()
  t.equal((await scheduled).delayMs, 1000)
  scheduled = next(conn, 'reconnectScheduled')
  await clock.fireNext()
  t.equal((await scheduled).delayMs, 2000)
  t.equal(log.named('identify_rejected')[0].fields.error, 'invalid_token')
  t.notOk(conn.isIdentified())
})

t.test('heartbeat: ping every 30 s; no pong within 10 s terminates and reconnects', async (t) => {
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())
  const clock = new VirtualClock()
  const log = new MemoryLog()
  const conn = new HubConnection({ url: hub.url, identify: identifyFrame(config), clock, log, random: () => 0 })
  t.teardown(() => conn.stop())
  const identified = next(conn, 'identified')
  conn.start()
  await identified

  await clock.advance(29_999)
  t.equal(hub.framesOfType('ping').length, 0)
  await clock.advance(1)
  await hub.waitForType('ping')
  await until(() => conn.lastPongAt() !== null)
  await clock.advance(10_000)
  t.ok(conn.isOpen(), 'answered ping keeps the socket')

  hub.answerPings = false
  const disconnected = next(conn, 'disconnected')
  await clock.advance(20_000)
  await until(() => hub.framesOfType('ping').length === 2)
  await clock.advance(9_999)
  t.ok(conn.isOpen(), 'still open just before the pong deadline')
  await clock.advance(1)
  const info = await disconnected
  t.equal(info.wasIdentified, true)
  t.equal(log.named('heartbeat_timeout').length, 1)
})

t.test('resource report 5 s after identified, then every 30 s', async (t) => {
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())
  const clock = new VirtualClock()
  const log = new MemoryLog()
  const conn = new HubConnection({ url: hub.url, identify: identifyFrame(config), clock, log })
  t.teardown(() => conn.stop())
  let cpu = { idle: 0, total: 0 }
  const probes: HostProbes = {
    cpuTimes: () => cpu,
    loadAverage1m: () => 0,
    cpuCount: () => 4,
    totalMemory: () => 16_000,
    freeMemory: () => 6_000,
    gpuMemory: async () => ({ used_bytes: 100, total_bytes: 1000 }),
    ollamaVramUsed: async () => 50,
  }
  const reporter = new ResourceReporter({
    agentId: 'gcu-test',
    sampler: new HostMetricsSampler(probes, 'http://127.0.0.1:11434'),
    send: (f) => conn.send(f),
    isIdentified: () => conn.isIdentified(),
    clock,
    log,
  })
  t.teardown(() => reporter.stop())
  conn.on('identified', () => reporter.onIdentified())
  const identified = next(conn, 'identified')
  conn.start()
  await identified
  cpu = { idle: 750, total: 1000 }
  await clock.advance(4_999)
  t.equal(hub.framesOfType('resource_report').length, 0)
  await clock.advance(1)
  const first = await hub.waitForType('resource_report')
  t.same(first, {
    type: 'resource_report',
    agent_id: 'gcu-test',
    cpu_percent: 25,
    ram_total_bytes: 16_000,
    ram_used_bytes: 10_000,
    vram_used_bytes: 100,
    vram_total_bytes: 1000,
    timestamp: clock.now(),
    protocol_version: 1,
  })
  await clock.advance(30_000)
  await until(() => hub.framesOfType('resource_report').length === 2)
  t.pass('second report after 30 s')
})
