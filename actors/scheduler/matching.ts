// Capability matching, the scheduling pass and the sweep selections (task-pipeline.md §4,
// smart-pipeline.md §7), as pure functions over an agents snapshot and the priority index.
//
// How the pass avoids scanning a million queued tasks
// ---------------------------------------------------
// The original walks every queued task in priority order and, for each, looks for the first
// remaining idle agent that has the needed capabilities. With 1 M queued tasks and a few idle
// agents that cannot take the head tasks, that walk touches every task on every pass.
//
// Two tasks that need the same capability set for the same repo are interchangeable for that
// walk: if one cannot be placed (no remaining capable agent, or its repo is paused) neither can
// any later one, because agents only ever leave the candidate list during a pass. The priority
// index therefore keeps one ordered tree per *placement group* (capability set, repo). The pass:
//   1. drops the groups of paused repos (one hook call per group, not per task);
//   2. for each remaining group, lists the idle candidates whose capabilities cover it;
//   3. repeatedly takes the group whose head task comes first in (priority, created_at, id)
//      order, gives that task to the group's first unused capable agent, and advances the
//      group; a group with no unused capable agent left is dropped for the rest of the pass.
// This yields exactly the assignments of the original walk (a property test compares the two),
// at a cost of O(G·A) to build the capable lists plus O(G + log n) per assignment, for G groups
// (distinct capability sets × repos, small in practice), A idle agents and n queued tasks —
// independent of how many tasks cannot be placed. The group scan in step 3 is linear in G; a
// heap would only pay off with thousands of distinct capability sets.

import type { FsmState } from '../agent-fsm/transitions'
import { compareQueueOrder, type PlacementGroup, type QueuedEntry } from '../task-queue/priority-index'
import { DEFAULT_TASK_TTL_MS, isOverdue, isStuck, STUCK_THRESHOLD_MS } from '../task-queue/deadlines'
import type { Task } from '../task-queue/task'

/** What the pass needs to know about an agent (from its FSM and the rate limiter). */
export interface AgentSnapshot {
  agent_id: string
  fsm_state: FsmState
  /** capability names (see capabilityNames in agent-fsm/transitions) */
  capabilities: readonly string[]
  /** hardening.md §5.3: a violation in the last 60 s window excludes the agent */
  rate_limited: boolean
}

/** needed ⊆ agent capabilities; exact, case-sensitive strings; an empty list matches anyone. */
export function capabilitiesMatch(needed: readonly string[], agentCapabilities: ReadonlySet<string> | readonly string[]): boolean {
  const have = agentCapabilities instanceof Set ? agentCapabilities : new Set(agentCapabilities as readonly string[])
  return needed.every((c) => have.has(c))
}

/** Idle, non-rate-limited agents in the given (registry) order, each id once. */
export function selectCandidates(agents: Iterable<AgentSnapshot>): AgentSnapshot[] {
  const seen = new Set<string>()
  const out: AgentSnapshot[] = []
  for (const a of agents) {
    if (a.fsm_state !== 'idle' || a.rate_limited || seen.has(a.agent_id)) continue
    seen.add(a.agent_id)
    out.push(a)
  }
  return out
}

/** Where the smart pipeline plugs in (smart-pipeline.md §7). All hooks are optional. */
export interface PassHooks<D> {
  /** [v1.2 §8.3] registered-and-paused repos are held back; unknown repos are schedulable */
  isRepoPaused?: (repo: string) => boolean
  /** [v1.2 §6] routing decision for a task that has at least one capable idle agent */
  route?: (task: QueuedEntry) => D
  /**
   * [v1.2 §7.2] choose among the unused capable agents (non-empty, in candidate order).
   * Default: the first. Returning undefined skips this task for the pass.
   */
  pickAgent?: (capable: readonly AgentSnapshot[], task: QueuedEntry, decision: D | undefined) => AgentSnapshot | undefined
}

export interface PlannedAssignment<D> {
  task_id: string
  agent_id: string
  /** the route hook's answer, undefined without a route hook */
  decision: D | undefined
}

export interface PassPlan<D> {
  assignments: PlannedAssignment<D>[]
  /** `scheduler.attempt` telemetry: idle, non-rate-limited agents */
  idle_agents: number
  /** `scheduler.attempt` telemetry: queued tasks after the paused-repo filter */
  queued_tasks: number
}

/** The part of PriorityIndex the pass reads. */
export interface GroupSource {
  readonly size: number
  groups(): Iterable<PlacementGroup>
}

interface GroupCursor {
  iterator: Iterator<QueuedEntry>
  head: QueuedEntry | undefined
  capable: AgentSnapshot[]
  /** first index in `capable` that may still be unused */
  next: number
}

/**
 * One scheduling pass: which queued task goes to which agent. Pure planning — the caller
 * applies the assignments afterwards (queue `assign` + FSM `task_assigned`, atomically per
 * pair). Each agent appears at most once; unplaceable tasks never block placeable ones.
 */
export function planPass<D = undefined>(
  index: GroupSource,
  agents: Iterable<AgentSnapshot>,
  hooks: PassHooks<D> = {},
): PassPlan<D> {
  const candidates = selectCandidates(agents)
  if (candidates.length === 0) return { assignments: [], idle_agents: 0, queued_tasks: index.size }

  const capabilitySets = new Map(candidates.map((a) => [a.agent_id, new Set(a.capabilities)]))
  const used = new Set<string>()
  const cursors: GroupCursor[] = []
  let queued_tasks = 0
  for (const group of index.groups()) {
    if (group.repo !== null && hooks.isRepoPaused?.(group.repo)) continue
    queued_tasks += group.size
    const capable = candidates.filter((a) => capabilitiesMatch(group.capabilities, capabilitySets.get(a.agent_id)!))
    if (capable.length === 0) continue
    const iterator = group.entries()
    const first = iterator.next()
    if (!first.done) cursors.push({ iterator, head: first.value, capable, next: 0 })
  }

  const assignments: PlannedAssignment<D>[] = []
  while (cursors.length > 0 && used.size < candidates.length) {
    const at = earliestHead(cursors)
    const cursor = cursors[at]!
    const task = cursor.head!
    const agent = chooseAgent(cursor, task, used, hooks)
    if (agent === null) {
      cursors.splice(at, 1) // nobody left for this group in this pass
      continue
    }
    if (agent !== undefined) {
      used.add(agent.agent_id)
      assignments.push({ task_id: task.id, agent_id: agent.agent_id, decision: agent.decision })
    }
    const step = cursor.iterator.next()
    if (step.done) cursors.splice(at, 1)
    else cursor.head = step.value
  }
  return { assignments, idle_agents: candidates.length, queued_tasks }
}

function earliestHead(cursors: readonly GroupCursor[]): number {
  let best = 0
  for (let i = 1; i < cursors.length; i++) {
    if (compareQueueOrder(cursors[i]!.head!, cursors[best]!.head!) < 0) best = i
  }
  return best
}

/**
 * null: no unused capable agent remains (drop the group); undefined: the pickAgent hook
 * declined this task (skip it); otherwise the chosen agent and the routing decision.
 */
function chooseAgent<D>(
  cursor: GroupCursor,
  task: QueuedEntry,
  used: ReadonlySet<string>,
  hooks: PassHooks<D>,
): (AgentSnapshot & { decision: D | undefined }) | null | undefined {
  while (cursor.next < cursor.capable.length && used.has(cursor.capable[cursor.next]!.agent_id)) cursor.next++
  if (cursor.next >= cursor.capable.length) return null
  const decision = hooks.route?.(task)
  let agent: AgentSnapshot | undefined = cursor.capable[cursor.next]
  if (hooks.pickAgent) {
    const remaining = cursor.capable.slice(cursor.next).filter((a) => !used.has(a.agent_id))
    agent = hooks.pickAgent(remaining, task, decision)
    if (agent !== undefined && (used.has(agent.agent_id) || !remaining.includes(agent))) {
      throw new Error(`pickAgent returned ${agent.agent_id}, which is not an unused capable agent for ${task.id}`)
    }
  }
  return agent === undefined ? undefined : { ...agent, decision }
}

// ---------------------------------------------------------------------------------------------
// Sweep selections
// ---------------------------------------------------------------------------------------------

/** §4.3: assigned tasks without an accept/progress touch for more than 5 minutes. */
export function selectStuck(tasks: Iterable<Task>, now: number, thresholdMs: number = STUCK_THRESHOLD_MS): Task[] {
  const out: Task[] = []
  for (const t of tasks) if (isStuck(t, now, thresholdMs)) out.push(t)
  return out
}

/** §2.7: assigned tasks whose `complete_by` has passed. */
export function selectOverdue(tasks: Iterable<Task>, now: number): Task[] {
  const out: Task[] = []
  for (const t of tasks) if (isOverdue(t, now)) out.push(t)
  return out
}

export interface TtlOptions {
  /** config `task_ttl_ms` */
  ttlMs?: number
  isRepoPaused?: (repo: string) => boolean
}

export interface TtlSelection {
  /** dead-letter with `ttl_expired` (transitions.expire) */
  expire: string[]
  /** past the TTL but held because their repo is paused (transitions.holdForPausedRepo) */
  hold: string[]
}

/**
 * [v1.2 §7.5] queued non-trivial tasks whose TTL clock ran out. Feed it
 * `index.startedBefore(now - ttlMs)` (already limited to the expired ones) or any list of
 * entries. Deviation: tasks of a paused repo are held, not expired.
 */
export function selectTtlExpired(
  entries: Iterable<Pick<QueuedEntry, 'id' | 'ttl_started_at' | 'repo' | 'trivial'>>,
  now: number,
  options: TtlOptions = {},
): TtlSelection {
  const ttlMs = options.ttlMs ?? DEFAULT_TASK_TTL_MS
  const selection: TtlSelection = { expire: [], hold: [] }
  for (const e of entries) {
    if (e.trivial || now - e.ttl_started_at <= ttlMs) continue
    if (e.repo !== null && options.isRepoPaused?.(e.repo)) selection.hold.push(e.id)
    else selection.expire.push(e.id)
  }
  return selection
}
