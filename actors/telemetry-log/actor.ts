// The `telemetry-log` actor: every telemetry event on bus topic `telemetry` becomes one log line
// (hardening.md §3.2, message `telemetry_event`; per-action rate-limit checks at debug). The
// task pipeline stamps events with `timestamp`, the hardening actors with `at`: both are read.
import { Actor, type Logger, type SystemInfo } from '../runtime'
import { TOPIC } from '../names'
import { asTelemetryEvent, telemetryLogEntry } from '../metrics/telemetry-events'
import { withAt } from '../metrics/actor'

export const TELEMETRY_LOG = 'telemetry-log'

export interface TelemetryLogArgs {
  /** where lines go; default the actor system's logger */
  logger?: Logger
}

export class TelemetryLogActor extends Actor<never, never, never, TelemetryLogArgs | undefined> {
  private logger!: Logger
  private logged = 0

  override init(args: TelemetryLogArgs | undefined): void {
    this.logger = args?.logger ?? this.ctx.system.logger
    this.ctx.subscribe(TOPIC.telemetry)
  }

  override handleInfo(msg: SystemInfo): void {
    if (msg.type !== 'bus' || msg.topic !== TOPIC.telemetry) return
    const event = asTelemetryEvent(withAt(msg.event))
    if (event === null) return
    const entry = telemetryLogEntry(event)
    this.logger[entry.level](entry.message, entry.meta)
    this.logged++
  }

  override snapshot(): unknown {
    return { logged: this.logged }
  }
}
