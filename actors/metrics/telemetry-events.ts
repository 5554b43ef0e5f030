// The telemetry events of hardening.md §3.2 (the 22 of v1.1, plus v1.2's) as typed data on bus
// topic `telemetry` (TOPIC.telemetry): `{type:'telemetry', event, measurements, metadata, at}`.
// Emitters publish them; a handler logs each one (telemetryLogEntry) and the metrics aggregator
// consumes the starred ones. Unlike the original, the rate-limit events are logged too (at debug,
// they are per-action), and `complexity.disagreement` is expected once per submit.

export interface TelemetryShapes {
  'agent_com.task.submit': { m: { queue_depth: number }; md: { task_id: string; priority: number | string; submitted_by: string } }
  'agent_com.task.assign': { m: { wait_ms: number }; md: { task_id: string; agent_id: string; generation: number } }
  'agent_com.task.complete': { m: { duration_ms: number }; md: { task_id: string; agent_id: string; tokens_used: number | null } }
  'agent_com.task.fail': { m: { retry_count: number }; md: { task_id: string; agent_id: string; error: string } }
  'agent_com.task.dead_letter': { m: { retry_count: number }; md: { task_id: string; error: string } }
  'agent_com.task.reclaim': { m: Record<string, never>; md: { task_id: string; agent_id: string | null; reason: string } }
  'agent_com.task.retry': { m: Record<string, never>; md: { task_id: string; previous_error: string | null } }
  'agent_com.agent.connect': { m: { system_time: number }; md: { agent_id: string; capabilities: unknown[] } }
  'agent_com.agent.disconnect': { m: { connected_duration_ms: number }; md: { agent_id: string; reason: string } }
  'agent_com.agent.evict': { m: { stale_ms: number }; md: { agent_id: string } }
  'agent_com.fsm.transition': { m: { duration_ms: number }; md: { agent_id: string; from_state: string; to_state: string; task_id: string | null } }
  'agent_com.scheduler.attempt': { m: { idle_agents: number; queued_tasks: number }; md: { trigger: string } }
  'agent_com.scheduler.match': { m: Record<string, never>; md: { task_id: string; agent_id: string } }
  'agent_com.dets.backup.start': { m: SpanStart; md: { table_count: number } }
  'agent_com.dets.backup.stop': { m: SpanStop; md: { status: string; table_count: number } }
  'agent_com.dets.backup.exception': { m: SpanStop; md: SpanException & { table_count?: number } }
  'agent_com.dets.compaction.start': { m: SpanStart; md: { table: string } }
  'agent_com.dets.compaction.stop': { m: SpanStop; md: { table: string; status: string; retried?: boolean } }
  'agent_com.dets.compaction.exception': { m: SpanStop; md: SpanException & { table: string } }
  'agent_com.dets.restore.start': { m: SpanStart; md: { table: string; trigger: string } }
  'agent_com.dets.restore.stop': { m: SpanStop; md: { table: string; backup_used?: string | null; record_count?: number; status?: string } }
  'agent_com.dets.restore.exception': { m: SpanStop; md: SpanException & { table: string } }
  // v1.2
  'agent_com.scheduler.route': { m: { candidate_count: number; scoring_duration_us: number }; md: Record<string, unknown> }
  'agent_com.scheduler.fallback': { m: { wait_ms: number }; md: { task_id: string; original_tier: string; fallback_tier: string } }
  'agent_com.verification.run': { m: { duration_ms: number; checks_passed: number; checks_failed: number }; md: { task_id: string; status: string; total_checks: number } }
  'agent_com.rate_limit.check': { m: { tokens_remaining: number }; md: { agent_id: string; channel: string; tier: string; result: string } }
  'agent_com.rate_limit.violation': { m: { retry_after_ms: number; consecutive: number }; md: { agent_id: string } }
  'agent_com.complexity.disagreement': { m: Record<string, never>; md: Record<string, unknown> }
}

interface SpanStart {
  system_time: number
  monotonic_time: number
}
interface SpanStop {
  duration: number
  monotonic_time: number
}
interface SpanException {
  kind: string
  reason: string
  stacktrace?: string
}

export type TelemetryName = keyof TelemetryShapes

export const TELEMETRY_EVENTS: readonly TelemetryName[] = Object.freeze([
  'agent_com.task.submit',
  'agent_com.task.assign',
  'agent_com.task.complete',
  'agent_com.task.fail',
  'agent_com.task.dead_letter',
  'agent_com.task.reclaim',
  'agent_com.task.retry',
  'agent_com.agent.connect',
  'agent_com.agent.disconnect',
  'agent_com.agent.evict',
  'agent_com.fsm.transition',
  'agent_com.scheduler.attempt',
  'agent_com.scheduler.match',
  'agent_com.dets.backup.start',
  'agent_com.dets.backup.stop',
  'agent_com.dets.backup.exception',
  'agent_com.dets.compaction.start',
  'agent_com.dets.compaction.stop',
  'agent_com.dets.compaction.exception',
  'agent_com.dets.restore.start',
  'agent_com.dets.restore.stop',
  'agent_com.dets.restore.exception',
  'agent_com.scheduler.route',
  'agent_com.scheduler.fallback',
  'agent_com.verification.run',
  'agent_com.rate_limit.check',
  'agent_com.rate_limit.violation',
  'agent_com.complexity.disagreement',
])

/** The 22 events of v1.1 (the first 22 above). */
export const V11_TELEMETRY_EVENTS: readonly TelemetryName[] = Object.freeze(TELEMETRY_EVENTS.slice(0, 22))

/** Events the metrics aggregator consumes (★ in §3.2). */
export const METRICS_EVENTS: ReadonlySet<TelemetryName> = new Set<TelemetryName>([
  'agent_com.task.submit',
  'agent_com.task.assign',
  'agent_com.task.complete',
  'agent_com.task.fail',
  'agent_com.task.dead_letter',
  'agent_com.task.reclaim',
  'agent_com.task.retry',
  'agent_com.agent.connect',
  'agent_com.agent.disconnect',
  'agent_com.fsm.transition',
  'agent_com.scheduler.attempt',
])

export type TelemetryEvent<N extends TelemetryName = TelemetryName> = N extends TelemetryName
  ? { type: 'telemetry'; event: N; measurements: TelemetryShapes[N]['m']; metadata: TelemetryShapes[N]['md']; at: number }
  : never

export function telemetry<N extends TelemetryName>(event: N, measurements: TelemetryShapes[N]['m'], metadata: TelemetryShapes[N]['md'], at: number): TelemetryEvent<N> {
  return { type: 'telemetry', event, measurements, metadata, at } as TelemetryEvent<N>
}

const KNOWN = new Set<string>(TELEMETRY_EVENTS)

/**
 * A bus payload as a telemetry event, or null for anything else on the topic (supervisor events
 * share it). Checks the envelope only; numeric measurements are re-checked by their consumers.
 */
export function asTelemetryEvent(payload: unknown): TelemetryEvent | null {
  if (typeof payload !== 'object' || payload === null) return null
  const p = payload as Record<string, unknown>
  if (p.type !== 'telemetry' || typeof p.event !== 'string' || !KNOWN.has(p.event)) return null
  if (typeof p.at !== 'number' || !Number.isFinite(p.at)) return null
  if (!isObject(p.measurements) || !isObject(p.metadata)) return null
  return payload as TelemetryEvent
}

/** Log level of each event: the per-action rate-limit checks at debug, everything else info. */
export function telemetryLogLevel(event: TelemetryName): 'debug' | 'info' {
  return event === 'agent_com.rate_limit.check' ? 'debug' : 'info'
}

/** The log line of an event (hardening.md §3.2): message `telemetry_event`, fields in metadata. */
export function telemetryLogEntry(event: TelemetryEvent): { level: 'debug' | 'info'; message: 'telemetry_event'; meta: Record<string, unknown> } {
  return {
    level: telemetryLogLevel(event.event),
    message: 'telemetry_event',
    meta: { telemetry_event: event.event, measurements: event.measurements, metadata: event.metadata },
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
