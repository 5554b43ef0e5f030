// The tier router plugged into the scheduler (smart-pipeline.md §6, §7): the scheduler's
// `SchedulerRouting` hook. Per pass it reads the LLM registry's `routing_inputs` and the config
// (`fallback_wait_ms`, `default_ollama_model`) once; per planned task it calls the pure
// `route()`, keeps the fallback waits (FallbackTimers + one clock timer each, whose expiry
// triggers a scheduler pass in which the task escalates to Claude), and emits
// `agent_com.scheduler.route` telemetry once per routed task.
//
// Deviations:
// - the fallback escalates (standard → complex/Claude after `fallback_wait_ms`); the original
//   assigned at once with a dead-end `ollama` decision (ROUTE-03 nominal).
// - without an `llm-registry` actor, or with no endpoint registered at all, a standard task is
//   assigned with no routing decision (v1.1 behaviour: the sidecar's own executor) instead of
//   waiting for an Ollama tier that does not exist.

import type { ActorSystem, Clock, TimerHandle } from '../runtime'
import { ACTOR, TOPIC } from '../names'
import type { RouteVerdict, SchedulerRouting } from '../scheduler/actor'
import type { TaskEventMessage } from '../task-queue/messages'
import type { RoutingDecision, Task } from '../task-queue/task'
import type { EndpointRecord } from '../llm-registry/endpoint'
import type { HostResources } from '../llm-registry/host-resources'
import { DEFAULT_FALLBACK_WAIT_MS, resolveTier, route } from './tier-router'
import { FallbackTimers } from './fallback-timers'

/** What the hook needs of its host actor (the scheduler's `ctx` satisfies it). */
export interface RouterHost {
  readonly system: ActorSystem
  readonly clock: Clock
  publish(topic: string, event: unknown): void
}

export interface RouterHookOptions {
  /** the actor to `trigger` when a fallback wait ends (default `scheduler`) */
  scheduler?: string
  /** timeout of the registry / config reads of a pass (default 1000 ms) */
  lookupTimeoutMs?: number
}

interface PassInputs {
  /** null: no LLM registry running */
  endpoints: EndpointRecord[] | null
  resources: HostResources
  fallbackWaitMs: number
  defaultModel: string | null
}

const NO_DECISION: RouteVerdict = { action: 'assign', decision: null }

export class RouterHook implements SchedulerRouting {
  private host: RouterHost | null = null
  private readonly timers = new FallbackTimers()
  private readonly handles = new Map<string, TimerHandle>()
  private inputs: PassInputs = { endpoints: null, resources: {}, fallbackWaitMs: DEFAULT_FALLBACK_WAIT_MS, defaultModel: null }
  private readonly schedulerName: string
  private readonly lookupTimeoutMs: number

  constructor(options: RouterHookOptions = {}) {
    this.schedulerName = options.scheduler ?? ACTOR.scheduler
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 1000
  }

  /** Called by the scheduler's init: a restarted scheduler starts with no pending waits. */
  attach(host: RouterHost): void {
    this.cancelAll()
    this.host = host
  }

  async beginPass(_now: number): Promise<void> {
    const [inputs, wait, model] = await Promise.all([
      this.ask<{ endpoints?: unknown; resources?: unknown }>(ACTOR.llmRegistry, { type: 'routing_inputs' }),
      this.ask<unknown>(ACTOR.config, { type: 'get', key: 'fallback_wait_ms' }),
      this.ask<unknown>(ACTOR.config, { type: 'get', key: 'default_ollama_model' }),
    ])
    this.inputs = {
      endpoints: inputs && Array.isArray(inputs.endpoints) ? (inputs.endpoints as EndpointRecord[]) : null,
      resources: inputs && typeof inputs.resources === 'object' && inputs.resources !== null ? (inputs.resources as HostResources) : {},
      fallbackWaitMs: typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 ? wait : DEFAULT_FALLBACK_WAIT_MS,
      defaultModel: typeof model === 'string' && model !== '' ? model : null,
    }
  }

  route(task: Task, now: number): RouteVerdict {
    const { endpoints, resources } = this.inputs
    if (endpoints === null) return NO_DECISION
    if (endpoints.length === 0 && resolveTier(task.complexity) === 'standard') return NO_DECISION
    const started = process.hrtime.bigint()
    const result = route(task, endpoints, resources, {
      now,
      defaultModel: this.inputs.defaultModel,
      fallbackWaitMs: this.inputs.fallbackWaitMs,
      fallbackSince: this.timers.since(task.id),
    })
    const scoringUs = Number((process.hrtime.bigint() - started) / 1000n)
    if (result.action === 'wait') {
      this.emitRoute(task.id, result.telemetry_decision, scoringUs)
      const entry = this.timers.start(task.id, result.fallback)
      if (entry) this.arm(task.id, Math.max(0, entry.due_at - now))
      return { action: 'wait' }
    }
    this.emitRoute(task.id, result.decision, scoringUs)
    return { action: 'assign', decision: result.decision }
  }

  assigned(task: Task, agentId: string): void {
    this.forget(task.id)
    this.host?.system.whereis(ACTOR.llmRegistry)?.cast({ type: 'workspace_repo', agent_id: agentId, repo: task.repo ?? null })
  }

  taskEvent(event: TaskEventMessage): void {
    const status = (event.task as { status?: unknown } | undefined)?.status
    if (status !== undefined && status !== 'queued') this.forget(event.task_id)
  }

  /** Pending fallback waits (console / tests). */
  pending(): ReturnType<FallbackTimers['entries']> {
    return this.timers.entries()
  }

  private arm(taskId: string, delayMs: number): void {
    const host = this.host
    if (!host) return
    const handle = host.clock.schedule(delayMs, () => this.fallbackDue(taskId))
    this.handles.set(taskId, handle)
  }

  private fallbackDue(taskId: string): void {
    const host = this.host
    this.handles.delete(taskId)
    if (!host) return
    const expiry = this.timers.expire(taskId, host.clock.now())
    if (!expiry) return
    host.publish(TOPIC.telemetry, {
      type: 'telemetry',
      event: 'agent_com.scheduler.fallback',
      measurements: { wait_ms: expiry.wait_ms },
      metadata: { task_id: taskId, original_tier: expiry.original_tier, fallback_tier: expiry.fallback_tier },
      timestamp: host.clock.now(),
    })
    host.system.whereis(this.schedulerName)?.cast({ type: 'trigger', reason: 'fallback_timeout' })
  }

  private forget(taskId: string): void {
    this.timers.cancel(taskId)
    const handle = this.handles.get(taskId)
    if (handle !== undefined) {
      this.host?.clock.cancel(handle)
      this.handles.delete(taskId)
    }
  }

  private cancelAll(): void {
    for (const entry of this.timers.entries()) this.forget(entry.task_id)
  }

  private emitRoute(taskId: string, d: RoutingDecision, scoringUs: number): void {
    const host = this.host
    if (!host) return
    host.publish(TOPIC.telemetry, {
      type: 'telemetry',
      event: 'agent_com.scheduler.route',
      measurements: { candidate_count: d.candidate_count, scoring_duration_us: scoringUs },
      metadata: {
        task_id: taskId,
        effective_tier: d.effective_tier,
        target_type: d.target_type,
        selected_endpoint: d.selected_endpoint,
        selected_model: d.selected_model,
        fallback_used: d.fallback_used,
        fallback_reason: d.fallback_reason,
        classification_reason: d.classification_reason,
        estimated_cost_tier: d.estimated_cost_tier,
      },
      timestamp: host.clock.now(),
    })
  }

  private async ask<R>(name: string, msg: object): Promise<R | null> {
    const ref = this.host?.system.whereis(name)
    if (!ref) return null
    try {
      return await ref.call<R>(msg, { timeoutMs: this.lookupTimeoutMs })
    } catch {
      return null
    }
  }
}

export function createRouterHook(options: RouterHookOptions = {}): RouterHook {
  return new RouterHook(options)
}
