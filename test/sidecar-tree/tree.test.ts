// The sidecar's supervision tree on the actor runtime: it starts and stops cleanly, and an
// executor that dies mid-task (system.exit … 'kill': no terminate, like a crash) is restarted
// by its supervisor; the task in flight is re-driven through the recovery handshake and reported
// to the hub exactly once — or, when it keeps taking the executor down, failed back once.
import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { supervisionTree, whichChildren } from '../../supervisors'
import { SIDECAR_ACTOR } from '../../relay/sidecar/actors/sidecar-parts'
import { AGENT, shellTask, startTreeHarness, until } from './harness'

/** A shell command that logs its start, waits for a gate file, then logs its end. */
function gatedCommand(root: string): string {
  const runs = join(root, 'runs.log')
  const gate = join(root, 'gate')
  return `echo start >> '${runs}'; echo $$ >> '${runs}.pids'; while [ ! -f '${gate}' ]; do sleep 0.02; done; echo finish >> '${runs}'; echo done`
}

function runsLog(root: string): string[] {
  const path = join(root, 'runs.log')
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n') : []
}

t.test('the tree starts every actor under its supervisors and stops cleanly', async (t) => {
  const h = await startTreeHarness(t)
  const tree = (await supervisionTree(h.sidecar.supervisor)) as { name: string; strategy: string; children: Array<{ name: string; strategy?: string; children?: Array<{ name: string; status: string }> }> }
  t.match(tree, {
    name: SIDECAR_ACTOR.root,
    strategy: 'rest_for_one',
    children: [
      { name: SIDECAR_ACTOR.localQueue },
      { name: SIDECAR_ACTOR.work, strategy: 'rest_for_one', children: [{ name: SIDECAR_ACTOR.wake }, { name: SIDECAR_ACTOR.executor }] },
      { name: SIDECAR_ACTOR.link, strategy: 'one_for_one', children: [{ name: SIDECAR_ACTOR.connection }, { name: SIDECAR_ACTOR.resourceReporter }] },
    ],
  })
  t.same(
    (await whichChildren(h.sidecar.supervisor)).map((c) => c.status),
    ['running', 'running', 'running'],
  )
  t.same(await h.system.byName(SIDECAR_ACTOR.connection).call({ type: 'status' }), { identified: true, open: true })
  t.same(await h.system.byName(SIDECAR_ACTOR.localQueue).call({ type: 'status' }), { active_task_id: null, recovering_task_id: null, orphans: 0, outbox: 0 })
  t.ok(h.hub.framesOfType('identify').length === 1, 'identified once')
  await h.clock.advance(5_000)
  t.match(await h.hub.waitForType('resource_report'), { agent_id: AGENT }, 'the reporter actor reports 5 s after identify (runtime clock)')

  await h.sidecar.stop()
  t.same(h.system.registered().filter((n) => n.startsWith('sidecar')), [], 'every sidecar actor is gone')
  await until(() => !h.hub.isConnected(AGENT), 'socket closed')
  t.equal(h.hub.sockets.size, 0)
  t.ok(h.log.named('ready').length === 1)
})

t.test('an executor killed mid-task is restarted and the task is resumed and reported exactly once', async (t) => {
  const h = await startTreeHarness(t)
  const executorBefore = h.system.whereis(SIDECAR_ACTOR.executor)
  const generation = h.hub.assign(AGENT, 'task-kill', shellTask(gatedCommand(h.root)))
  await until(() => runsLog(h.root).length === 1, 'the first run started its command')

  h.system.exit(executorBefore!, 'kill')
  await until(() => h.events.some((e) => e.type === 'run_started' && e.resumed), 'the restarted executor resumed the task')
  const executorAfter = h.system.whereis(SIDECAR_ACTOR.executor)
  t.ok(executorAfter && executorAfter.id !== executorBefore!.id, 'a new executor actor')
  await until(() => runsLog(h.root).length === 2, 'the resumed run started its command')
  writeFileSync(join(h.root, 'gate'), '')
  await until(() => h.hub.tasks.get('task-kill')?.accepted_completions === 1, 'completion accepted')
  await until(() => h.sidecar.queue.outbox.length === 0, 'outbox drained')

  const frames = h.hub.received.map((r) => r.frame).filter((f) => f.task_id === 'task-kill')
  t.same(
    frames.filter((f) => f.type !== 'task_progress').map((f) => f.type),
    ['task_accepted', 'task_recovering', 'task_accepted', 'task_complete'],
    'accepted, recovery handshake after the restart, accepted again, one completion',
  )
  const complete = h.hub.framesOfType('task_complete')
  t.equal(complete.length, 1, 'exactly one task_complete')
  t.match(complete[0], { generation, result: { status: 'success', output: /done/ } })
  t.same(runsLog(h.root), ['start', 'start', 'finish'], "the killed executor's command was stopped; only the resumed run finished")
  t.match(await h.system.byName(SIDECAR_ACTOR.executor).call({ type: 'status' }), { active_task_id: null, starts: 2 })
  t.ok(h.log.named('executor_restarted').length === 1)
  const restarts = (await whichChildren(h.system.byName(SIDECAR_ACTOR.work))).find((c) => c.id === SIDECAR_ACTOR.executor)
  t.equal(restarts?.restarts, 1, 'the work supervisor counted one restart')
})

t.test('a task that keeps killing the executor is failed back to the hub once, not looped forever', async (t) => {
  const h = await startTreeHarness(t, { deps: { maxRunsPerTask: 2 } })
  h.hub.assign(AGENT, 'task-poison', shellTask(gatedCommand(h.root)))
  for (let kill = 1; kill <= 2; kill++) {
    await until(() => runsLog(h.root).length === kill, `run ${kill} started`)
    const executor = h.system.whereis(SIDECAR_ACTOR.executor)
    h.system.exit(executor!, 'kill')
    await until(() => h.system.whereis(SIDECAR_ACTOR.executor)?.id !== executor!.id, `executor restarted after kill ${kill}`)
  }
  const failed = await h.hub.waitForType('task_failed')
  t.match(failed, { task_id: 'task-poison', reason: /^executor_crashed: / })
  await until(() => h.sidecar.queue.outbox.length === 0, 'outbox drained')
  t.equal(h.hub.framesOfType('task_failed').length, 1, 'failed exactly once')
  t.equal(h.hub.framesOfType('task_complete').length, 0)
  t.equal(h.hub.tasks.get('task-poison')?.status, 'queued', 'the hub requeued it')
  t.equal(h.sidecar.queue.active, null)
  writeFileSync(join(h.root, 'gate'), '') // nothing is waiting for it any more
  t.same(runsLog(h.root), ['start', 'start'], 'no third run')
})

t.test('a crashed connection is restarted alone: the running task is not disturbed', async (t) => {
  const h = await startTreeHarness(t)
  h.hub.assign(AGENT, 'task-link', shellTask(gatedCommand(h.root)))
  await until(() => runsLog(h.root).length === 1, 'the run started')
  const connection = h.system.whereis(SIDECAR_ACTOR.connection)
  const executor = h.system.whereis(SIDECAR_ACTOR.executor)
  h.system.exit(connection!, new Error('boom'))
  await until(() => h.hub.framesOfType('identify').length === 2, 'identified again on a new socket')
  t.equal(h.system.whereis(SIDECAR_ACTOR.executor)?.id, executor!.id, 'the executor kept running')
  writeFileSync(join(h.root, 'gate'), '')
  await until(() => h.hub.tasks.get('task-link')?.accepted_completions === 1, 'completion accepted')
  t.equal(h.hub.framesOfType('task_complete').length, 1)
  t.same(runsLog(h.root), ['start', 'finish'], 'one run, never restarted')
})

t.test("an executor's child process killed from outside: the task is reported failed exactly once", async (t) => {
  const h = await startTreeHarness(t)
  h.hub.assign(AGENT, 'task-child', shellTask(gatedCommand(h.root)))
  const pids = (): number[] => {
    const path = join(h.root, 'runs.log.pids')
    return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').map(Number) : []
  }
  // the shell executor tries twice (spec §9.4): kill both attempts' processes
  for (let attempt = 1; attempt <= 2; attempt++) {
    await until(() => pids().length === attempt, `attempt ${attempt} running`)
    process.kill(pids()[attempt - 1], 'SIGKILL')
  }
  const failed = await h.hub.waitForType('task_failed')
  t.match(failed, { task_id: 'task-child', reason: /^execution_failed: .*SIGKILL/ })
  await until(() => h.sidecar.queue.outbox.length === 0, 'outbox drained')
  t.equal(h.hub.framesOfType('task_failed').length, 1, 'reported once')
  t.equal(h.hub.framesOfType('task_complete').length, 0)
  t.equal(h.hub.tasks.get('task-child')?.status, 'queued', 'the hub requeued it')
  t.equal(h.sidecar.queue.active, null, 'the slot is free for the next task')
})

t.test('a crashed local queue restarts everything after it; the task is re-handshaken and finished exactly once', async (t) => {
  const h = await startTreeHarness(t)
  const generation = h.hub.assign(AGENT, 'task-queue', shellTask(gatedCommand(h.root)))
  await until(() => runsLog(h.root).length === 1, 'the first run started')
  const queue = h.system.whereis(SIDECAR_ACTOR.localQueue)
  const connection = h.system.whereis(SIDECAR_ACTOR.connection)
  h.system.exit(queue!, 'kill')
  await until(() => h.hub.framesOfType('identify').length === 2, 'the link restarted and identified again')
  t.not(h.system.whereis(SIDECAR_ACTOR.connection)?.id, connection!.id, 'rest_for_one restarted the connection')
  await until(() => h.events.some((e) => e.type === 'run_started' && e.resumed), 'the task resumed from the reloaded queue')
  await until(() => runsLog(h.root).length === 2, 'the resumed run started')
  writeFileSync(join(h.root, 'gate'), '')
  await until(() => h.hub.tasks.get('task-queue')?.accepted_completions === 1, 'completion accepted')
  t.match(h.hub.framesOfType('task_recovering'), [{ task_id: 'task-queue', description: 'run a shell command' }])
  t.equal(h.hub.framesOfType('task_complete').length, 1, 'exactly one completion')
  t.equal(h.hub.framesOfType('task_complete')[0].generation, generation)
  t.same(runsLog(h.root), ['start', 'start', 'finish'])
})
