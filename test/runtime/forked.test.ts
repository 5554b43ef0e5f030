import t from 'tap'
import {
  ActorExited,
  ActorSystem,
  ForkedProcessExited,
  memoryLogger,
  PROBE_ACTOR_MODULE,
  ProbeActor,
} from '../../actors/runtime'

const forked = { mode: 'forked' as const, module: PROBE_ACTOR_MODULE }

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

async function waitUntil(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

t.test('a forked actor runs in its own process and keeps message order', async (t) => {
  const system = new ActorSystem({ logger: memoryLogger() })
  t.teardown(() => system.shutdown())
  const ref = await system.spawn(ProbeActor, {}, { ...forked, name: 'probe' })
  const pid = (await ref.call({ type: 'pid' })) as number
  t.not(pid, process.pid)
  for (let i = 0; i < 50; i++) ref.cast({ type: 'bump' })
  t.equal(await ref.call({ type: 'count' }), 50, 'casts before the call are all handled first')
  const echoes = await Promise.all([1, 2, 3].map((n) => ref.call({ type: 'echo', value: { n } })))
  t.same(echoes, [{ n: 1 }, { n: 2 }, { n: 3 }])
  t.match(system.actors().find((a) => a.id === ref.id), { class: 'ProbeActor', mode: 'forked', name: 'probe' })
  t.equal(await system.stop(ref, 'shutdown'), 'shutdown')
  t.ok(await waitUntil(() => processGone(pid)), 'the child process is gone after stop')
})

t.test('a crash inside the forked actor ends its process; the ref exits with the child reason', async (t) => {
  const system = new ActorSystem({ logger: memoryLogger() })
  t.teardown(() => system.shutdown())
  const ref = await system.spawn(ProbeActor, {}, forked)
  const pid = (await ref.call({ type: 'pid' })) as number
  const exited = system.exited(ref)
  const err = await ref.call({ type: 'crash', message: 'kaput' }).catch((e: unknown) => e)
  t.type(err, ActorExited, 'the call that crashed it rejects with ActorExited')
  const reason = await exited
  t.type(reason, ForkedProcessExited)
  t.match(reason, { code: 1, childReason: /kaput/ })
  t.ok(await waitUntil(() => processGone(pid)))
})

t.test('SIGKILL of the child process is an abnormal exit with the signal', async (t) => {
  const system = new ActorSystem({ logger: memoryLogger() })
  t.teardown(() => system.shutdown())
  const ref = await system.spawn(ProbeActor, {}, forked)
  const pid = (await ref.call({ type: 'pid' })) as number
  const exited = system.exited(ref)
  process.kill(pid, 'SIGKILL')
  t.match(await exited, { signal: 'SIGKILL' })
  await t.rejects(ref.call({ type: 'pid' }), ActorExited)
})

t.test('init failing in the child rejects spawn; exit(kill) kills the process', async (t) => {
  const system = new ActorSystem({ logger: memoryLogger() })
  t.teardown(() => system.shutdown())
  await t.rejects(system.spawn(ProbeActor, { failInit: 'no config' }, forked), /no config/)
  await t.rejects(system.spawn(ProbeActor, {}, { mode: 'forked' }), TypeError, 'module is required')
  const ref = await system.spawn(ProbeActor, {}, forked)
  const pid = (await ref.call({ type: 'pid' })) as number
  const exited = system.exited(ref)
  system.exit(ref, 'kill')
  t.equal(await exited, 'killed')
  t.ok(await waitUntil(() => processGone(pid)), 'kill reaches the child process')
})
