// The executor as an actor: it owns the TaskRelay (persist-then-ack, runs, outcomes through the
// outbox) and receives the hub's frames in its mailbox, in socket order. It is the crash-prone
// part of the sidecar, so its restart path matters:
// - a predecessor that was killed never ran terminate: its relay is stopped first (its run is
//   aborted, so it can no longer report anything — one outcome per task, from one relay);
// - the task it was working on is still the active task in the local queue; the new relay sends
//   `task_recovering` as soon as the link is identified and resumes the run on `task_continue`
//   (or drops it on `task_reassign`) — recovered, never forgotten;
// - a task that keeps taking the executor down is failed back (`executor_crashed`) once it has
//   started `maxRunsPerTask` runs, so one poisonous task cannot crash-loop the sidecar.
import { Actor } from '../../../actors/runtime'
import { failedFrame, type LocalQueue } from '../local-queue'
import { TaskRelay } from '../task-relay'
import { isWakeTask } from '../task-routing'
import type { ExecutorCast, SidecarParts } from './sidecar-parts'

export type ExecutorCall = { type: 'status' }

export const DEFAULT_MAX_RUNS_PER_TASK = 3
/** how long a new executor waits for a killed predecessor's run to wind down (its children killed) */
export const PREDECESSOR_STOP_WAIT_MS = 10_000

export class ExecutorActor extends Actor<ExecutorCall, ExecutorCast, never, { parts: SidecarParts }> {
  private parts!: SidecarParts
  private relay!: TaskRelay

  override async init(args: { parts: SidecarParts }): Promise<void> {
    const parts = args.parts
    this.parts = parts
    parts.executorStarts += 1
    await this.fencePredecessor()
    const queue = parts.requireQueue()
    if (parts.executorStarts > 1) this.failRunawayTask(queue)
    this.relay = new TaskRelay({
      queue,
      connection: parts.relayConnection,
      clock: parts.clock,
      log: parts.log,
      selectRunner: (task) => (isWakeTask(task) ? parts.wakeRunner : parts.o.directRunner),
      workspaces: parts.o.workspaces,
      keepaliveIntervalMs: parts.o.keepaliveIntervalMs ?? parts.config.keepalive_interval_ms,
      outboxAckTimeoutMs: parts.o.outboxAckTimeoutMs,
      onEvent: (event) => {
        // a crash between "outcome durable" and the runner's clean-up leaves result files behind;
        // once the hub has the outcome they are removed for good
        if (event.type === 'outcome_settled') removeQuietly(() => parts.wakeRunner?.removeResultFiles(event.taskId))
        parts.o.onEvent?.(event)
      },
    })
    parts.relay = this.relay
    if (parts.executorStarts > 1) parts.log.log('notice', 'executor_restarted', { starts: parts.executorStarts, active_task_id: queue.active?.task_id ?? null })
    // restarted while the link is up: re-drive what the queue holds through the recovery handshake
    if (parts.relayConnection.isIdentified()) this.relay.onIdentified()
    // what the hub said while no executor was there, in arrival order
    for (const frame of parts.takeHeldFrames()) this.relay.handleFrame(frame)
  }

  override handleCast(msg: ExecutorCast): void {
    switch (msg.type) {
      case 'frame':
        return this.relay.handleFrame(msg.frame)
      case 'identified':
        return this.relay.onIdentified()
      case 'disconnected':
        return this.relay.onDisconnected()
    }
  }

  override handleCall(msg: ExecutorCall): { active_task_id: string | null; starts: number } {
    switch (msg.type) {
      case 'status':
        return { active_task_id: this.relay.activeTaskId(), starts: this.parts.executorStarts }
    }
  }

  override async terminate(): Promise<void> {
    // the run is aborted; the task stays in its slot and resumes after the restart
    await this.relay.stop()
    if (this.parts.relay === this.relay) this.parts.relay = null
  }

  override snapshot(): unknown {
    return { active_task_id: this.relay?.activeTaskId() ?? null, starts: this.parts.executorStarts }
  }

  private async fencePredecessor(): Promise<void> {
    const predecessor = this.parts.relay
    if (!predecessor) return
    this.parts.relay = null
    const stopped = predecessor.stop()
    await new Promise<void>((resolve) => {
      const timer = this.parts.clock.setTimeout(resolve, PREDECESSOR_STOP_WAIT_MS)
      void stopped.finally(() => {
        this.parts.clock.clearTimeout(timer)
        resolve()
      })
    })
  }

  private failRunawayTask(queue: LocalQueue): void {
    const active = queue.active
    const limit = this.parts.o.maxRunsPerTask ?? DEFAULT_MAX_RUNS_PER_TASK
    if (!active || (active.run_count ?? 0) < limit) return
    const reason = `executor_crashed: the executor went down during ${active.run_count} runs of this task`
    queue.finish(active.task_id, failedFrame(active.task_id, active.generation, reason))
    this.parts.log.log('error', 'task_failed_after_executor_crashes', { task_id: active.task_id, runs: active.run_count })
  }
}

function removeQuietly(remove: () => void): void {
  try {
    remove()
  } catch {
    // a task id that is not a file name never had result files
  }
}
