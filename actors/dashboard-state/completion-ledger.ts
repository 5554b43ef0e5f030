// Task outcomes the dashboard shows (hardening.md §7.2): the newest-first ring buffer of the
// last 100 completions and the rolling-hour throughput.
//
// Fix of the original's counting defect: only the queue's authoritative events count
// (`task_completed`, `task_retried` after a failure, `task_dead_letter`), never the socket's
// report events, and each completion (task id + generation) once even if an event is seen twice.
// "This hour" is a rolling hour, not a counter reset by an hourly timer.

export const RECENT_COMPLETIONS_KEPT = 100
export const THROUGHPUT_WINDOW_MS = 3_600_000

export interface ExecutionMeta {
  model_used: unknown
  tokens_in: unknown
  tokens_out: unknown
  estimated_cost_usd: unknown
  equivalent_claude_cost_usd: unknown
  execution_ms: unknown
}

export interface CompletionEntry {
  task_id: string
  agent_id: string | null
  description: string
  duration_ms: number
  tokens_used: number
  completed_at: number
  verification_report: unknown
  routing_decision: unknown
  execution_meta: ExecutionMeta | null
}

export interface Throughput {
  completed_last_hour: number
  avg_completion_ms: number
  total_tokens_hour: number
}

/** What the ledger needs of a queue `task_event` (a TaskView is a superset). */
export interface CompletedTask {
  id: string
  description?: unknown
  generation?: unknown
  assigned_at?: unknown
  tokens_used?: unknown
  result?: unknown
  verification_report?: unknown
  routing_decision?: unknown
}

interface HourSample {
  at: number
  duration_ms: number
  tokens: number
}

export class CompletionLedger {
  private readonly recent: CompletionEntry[] = []
  private readonly seen = new Set<string>()
  private readonly seenOrder: string[] = []
  private hourCompletions: HourSample[] = []
  private hourFailures: number[] = []

  /** The queue's `task_completed`. Returns false when this completion was already counted. */
  recordCompletion(task: CompletedTask, agentId: string | null, at: number): boolean {
    const key = `${task.id}#${typeof task.generation === 'number' ? task.generation : ''}`
    if (this.seen.has(key)) return false
    this.remember(key)
    const assignedAt = typeof task.assigned_at === 'number' ? task.assigned_at : null
    const tokens = typeof task.tokens_used === 'number' ? task.tokens_used : 0
    const entry: CompletionEntry = {
      task_id: task.id,
      agent_id: agentId,
      description: typeof task.description === 'string' ? task.description : '',
      duration_ms: assignedAt === null ? 0 : Math.max(0, at - assignedAt),
      tokens_used: tokens,
      completed_at: at,
      verification_report: task.verification_report ?? null,
      routing_decision: task.routing_decision ?? null,
      execution_meta: executionMetaOf(task.result),
    }
    this.recent.unshift(entry)
    if (this.recent.length > RECENT_COMPLETIONS_KEPT) this.recent.length = RECENT_COMPLETIONS_KEPT
    this.hourCompletions.push({ at, duration_ms: entry.duration_ms, tokens })
    return true
  }

  /** A failed attempt (requeued or dead-lettered), counted once per queue event. */
  recordFailure(at: number): void {
    this.hourFailures.push(at)
  }

  recentCompletions(): CompletionEntry[] {
    return this.recent.map((entry) => ({ ...entry }))
  }

  throughput(now: number): Throughput {
    this.prune(now)
    const n = this.hourCompletions.length
    let duration = 0
    let tokens = 0
    for (const sample of this.hourCompletions) {
      duration += sample.duration_ms
      tokens += sample.tokens
    }
    return { completed_last_hour: n, avg_completion_ms: n === 0 ? 0 : Math.round(duration / n), total_tokens_hour: tokens }
  }

  /** Rolling-hour outcomes for the health heuristic (§7.3 rule 3). */
  hourOutcomes(now: number): { completed: number; failed: number } {
    this.prune(now)
    return { completed: this.hourCompletions.length, failed: this.hourFailures.length }
  }

  private prune(now: number): void {
    const cutoff = now - THROUGHPUT_WINDOW_MS
    if (this.hourCompletions.length > 0 && this.hourCompletions[0]!.at <= cutoff) this.hourCompletions = this.hourCompletions.filter((s) => s.at > cutoff)
    if (this.hourFailures.length > 0 && this.hourFailures[0]! <= cutoff) this.hourFailures = this.hourFailures.filter((at) => at > cutoff)
  }

  private remember(key: string): void {
    this.seen.add(key)
    this.seenOrder.push(key)
    // the dedupe memory only has to outlive a duplicate delivery, not the hub
    if (this.seenOrder.length > RECENT_COMPLETIONS_KEPT * 10) this.seen.delete(this.seenOrder.shift()!)
  }
}

/** smart-pipeline.md §11.2: null unless the result names a model, tokens or a cost. */
export function executionMetaOf(result: unknown): ExecutionMeta | null {
  if (typeof result !== 'object' || result === null) return null
  const r = result as Record<string, unknown>
  const meta: ExecutionMeta = {
    model_used: r.model_used ?? null,
    tokens_in: r.tokens_in ?? null,
    tokens_out: r.tokens_out ?? null,
    estimated_cost_usd: r.estimated_cost_usd ?? null,
    equivalent_claude_cost_usd: r.equivalent_claude_cost_usd ?? null,
    execution_ms: r.execution_ms ?? null,
  }
  const hasAny = meta.model_used !== null || meta.tokens_in !== null || meta.tokens_out !== null || meta.estimated_cost_usd !== null
  return hasAny ? meta : null
}
