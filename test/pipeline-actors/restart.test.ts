// Crashes and restarts under the `tasks` supervisor: the queue killed mid-flight is restarted,
// rebuilds from LMDB, the FSMs after it in the rest_for_one order restart, the sidecars are
// asked to reconnect, and no task is lost or done twice. Also: a hub restart on the same data.
import t from 'tap'
import { ACTOR } from '../../actors/names'
import type { TaskStatsView } from '../../actors/task-queue/stats'
import { whichChildren } from '../../supervisors'
import { TASKS_SUPERVISOR } from '../../supervisors/trees/tasks-tree'
import { eventually, startPipeline, tempDataDir, type Pipeline } from './harness'

const AGENTS = ['a1', 'a2', 'a3']
const completedCount = (p: Pipeline) => AGENTS.reduce((n, a) => n + (p.sessions.get(a)?.completed.length ?? 0), 0)

t.test('the queue killed mid-flight: restarted, rebuilt from LMDB, nothing lost, nothing done twice', async (t) => {
  const p = await startPipeline(t)
  const ids: string[] = []
  for (let i = 0; i < 30; i++) ids.push((await p.submit({ description: `job ${i}` })).id)
  for (const a of AGENTS) await p.connect(a, [], { autoWork: true })
  await eventually(() => completedCount(p) >= 5, 'some work done')
  const oldQueue = p.system.whereis(ACTOR.taskQueue)!
  p.system.exit(oldQueue, 'kill') // untrappable, no terminate: like a crash in the middle of anything
  await eventually(() => {
    const q = p.system.whereis(ACTOR.taskQueue)
    return q !== undefined && q !== oldQueue && q.isAlive() && p.system.whereis(ACTOR.agents)?.isAlive()
  }, 'queue and the rest restarted')
  await p.settle()
  const children = await whichChildren(p.system.byName(TASKS_SUPERVISOR) as never)
  t.same(children.map((c) => [c.id, c.status]), [
    ['task-queue', 'running'],
    ['agent-fsms', 'running'],
    ['agents', 'running'],
    ['scheduler', 'running'],
    ['stuck-sweeper', 'running'],
  ])
  for (const a of AGENTS) t.same(p.sessions.get(a)!.closes, [{ code: 1012, reason: 'task tracking restarted; reconnect' }], `${a} asked to reconnect`)
  const completedBefore = new Set(AGENTS.flatMap((a) => p.sessions.get(a)!.completed))
  // the sidecars reconnect; each new FSM resumes what the rebuilt queue still holds for it
  const resumedStates: string[] = []
  for (const a of AGENTS) {
    const held = await p.queue.call<Array<{ task_id: string }>>({ type: 'assigned_to', agent_id: a })
    const state = await p.connect(a, [], { autoWork: true })
    resumedStates.push(`${a}:${state}:${held.length}`)
    // a resumed sidecar answers task_recovering for its in-flight task and finishes it
    for (const h of held) {
      const answer = await p.queue.call<{ type: string; generation: number }>({ type: 'recovering', task_id: h.task_id, agent_id: a })
      if (answer.type === 'task_continue') await p.queue.call({ type: 'complete', task_id: h.task_id, agent_id: a, generation: answer.generation })
    }
  }
  t.comment(`after restart: ${resumedStates.join(' ')}`)
  await eventually(() => ids.every((id) => p.stored(id)?.status === 'completed'), 'all 30 completed', 10_000).catch(() => undefined)
  const stats = await p.queue.call<TaskStatsView>({ type: 'stats' })
  t.same(stats.by_status, { completed: 30 }, 'every task completed; none lost')
  for (const id of ids) t.equal(p.stored(id)?.status, 'completed')
  const completions = AGENTS.flatMap((a) => p.sessions.get(a)!.completed)
  t.equal(new Set(completions).size, completions.length, 'no task was completed twice')
  t.ok(completedBefore.size >= 5)
})

t.test('hub restart on the same data: tasks, assignments and the dead letter survive', async (t) => {
  const dataDir = tempDataDir(t)
  let held: string
  let queuedIds: string[]
  {
    const p = await startPipeline(t, { dataDir, scheduler: false })
    queuedIds = []
    for (let i = 0; i < 5; i++) {
      queuedIds.push((await p.submit({ description: `q${i}` })).id)
      await p.clock.advance(1)
    }
    await p.connect('forge')
    held = queuedIds.shift()!
    await p.offer('forge', held)
    const dead = await p.submit({ max_retries: 0 })
    await p.connect('other')
    await p.offer('other', dead.id)
    await p.queue.call({ type: 'fail', task_id: dead.id, agent_id: 'other', generation: 1, error: 'x' })
    await p.system.shutdown()
    await p.storage.close()
  }
  const p = await startPipeline(t, { dataDir })
  t.match(await p.queue.call({ type: 'stats' }), { by_status: { queued: 4, assigned: 1 }, dead_letter: 1, queued_index_size: 4 })
  t.equal(await p.connect('forge'), 'assigned', 'the agent resumes its task after the hub restart')
  t.match(await p.agentState('forge'), { current_task_id: held })
  await p.connect('fresh')
  await eventually(() => p.assigns('fresh').length === 1, 'queued work is offered again')
  t.equal(p.assigns('fresh')[0]!.task_id, queuedIds[0], 'in the original order')
})
