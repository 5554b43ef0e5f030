import t from 'tap'
import { ActorSystem, memoryLogger, PROBE_ACTOR_MODULE, ProbeActor, type ActorRef, type ProbeCall } from '../../actors/runtime'
import { startSupervisor, whichChildren, workerSpec, type SupervisorEvent } from '../../supervisors'

// Real child processes and IPC, so this uses the real clock; waits are bounded polls, not sleeps.
// Calls get a generous timeout: a forked child on a loaded 2-core machine can take seconds to answer.
const CALL = { timeoutMs: 30_000 }
async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 25))
  }
}

t.test('a forked-mode actor under our supervisor: its process dies, the supervisor restarts it', async (t) => {
  const system = new ActorSystem({ logger: memoryLogger() })
  t.teardown(() => system.shutdown())
  const events: SupervisorEvent[] = []
  system.bus.subscribe('supervisor', (e) => events.push(e as SupervisorEvent))
  const sup = await startSupervisor(system, {
    name: 'executors',
    children: [workerSpec(ProbeActor, {}, { name: 'executor', mode: 'forked', module: PROBE_ACTOR_MODULE })],
  })
  const first = system.whereis<ProbeCall>('executor')!
  const pid1 = await first.call<number>({ type: 'pid' }, CALL)
  t.not(pid1, process.pid, 'runs in a child process')

  process.kill(pid1, 'SIGKILL')
  const second = await waitFor(() => {
    const ref = system.whereis<ProbeCall>('executor')
    return ref && ref.id !== first.id && ref.isAlive() ? ref : undefined
  })
  const pid2 = await second.call<number>({ type: 'pid' }, CALL)
  t.not(pid2, pid1, 'a new child process')
  t.match(events.find((e) => e.event === 'child_exited'), { supervisor: 'executors', child: 'executor', reason: /SIGKILL/ })
  t.match(events.find((e) => e.event === 'restart'), { child: 'executor', restarts: 1 })

  // A crash inside the forked actor ends its process too, and is restarted the same way.
  await second.call({ type: 'crash', message: 'executor blew up' }, CALL).catch(() => undefined)
  const third: ActorRef<ProbeCall> = await waitFor(() => {
    const ref = system.whereis<ProbeCall>('executor')
    return ref && ref.id !== second.id && ref.isAlive() ? ref : undefined
  })
  t.equal(await third.call({ type: 'echo', value: 'again' }, CALL), 'again')
  t.match(await whichChildren(sup), [{ id: 'executor', status: 'running', restarts: 2 }])
})
