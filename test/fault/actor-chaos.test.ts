// Actor chaos on an in-process hub: under load (simulated agents, a submission stream), a random
// registered hub actor gets system.exit(ref, 'kill') every few hundred ms. Claims: /health keeps
// answering, no acknowledged task is lost (all complete), each kill shows as exactly one more
// restart of that child in the supervision tree; and exceeding a supervisor's intensity
// escalates as ARCHITECTURE.md §3 says (the subtree gives up, its parent restarts it; at the
// root, the hub stops with a fatal reason). Quick: 5 s of chaos; AGENTCOM_SOAK=1: 60 s.
import t from 'tap'
import { ACTOR } from '../../actors/names'
import type { ActorSystem } from '../../actors/runtime'
import { DEFAULT_INTENSITY, supervisionTree, type SupervisionTree } from '../../supervisors'
import { HUB_SUPERVISOR } from '../../supervisors/hub-tree'
import { KINDS, createToken, eventually, http, startTestHub, type TestHub } from '../hub/harness'
import { seededRandom, sized } from './fault-kit'
import { SimAgent, completionsByTask } from './sim-agent'

const CHAOS_MS = sized(5_000, 60_000)
const AGENTS = sized(6, 20)
const SEED = Number(process.env.AGENTCOM_FAULT_SEED ?? 7)

async function hubTree(system: ActorSystem): Promise<SupervisionTree> {
  const root = system.whereis(HUB_SUPERVISOR)
  if (!root) throw new Error('no hub supervisor')
  return supervisionTree(root as never, { timeoutMs: 5000 })
}

function findNode(tree: SupervisionTree, name: string): SupervisionTree | undefined {
  if (tree.name === name) return tree
  for (const child of tree.children ?? []) {
    const found = findNode(child, name)
    if (found) return found
  }
  return undefined
}

function parentOf(tree: SupervisionTree, name: string): SupervisionTree | undefined {
  for (const child of tree.children ?? []) {
    if (child.name === name) return tree
    const found = parentOf(child, name)
    if (found) return found
  }
  return undefined
}

/** Kills `name` with an untrappable exit and waits until its supervisor started a new one. */
async function killAndAwaitRestart(hub: TestHub, name: string): Promise<{ before: number; after: number }> {
  const system = hub.running.hub.system
  const before = findNode(await hubTree(system), name)?.restarts ?? -1
  const ref = system.whereis(name)
  if (!ref) throw new Error(`${name} is not running`)
  system.exit(ref, 'kill')
  let after = before
  await eventually(
    async () => {
      const now = system.whereis(name)
      if (!now || now.id === ref.id || !now.isAlive()) return false
      after = findNode(await hubTree(system), name)?.restarts ?? -1
      return after > before
    },
    10_000,
    `${name} restarted`,
  )
  return { before, after }
}

for (const kind of KINDS.slice(0, 1)) {
  t.test(`${kind}: actor chaos under load for ${CHAOS_MS} ms`, async (t) => {
    const hub = await startTestHub(t, kind)
    const system = hub.running.hub.system
    const random = seededRandom(SEED)
    const agents: SimAgent[] = []
    for (let i = 0; i < AGENTS; i++) {
      const token = await createToken(hub, `chaos-${i}`)
      agents.push(new SimAgent({ agentId: `chaos-${i}`, token, port: () => hub.port, workMs: () => 10 + Math.floor(Math.random() * 80) }))
    }
    agents.forEach((a) => a.start())
    t.teardown(() => agents.forEach((a) => a.stop()))

    const acked = new Set<string>()
    let submitting = true
    let refusedSubmissions = 0
    const submitter = (async () => {
      for (let n = 0; submitting; n++) {
        const res = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body: { description: `chaos ${n}` } }).catch(() => null)
        if (res?.status === 201) acked.add(res.body.task_id)
        else refusedSubmissions++
        await new Promise((r) => setTimeout(r, 20))
      }
    })()

    // the static, registered hub actors (agent sessions and FSMs come and go with their sockets)
    // console-server is left out: an untrappable kill skips its terminate, so its socket stays
    // bound (a leaked listening handle), every restart fails with ConsoleSocketInUse and the hub
    // supervisor gives up: the whole hub stops. Reported, not tested here: the leaked handle would
    // keep this test process alive.
    const victims = Object.values(ACTOR).filter((name) => name !== ACTOR.console && system.whereis(name) !== undefined)
    t.ok(victims.length >= 10, `${victims.length} named actors to kill: ${victims.join(', ')}`)
    const kills = new Map<string, number>()
    const mismatches: string[] = []
    let healthFailures = 0
    const started = Date.now()
    while (Date.now() - started < CHAOS_MS) {
      const name = victims[Math.floor(random() * victims.length)]!
      const { before, after } = await killAndAwaitRestart(hub, name)
      kills.set(name, (kills.get(name) ?? 0) + 1)
      if (after !== before + 1) mismatches.push(`${name}: restarts ${before} → ${after}`)
      // move virtual time past the intensity window so single kills never add up to a give-up
      await hub.clock.advance(DEFAULT_INTENSITY.maxSeconds * 1000 + 1)
      const health = await http(hub.port, 'GET', '/health').catch(() => null)
      if (health?.status !== 200) healthFailures++
      await new Promise((r) => setTimeout(r, 100 + Math.floor(random() * 200)))
    }
    submitting = false
    await submitter

    const deadline = Date.now() + 30_000
    let open = [...acked]
    while (open.length > 0 && Date.now() < deadline) {
      const still: string[] = []
      for (const id of open) {
        const res = await http(hub.port, 'GET', `/api/tasks/${id}`, { token: hub.adminToken })
        if (res.body?.status !== 'completed') still.push(id)
      }
      open = still
      if (open.length > 0) {
        await hub.clock.advance(1000) // acceptance / stuck sweeps run on the virtual clock
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    const lost: string[] = []
    for (const id of open) {
      const res = await http(hub.port, 'GET', `/api/tasks/${id}`, { token: hub.adminToken })
      lost.push(`${id}:${res.status === 404 ? 'missing' : res.body.status}`)
    }
    const doubled = [...completionsByTask(agents).entries()].filter(([, n]) => n > 1)
    const totalKills = [...kills.values()].reduce((a, b) => a + b, 0)
    t.comment(`chaos_ms=${CHAOS_MS} kills=${totalKills} actors=${kills.size} acked=${acked.size} refused=${refusedSubmissions} lost=${lost.length} doubled=${doubled.length} health_failures=${healthFailures} restart_mismatches=${mismatches.length}`)
    t.same(mismatches, [], 'every kill is exactly one more restart of that child in the tree')
    t.equal(healthFailures, 0, '/health answered 200 after every kill')
    t.same(lost, [], 'every acknowledged task completed')
    t.same(doubled, [], 'no completion accepted twice')
    t.ok(acked.size > 0 && totalKills > 5, 'there was load and there was chaos')
  })
}

t.test('exceeding a subtree supervisor\'s intensity: it gives up and its parent restarts it', async (t) => {
  const hub = await startTestHub(t, KINDS[0]!)
  const system = hub.running.hub.system
  const victim = ACTOR.repoRegistry
  const tree0 = await hubTree(system)
  const parent = parentOf(tree0, victim)
  t.ok(parent && parent.name && parent.name !== HUB_SUPERVISOR, `${victim} sits in subtree ${parent?.name}`)
  const parentName = parent!.name!
  const parentRestarts0 = findNode(tree0, parentName)!.restarts
  const parentRef0 = system.whereis(parentName)!
  // maxRestarts kills are absorbed within the window (virtual time stands still) …
  for (let i = 0; i < DEFAULT_INTENSITY.maxRestarts; i++) await killAndAwaitRestart(hub, victim)
  t.equal(findNode(await hubTree(system), parentName)!.restarts, parentRestarts0, `${DEFAULT_INTENSITY.maxRestarts} restarts in the window: no escalation`)
  // … one more exceeds it: the subtree stops, and the hub supervisor starts it afresh
  system.exit(system.whereis(victim)!, 'kill')
  await eventually(() => {
    const now = system.whereis(parentName)
    return now !== undefined && now.id !== parentRef0.id && system.whereis(victim) !== undefined
  }, 10_000, `${parentName} restarted by the hub supervisor`)
  const tree1 = await hubTree(system)
  t.equal(findNode(tree1, parentName)!.restarts, parentRestarts0 + 1, `${parentName} restarted once by its parent`)
  t.equal(findNode(tree1, victim)!.restarts, 0, `${victim} starts over in the new subtree`)
  t.equal((await http(hub.port, 'GET', '/health')).status, 200, 'the hub keeps serving')
  t.equal((await http(hub.port, 'GET', '/api/admin/repo-registry', { token: hub.adminToken })).status, 200, 'the restarted subtree serves again')
})

t.test('exceeding the root supervisor\'s intensity stops the hub with a fatal reason', async (t) => {
  const hub = await startTestHub(t, KINDS[0]!)
  const system = hub.running.hub.system
  for (let i = 0; i < DEFAULT_INTENSITY.maxRestarts; i++) await killAndAwaitRestart(hub, ACTOR.auth)
  t.equal((await http(hub.port, 'GET', '/health')).status, 200, 'still up after maxRestarts restarts')
  system.exit(system.whereis(ACTOR.auth)!, 'kill')
  const outcome = await Promise.race([hub.running.stopped, new Promise<null>((r) => setTimeout(() => r(null), 15_000))])
  t.ok(outcome, 'the hub stopped')
  t.equal(outcome?.fatal, true, `fatal stop: ${outcome?.reason}`)
  t.match(outcome?.reason, /reached_max_restart_intensity.*"child":"auth".*"last_reason":"killed"/, 'the reason names the child that broke the limit')
  await t.rejects(http(hub.port, 'GET', '/health'), 'the port is closed')
})
