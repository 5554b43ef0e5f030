// The per-agent FSM (task-pipeline.md §3) as a pure step function: (state, event, now) → new
// state + effects for the actor shell to perform (timers, reclaims, presence/telemetry, stop).
//
// Defects of the original fixed here:
// - every end of the agent's hold that the hub decides (stuck/overdue reclaim, a reclaim by
//   anyone, the agent's own rejected complete/fail report) brings the FSM back to `idle` and
//   announces `agent_idle`; the original stayed `working` until the agent reconnected;
// - a `task_complete` accepted while still `assigned` (no prior `task_accepted`) goes to idle;
// - a `task_continue` answer counts as acceptance (the sidecar never re-sends task_accepted
//   after it, so the original reclaimed work in progress 60 s after every reconnect);
// - `task_rejected` (sidecar busy with work the hub does not track) moves the agent to
//   `blocked` instead of back to `idle`, so the scheduler does not offer it task after task;
//   its next report or a BLOCKED_TIMEOUT_MS timer returns it to `idle`. This uses
//   `assigned → blocked`, an edge the original table does not have.

import type { ReleaseReason } from '../task-queue/transitions'
import { ACCEPTANCE_TIMEOUT_MS, BLOCKED_TIMEOUT_MS } from '../task-queue/deadlines'

export type FsmState = 'idle' | 'assigned' | 'working' | 'blocked' | 'offline'

/** Normalised capability: `{name}` for a plain string; other objects kept as sent. */
export type Capability = Record<string, unknown>

export interface AgentFsm {
  agent_id: string
  name: string
  capabilities: Capability[]
  connected_at: number
  last_state_change: number
  current_task_id: string | null
  fsm_state: FsmState
  /** only "unresponsive" exists; never cleared during the FSM's lifetime */
  flags: string[]
}

export const ALLOWED_TRANSITIONS: Readonly<Record<FsmState, readonly FsmState[]>> = {
  idle: ['assigned', 'offline'],
  assigned: ['working', 'idle', 'blocked', 'offline'],
  working: ['idle', 'blocked', 'offline'],
  blocked: ['working', 'idle', 'offline'],
  offline: [],
}

export function canTransition(from: FsmState, to: FsmState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to)
}

export type FsmEvent =
  /** the scheduler is assigning this task (atomically with the queue's assign) */
  | { type: 'task_assigned'; task_id: string }
  /** `task_accepted` frame */
  | { type: 'task_accepted'; task_id: string }
  /** the hub answered the agent's `task_recovering` with `task_continue` */
  | { type: 'task_continued'; task_id: string }
  /** the agent's `task_complete` / `task_failed` was accepted by the queue */
  | { type: 'report_accepted'; task_id: string }
  /** the agent's `task_complete` / `task_failed` was refused (stale, not found, not assignee…) */
  | { type: 'report_rejected'; task_id: string }
  /** the queue ended this agent's hold (`effects.released` of a transition) */
  | { type: 'task_released'; task_id: string; reason: ReleaseReason }
  | { type: 'acceptance_timeout'; task_id: string }
  | { type: 'blocked_timeout' }
  | { type: 'socket_ended' }

export type FsmEffect =
  | { type: 'start_acceptance_timer'; task_id: string; ms: number }
  | { type: 'cancel_acceptance_timer' }
  | { type: 'start_blocked_timer'; ms: number }
  | { type: 'cancel_blocked_timer' }
  /** ask the queue to reclaim (assignee-checked with this agent's id) */
  | { type: 'reclaim_task'; task_id: string; reason: 'acceptance_timeout' | 'agent_disconnect' }
  /** `{agent_idle, {agent_id}}` on topic `presence`: triggers a scheduling pass */
  | { type: 'publish_agent_idle' }
  /** the FSM is finished (offline is terminal) */
  | { type: 'stop' }

export interface FsmTransition {
  from: FsmState
  to: FsmState
  /** time spent in `from` (the `fsm.transition` telemetry measurement) */
  in_previous_state_ms: number
}

export interface FsmResult {
  state: AgentFsm
  effects: FsmEffect[]
  /** null when the event changed nothing; mirror `to` into presence and emit telemetry */
  transition: FsmTransition | null
  /** why the event was ignored (logged as an invalid event), null when it applied */
  ignored: string | null
}

// ---------------------------------------------------------------------------------------------

/** Strings become `{name}`, objects are kept, anything else is dropped (§3.1). */
export function normalizeCapabilities(raw: unknown): Capability[] {
  if (!Array.isArray(raw)) return []
  const out: Capability[] = []
  for (const c of raw) {
    if (typeof c === 'string') out.push({ name: c })
    else if (typeof c === 'object' && c !== null && !Array.isArray(c)) out.push(c as Capability)
  }
  return out
}

/** The names matched against `needed_capabilities` (objects without a string name match nothing). */
export function capabilityNames(caps: readonly Capability[]): string[] {
  return caps.flatMap((c) => (typeof c.name === 'string' ? [c.name] : []))
}

export interface InitialFsmInput {
  agent_id: string
  name?: string
  capabilities?: unknown
  now: number
  /** ids of tasks the queue still has `assigned` to this agent (§3.4), in queue order */
  assignedTaskIds: readonly string[]
}

/**
 * Start-up/reconnection state: `assigned` with a fresh acceptance timer when the queue still
 * holds a task for this agent, else `idle`. Should there be more than one (only possible with
 * data written by the original's double-assign race), the extra ones are reclaimed.
 */
export function initialAgentState(input: InitialFsmInput): { state: AgentFsm; effects: FsmEffect[] } {
  const [current, ...extra] = input.assignedTaskIds
  const state: AgentFsm = {
    agent_id: input.agent_id,
    name: input.name ?? input.agent_id,
    capabilities: normalizeCapabilities(input.capabilities),
    connected_at: input.now,
    last_state_change: input.now,
    current_task_id: current ?? null,
    fsm_state: current === undefined ? 'idle' : 'assigned',
    flags: [],
  }
  const effects: FsmEffect[] = extra.map((task_id) => ({ type: 'reclaim_task', task_id, reason: 'agent_disconnect' }))
  if (current !== undefined) effects.push({ type: 'start_acceptance_timer', task_id: current, ms: ACCEPTANCE_TIMEOUT_MS })
  return { state, effects }
}

const ignore = (state: AgentFsm, why: string): FsmResult => ({ state, effects: [], transition: null, ignored: why })

function move(state: AgentFsm, to: FsmState, now: number, patch: Partial<AgentFsm>, effects: FsmEffect[]): FsmResult {
  if (!canTransition(state.fsm_state, to)) return ignore(state, `${state.fsm_state} → ${to} is not allowed`)
  return {
    state: { ...state, ...patch, fsm_state: to, last_state_change: now },
    effects,
    transition: { from: state.fsm_state, to, in_previous_state_ms: now - state.last_state_change },
    ignored: null,
  }
}

const timerCancels = (from: FsmState): FsmEffect[] =>
  from === 'assigned'
    ? [{ type: 'cancel_acceptance_timer' }]
    : from === 'blocked'
      ? [{ type: 'cancel_blocked_timer' }]
      : []

function toIdle(state: AgentFsm, now: number, publish = true): FsmResult {
  const effects = timerCancels(state.fsm_state)
  if (publish) effects.push({ type: 'publish_agent_idle' })
  return move(state, 'idle', now, { current_task_id: null }, effects)
}

const holds = (state: AgentFsm, taskId: string): boolean => state.current_task_id === taskId

/** One step of the FSM. Events that do not apply are ignored with a reason, never thrown. */
export function applyAgentEvent(state: AgentFsm, event: FsmEvent, now: number): FsmResult {
  if (state.fsm_state === 'offline') return ignore(state, 'offline is terminal')
  const s = state.fsm_state
  switch (event.type) {
    case 'task_assigned':
      if (s !== 'idle') return ignore(state, `cannot take ${event.task_id} while ${s}`)
      return move(state, 'assigned', now, { current_task_id: event.task_id }, [
        { type: 'start_acceptance_timer', task_id: event.task_id, ms: ACCEPTANCE_TIMEOUT_MS },
      ])

    case 'task_accepted':
    case 'task_continued':
      if (s !== 'assigned' || !holds(state, event.task_id)) return ignore(state, `${event.type} ${event.task_id} while ${s}`)
      return move(state, 'working', now, {}, [{ type: 'cancel_acceptance_timer' }])

    case 'report_accepted':
      // blocked: the untracked work the agent was busy with is finished, so it is free
      if (s === 'blocked' || ((s === 'assigned' || s === 'working') && holds(state, event.task_id))) return toIdle(state, now)
      return ignore(state, `report for ${event.task_id} while ${s}`)

    case 'report_rejected':
      // while `assigned` a new assignment is in flight; its acceptance timer covers it
      if (s === 'blocked' || (s === 'working' && holds(state, event.task_id))) return toIdle(state, now)
      return ignore(state, `rejected report for ${event.task_id} while ${s}`)

    case 'task_released':
      if ((s !== 'assigned' && s !== 'working') || !holds(state, event.task_id)) {
        return ignore(state, `release of ${event.task_id} while ${s}`)
      }
      if (event.reason === 'rejected') {
        return move(state, 'blocked', now, { current_task_id: null }, [
          ...timerCancels(s),
          { type: 'start_blocked_timer', ms: BLOCKED_TIMEOUT_MS },
        ])
      }
      return toIdle(state, now)

    case 'acceptance_timeout':
      if (s !== 'assigned' || !holds(state, event.task_id)) return ignore(state, `stale acceptance timeout for ${event.task_id}`)
      // no agent_idle: the reclaim's task_reclaimed event starts the next pass (as the original)
      return move(
        state,
        'idle',
        now,
        { current_task_id: null, flags: state.flags.includes('unresponsive') ? state.flags : [...state.flags, 'unresponsive'] },
        [{ type: 'reclaim_task', task_id: event.task_id, reason: 'acceptance_timeout' }],
      )

    case 'blocked_timeout':
      if (s !== 'blocked') return ignore(state, `blocked timeout while ${s}`)
      return move(state, 'idle', now, {}, [{ type: 'publish_agent_idle' }])

    case 'socket_ended': {
      const effects = timerCancels(s)
      if (state.current_task_id !== null) {
        effects.push({ type: 'reclaim_task', task_id: state.current_task_id, reason: 'agent_disconnect' })
      }
      effects.push({ type: 'stop' })
      return move(state, 'offline', now, { current_task_id: null }, effects)
    }
  }
}
