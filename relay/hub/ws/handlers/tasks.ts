// Task frames of the sidecar (protocol.md §1.5) → the `task-queue` contract (CONTRACTS.md).
// Replies and error strings exactly as the original; the queue answers only after its LMDB
// write committed, so every ack is durable.
import { ACTOR, TOPIC } from '../../../../actors/names'
import {
  TASK_REPORT_REJECTIONS,
  taskAckFrame,
  taskContinueFrame,
  taskReassignFrame,
  type ErrorFrame,
  type TaskReportRejection,
} from '../../../protocol'
import type { FrameContext, FrameHandlers } from '../frame-context'

type CompleteReply = { ok: true } | { ok: false; error: string }
type FailReply = { ok: true; outcome: 'retried' | 'dead_letter' } | { ok: false; error: string }
type RecoveringReply = { type: 'task_continue'; task_id: string; generation: number } | { type: 'task_reassign'; task_id: string }

/** A socket-side task event for the dashboard feed (the queue publishes its own state changes). */
export interface SocketTaskEvent {
  type: 'task_event'
  source: 'socket'
  event: 'task_accepted' | 'task_progress' | 'task_recovering' | 'task_rejected'
  task_id: string
  agent_id: string
  timestamp: number
}

export const taskHandlers: FrameHandlers = {
  /** Always acked, whatever the queue says (the original did not check generation or assignee). */
  task_accepted: async (ctx, message) => {
    publishSocketEvent(ctx, 'task_accepted', message.task_id)
    await queue(ctx).call({ type: 'accepted', task_id: message.task_id, agent_id: ctx.agentId })
    return taskAckFrame(message.task_id, 'accepted')
  },

  /** Touches `updated_at` (defeats the stuck sweep); streams `execution_event` to dashboards. No reply. */
  task_progress: (ctx, message) => {
    publishSocketEvent(ctx, 'task_progress', message.task_id)
    queue(ctx).cast({ type: 'progress', task_id: message.task_id, agent_id: ctx.agentId })
    if (message.execution_event !== undefined) {
      ctx.hub.system.bus.publish(TOPIC.execution, {
        type: 'execution_event',
        task_id: message.task_id,
        agent_id: ctx.agentId,
        ...message.execution_event,
      })
    }
    return null
  },

  task_complete: async (ctx, message) => {
    const reply = await reportToQueue<CompleteReply>(ctx, {
      type: 'complete',
      task_id: message.task_id,
      agent_id: ctx.agentId,
      generation: message.generation,
      result: message.result,
      tokens_used: message.tokens_used ?? tokensInResult(message.result),
      verification_report: message.verification_report,
      verification_history: message.verification_history,
    })
    if (reply.ok) return taskAckFrame(message.task_id, 'complete')
    return reportRejected('task_complete_failed', reply.error)
  },

  task_failed: async (ctx, message) => {
    const reply = await reportToQueue<FailReply>(ctx, {
      type: 'fail',
      task_id: message.task_id,
      agent_id: ctx.agentId,
      generation: message.generation,
      error: message.error ?? message.reason ?? 'unknown',
    })
    if (reply.ok) return taskAckFrame(message.task_id, reply.outcome)
    return reportRejected('task_fail_failed', reply.error)
  },

  /** `task_continue` only when the task is still assigned to the caller (fencing fix, in the queue). */
  task_recovering: async (ctx, message) => {
    publishSocketEvent(ctx, 'task_recovering', message.task_id)
    const answer = await queue(ctx).call<RecoveringReply>({ type: 'recovering', task_id: message.task_id, agent_id: ctx.agentId })
    return answer.type === 'task_continue' ? taskContinueFrame(answer.task_id, answer.generation) : taskReassignFrame(answer.task_id)
  },

  /**
   * New (the original had no such type and counted a violation): the sidecar was busy, so the
   * task goes straight back to the queue instead of waiting for the 60 s / 5 min sweeps.
   */
  task_rejected: async (ctx, message) => {
    publishSocketEvent(ctx, 'task_rejected', message.task_id)
    await queue(ctx).call({ type: 'rejected', task_id: message.task_id, agent_id: ctx.agentId })
    return taskAckFrame(message.task_id, 'rejected')
  },
}

function queue(ctx: FrameContext) {
  return ctx.hub.system.byName(ACTOR.taskQueue)
}

/** A write that could not be committed surfaces as `table_corrupted` (hardening.md §1.4). */
async function reportToQueue<R>(ctx: FrameContext, call: object): Promise<R | { ok: false; error: 'table_corrupted' }> {
  try {
    return await queue(ctx).call<R>(call)
  } catch (error) {
    if ((error as { code?: unknown })?.code === 'table_corrupted') return { ok: false, error: 'table_corrupted' }
    throw error
  }
}

/** `task_complete_failed: <reason>`; reasons beyond the original's four (`not_assignee`) keep the same form. */
function reportRejected(prefix: 'task_complete_failed' | 'task_fail_failed', reason: string): ErrorFrame {
  const known = (TASK_REPORT_REJECTIONS as readonly string[]).includes(reason) ? (reason as TaskReportRejection) : reason
  return { type: 'error', error: `${prefix}: ${known}` }
}

/** The sidecar nests `tokens_used` in `result` (protocol.md §1.8). */
function tokensInResult(result: Record<string, unknown> | undefined): number | undefined {
  const value = result?.tokens_used
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined
}

function publishSocketEvent(ctx: FrameContext, event: SocketTaskEvent['event'], taskId: string): void {
  const payload: SocketTaskEvent = { type: 'task_event', source: 'socket', event, task_id: taskId, agent_id: ctx.agentId, timestamp: ctx.hub.now() }
  ctx.hub.system.bus.publish(TOPIC.tasks, payload)
}
