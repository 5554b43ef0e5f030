// Browser commands on /ws/dashboard (protocol.md §5.2, smart-pipeline.md §11.2) → the owning
// actors, and the reply frame each gets. A peer that is not running gives a clear error frame,
// never a crash. Viewer sockets never get here for anything but `request_snapshot`.
import type { ActorSystem } from '../../../actors/runtime'
import { ACTOR } from '../../../actors/names'
import type { DashboardCommand } from '../../protocol'

export const COMMAND_TIMEOUT_MS = 10_000
export const SNAPSHOT_TIMEOUT_MS = 10_000

type Json = Record<string, unknown>
type Frame = Json & { type: string }
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Who sends the command: recorded as `added_by` on repo registrations. */
export interface CommandIssuer {
  agent_id: string
}

/** The current snapshot from `dashboard-state`; a minimal one when that actor is not running. */
export async function fetchSnapshot(system: ActorSystem, now: number): Promise<Json> {
  const state = system.whereis(ACTOR.dashboardState)
  if (state) {
    try {
      return await state.call<Json>({ type: 'snapshot' }, { timeoutMs: SNAPSHOT_TIMEOUT_MS })
    } catch {
      // fall through: a dashboard still connects while its state actor restarts
    }
  }
  return { timestamp: now, unavailable: ['dashboard-state'] }
}

async function callPeer(system: ActorSystem, name: string, msg: Json & { type: string }): Promise<{ ok: true; reply: unknown } | { ok: false; error: string }> {
  const ref = system.whereis(name)
  if (!ref) return { ok: false, error: `${name.replace(/-/g, '_')}_unavailable` }
  try {
    return { ok: true, reply: await ref.call(msg, { timeoutMs: COMMAND_TIMEOUT_MS }) }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}

/** `{ok:false, error}` replies (the registries' and the queue's refusal shape) → the error code. */
function refusal(reply: unknown): string | null {
  if (isObject(reply) && reply.ok === false) return typeof reply.error === 'string' ? reply.error : 'failed'
  return null
}

export async function runDashboardCommand(system: ActorSystem, command: DashboardCommand, issuer: CommandIssuer, now: number): Promise<Frame[]> {
  switch (command.type) {
    case 'request_snapshot':
      return [{ type: 'snapshot', data: await fetchSnapshot(system, now) }]
    case 'retry_task':
      return [await retryTask(system, command.task_id)]
    case 'acknowledge_alert':
      return [await acknowledgeAlert(system, command.rule_id)]
    case 'register_llm_endpoint': {
      const port = command.port === undefined ? undefined : Number(command.port)
      const r = await callPeer(system, ACTOR.llmRegistry, { type: 'register', host: command.host, port, name: command.name, source: 'manual' })
      if (!r.ok) return [{ type: 'llm_endpoint_error', error: r.error }]
      const error = refusal(r.reply)
      if (error !== null) return [{ type: 'llm_endpoint_error', error }]
      const endpoint = isObject(r.reply) && isObject(r.reply.endpoint) ? r.reply.endpoint : r.reply
      return [{ type: 'llm_endpoint_registered', endpoint }]
    }
    case 'remove_llm_endpoint': {
      const r = await callPeer(system, ACTOR.llmRegistry, { type: 'remove', id: command.id })
      if (!r.ok) return [{ type: 'llm_endpoint_error', error: r.error }]
      const error = refusal(r.reply)
      return [error === null ? { type: 'llm_endpoint_removed', id: command.id } : { type: 'llm_endpoint_error', error }]
    }
    case 'add_repo':
      return repoCommand(system, { type: 'add', url: command.url, name: command.name, added_by: issuer.agent_id }, now)
    case 'remove_repo':
      return repoCommand(system, { type: 'remove', repo_id: command.repo_id }, now)
    case 'move_repo_up':
      return repoCommand(system, { type: 'move_up', repo_id: command.repo_id }, now)
    case 'move_repo_down':
      return repoCommand(system, { type: 'move_down', repo_id: command.repo_id }, now)
    case 'pause_repo':
      return repoCommand(system, { type: 'pause', repo_id: command.repo_id }, now)
    case 'unpause_repo':
      return repoCommand(system, { type: 'unpause', repo_id: command.repo_id }, now)
  }
}

async function retryTask(system: ActorSystem, taskId: string): Promise<Frame> {
  const r = await callPeer(system, ACTOR.taskQueue, { type: 'retry_dead_letter', task_id: taskId })
  if (!r.ok) return { type: 'command_rejected', command: 'retry_task', error: r.error }
  const requeued = isObject(r.reply) && r.reply.ok === true
  return { type: 'retry_result', task_id: taskId, status: requeued ? 'requeued' : 'not_found' }
}

async function acknowledgeAlert(system: ActorSystem, ruleId: string): Promise<Frame> {
  const r = await callPeer(system, ACTOR.alerter, { type: 'acknowledge', rule_id: ruleId })
  if (!r.ok) return { type: 'command_rejected', command: 'acknowledge_alert', error: r.error }
  return { type: 'alert_ack_result', rule_id: ruleId, status: acknowledged(r.reply) ? 'acknowledged' : 'not_found' }
}

/** Accepts the alerter's `{found}`, `{ok}`, `{status}` or a bare boolean. */
function acknowledged(reply: unknown): boolean {
  if (typeof reply === 'boolean') return reply
  if (!isObject(reply)) return false
  if (typeof reply.found === 'boolean') return reply.found
  if (typeof reply.ok === 'boolean') return reply.ok
  return reply.status === 'acknowledged' || reply.status === 'ok'
}

/** Every repo command is answered with a fresh snapshot, except a duplicate add (§11.2). */
async function repoCommand(system: ActorSystem, msg: Json & { type: string }, now: number): Promise<Frame[]> {
  const r = await callPeer(system, ACTOR.repoRegistry, msg)
  if (!r.ok) return [{ type: 'repo_error', error: r.error }]
  const error = refusal(r.reply)
  if (error === 'already_exists' || error === 'repo_already_exists') return [{ type: 'repo_error', error: 'repo_already_exists' }]
  const frames: Frame[] = []
  // not_found on a no-op is answered with a snapshot like the original; other refusals are reported too
  if (error !== null && error !== 'not_found') frames.push({ type: 'repo_error', error })
  frames.push({ type: 'snapshot', data: await fetchSnapshot(system, now) })
  return frames
}
