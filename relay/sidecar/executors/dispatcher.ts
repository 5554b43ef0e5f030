// Picks the executor for a task by `routing_decision.target_type` (sidecar.md §9.1), times the
// run on the injected clock and prices it (§9.6). Unknown target types do not throw here: they
// become a failed ExecutionResult, which the caller reports as `task_failed`.
import { estimateCost } from '../cost/price-table'
import { ClaudeExecutor } from './claude-executor'
import { OllamaExecutor } from './ollama-executor'
import { ShellExecutor } from './shell-executor'
import {
  failedResult,
  routingString,
  TARGET_TYPES,
  type ExecutionContext,
  type ExecutionResult,
  type ExecutionTask,
  type Executor,
  type ExecutorResult,
  type TargetType,
} from './execution-types'

export type ExecutorSet = Record<TargetType, Executor>

export function defaultExecutors(): ExecutorSet {
  return { sidecar: new ShellExecutor(), ollama: new OllamaExecutor(), claude: new ClaudeExecutor() }
}

/**
 * `routing_decision.target_type`, else inferred from the effective tier (trivial → sidecar,
 * complex → claude, anything else → ollama). `null`/`"wake"` targets never reach here: they
 * select the wake path before execution starts. Returns null for a target no executor serves.
 */
export function targetTypeOf(task: ExecutionTask): TargetType | null {
  const explicit = routingString(task, 'target_type')
  if (explicit) return (TARGET_TYPES as readonly string[]).includes(explicit) ? (explicit as TargetType) : null
  const tier = task.complexity?.effective_tier
  if (tier === 'trivial') return 'sidecar'
  if (tier === 'complex') return 'claude'
  return 'ollama'
}

export function priceResult(result: ExecutorResult, targetType: TargetType, executionMs: number): ExecutionResult {
  const cost = estimateCost(result.model_used, result)
  return {
    ...result,
    target_type: targetType,
    // the provider's own bill is authoritative when it reports one
    estimated_cost_usd: result.reported_cost_usd ?? cost.estimated_cost_usd,
    equivalent_claude_cost_usd: cost.equivalent_claude_cost_usd,
    execution_ms: executionMs,
  }
}

export async function dispatch(task: ExecutionTask, ctx: ExecutionContext, executors: ExecutorSet = defaultExecutors()): Promise<ExecutionResult> {
  const targetType = targetTypeOf(task)
  if (!targetType) {
    const error = `Unknown target type: ${String(task.routing_decision?.target_type)}`
    ctx.onEvent({ type: 'error', text: error })
    return priceResult(failedResult('none', error, 0), 'sidecar', 0)
  }
  const startedAt = ctx.clock.now()
  let result: ExecutorResult
  try {
    result = await executors[targetType].execute(task, ctx)
  } catch (err) {
    // executors are written not to throw; if one does, it is still one failed run, not a crash
    result = failedResult('none', `Executor crashed: ${err instanceof Error ? err.message : String(err)}`, 1)
  }
  return priceResult(result, targetType, Math.max(0, ctx.clock.now() - startedAt))
}
