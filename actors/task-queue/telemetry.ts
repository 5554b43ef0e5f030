// Telemetry of the task pipeline (hardening.md §3.2): the queue, the agent FSMs and the
// scheduler publish these on bus topic `telemetry`; the log handler and the metrics collector
// subscribe. Names keep the original's `agent_com.<a>.<b>` form so logs read the same.

import { TOPIC } from '../names'

export type PipelineTelemetryName =
  | 'agent_com.task.submit'
  | 'agent_com.task.assign'
  | 'agent_com.task.complete'
  | 'agent_com.task.fail'
  | 'agent_com.task.dead_letter'
  | 'agent_com.task.reclaim'
  | 'agent_com.task.retry'
  | 'agent_com.agent.connect'
  | 'agent_com.agent.disconnect'
  | 'agent_com.fsm.transition'
  | 'agent_com.scheduler.attempt'
  | 'agent_com.scheduler.match'
  | 'agent_com.scheduler.route'
  | 'agent_com.verification.run'

/** The payload on topic `telemetry`. */
export interface TelemetryEvent {
  type: 'telemetry'
  event: PipelineTelemetryName
  measurements: Record<string, number>
  metadata: Record<string, unknown>
  timestamp: number
}

export const TELEMETRY_TOPIC = TOPIC.telemetry

/** What can publish: an actor context (`this.ctx`). */
export interface TelemetryPublisher {
  publish(topic: string, event: unknown): void
  readonly clock: { now(): number }
}

export function emitTelemetry(
  ctx: TelemetryPublisher,
  event: PipelineTelemetryName,
  measurements: Record<string, number>,
  metadata: Record<string, unknown>,
): void {
  const payload: TelemetryEvent = { type: 'telemetry', event, measurements, metadata, timestamp: ctx.clock.now() }
  ctx.publish(TELEMETRY_TOPIC, payload)
}
