// Hub kill -9 under load: an `agentcom hub` child process, simulated agents that reconnect after
// every restart, and a steady stream of submissions; the hub is SIGKILLed at random moments and
// restarted on the same data dir. Claims: every acknowledged (201) task exists and completes,
// no completion is accepted twice, and the stopped store verifies clean after every kill.
// Quick: 3 kills, 10 agents. AGENTCOM_SOAK=1: 20 kills, 50 agents.
import t from 'tap'
import { http, tempDataDir } from '../hub/harness'
import { seededRandom, sized } from './fault-kit'
import { adminTokenOf, killHard, startHubProcess, verifyDataDir, type HubProcess } from './hub-process'
import { SimAgent, completionsByTask } from './sim-agent'

const KILLS = sized(3, 20)
const AGENTS = sized(10, 50)
const SEED = Number(process.env.AGENTCOM_FAULT_SEED ?? 12)

// An assignment committed just before a kill but never delivered is reclaimed only by the 60 s
// acceptance timeout after the restart (task-pipeline.md §3.4, real clock in the child): the
// drain can take a minute, beyond the default 120 s file budget on a loaded machine.
t.setTimeout(sized(240_000, 3_600_000))

t.test(`hub kill -9 under load: ${KILLS} kills, ${AGENTS} agents`, async (t) => {
  const random = seededRandom(SEED)
  const dataDir = tempDataDir(t)
  let hub: HubProcess = await startHubProcess(t, dataDir)
  let port: number | null = hub.port
  const admin = adminTokenOf(dataDir)

  const tokens: string[] = []
  for (let i = 0; i < AGENTS; i++) {
    const res = await http(hub.port, 'POST', '/admin/tokens', { token: admin, body: { agent_id: `sim-${i}` } })
    t.equal(res.status, 201)
    tokens.push(res.body.token)
  }
  const agents = tokens.map((token, i) => new SimAgent({ agentId: `sim-${i}`, token, port: () => port, workMs: () => 20 + Math.floor(Math.random() * 150) }))
  for (const a of agents) a.start()
  t.teardown(() => agents.forEach((a) => a.stop()))

  // the steady submission stream: a task counts as acknowledged once the hub answered 201
  const acked = new Set<string>()
  let refused = 0
  let submitting = true
  const submitter = (async () => {
    let n = 0
    while (submitting) {
      const at = port
      if (at !== null) {
        try {
          const res = await http(at, 'POST', '/api/tasks', { token: admin, body: { description: `load ${n++}` } })
          if (res.status === 201) acked.add(res.body.task_id)
          else refused++
        } catch {
          refused++ // the hub died under the request: not acknowledged
        }
      }
      await new Promise((r) => setTimeout(r, 15))
    }
  })()

  let verified = 0
  const restartMs: number[] = []
  for (let kill = 1; kill <= KILLS; kill++) {
    await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 1200)))
    port = null
    await killHard(hub)
    const report = await verifyDataDir(dataDir)
    t.ok(report.ok, `kill ${kill}: the store verifies clean (${report.problems.join('; ') || `${report.tables.length} tables`})`)
    if (report.ok) verified++
    const restartAt = Date.now()
    hub = await startHubProcess(t, dataDir)
    restartMs.push(Date.now() - restartAt)
    port = hub.port
  }

  // let the stream run on the last hub a moment, then drain
  await new Promise((r) => setTimeout(r, 500))
  submitting = false
  await submitter

  const deadline = Date.now() + sized(100_000, 300_000)
  let pending = [...acked]
  const drainStarted = Date.now()
  // cheap polling first: the stats count, then the per-task check below
  while (Date.now() < deadline) {
    const stats = await http(hub.port, 'GET', '/api/tasks/stats', { token: admin })
    const open = Number(stats.body?.by_status?.queued ?? 0) + Number(stats.body?.by_status?.assigned ?? 0)
    if (stats.status === 200 && open === 0) break
    await new Promise((r) => setTimeout(r, 500))
  }
  while (pending.length > 0 && Date.now() < deadline) {
    const stillOpen: string[] = []
    for (const id of pending) {
      const res = await http(hub.port, 'GET', `/api/tasks/${id}`, { token: admin })
      if (res.status !== 200 || res.body.status !== 'completed') stillOpen.push(id)
    }
    pending = stillOpen
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 250))
  }
  const drainMs = Date.now() - drainStarted
  const lost: string[] = []
  const unfinished: string[] = []
  for (const id of pending) {
    const res = await http(hub.port, 'GET', `/api/tasks/${id}`, { token: admin })
    if (res.status === 404) lost.push(id)
    else unfinished.push(`${id}:${res.body.status}`)
  }
  const completions = completionsByTask(agents)
  const doubled = [...completions.entries()].filter(([, n]) => n > 1).map(([id]) => id)
  const acceptedCount = [...acked].filter((id) => completions.has(id)).length

  t.comment(`kills=${KILLS} agents=${AGENTS} acked=${acked.size} refused_during_restarts=${refused} completed=${acceptedCount} lost=${lost.length} doubled=${doubled.length} unfinished=${unfinished.length} verified_clean=${verified}/${KILLS} restart_ms=${restartMs.join(',')} drain_ms=${drainMs}`)
  t.ok(acked.size > 0, 'tasks were acknowledged')
  t.same(lost, [], '0 acknowledged tasks lost')
  t.same(doubled, [], '0 completions accepted twice')
  t.same(unfinished, [], 'every acknowledged task completed after the restarts')
  // completed= can be below acked=: a kill between the commit and the send loses the ack, not the completion
  t.ok(drainMs < 10_000, `the queue drains promptly after the last restart (${drainMs} ms)`, {
    todo: 'an assignment committed but not delivered before a kill waits for the 60 s acceptance timeout after the restart; the FSM could re-send task_assign on identify',
  })
  const stray = agents.flatMap((a) => a.unexpected)
  t.same(stray, [], 'no unexpected error frames')

  agents.forEach((a) => a.stop())
  await killHard(hub)
  t.ok((await verifyDataDir(dataDir)).ok, 'the final store verifies clean')
})
