// The sidecar logs named events with flat fields (spec §3: `message` is the event name). This is
// the narrow interface the relay modules write to; the lead routes it into winston later.

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error'
export type LogFields = Record<string, unknown>

export interface EventLog {
  log(level: LogLevel, event: string, fields?: LogFields): void
}

export const silentLog: EventLog = { log: () => undefined }

export interface LoggedEvent {
  level: LogLevel
  event: string
  fields: LogFields
}

/** Keeps every event in memory; tests assert on it. */
export class MemoryLog implements EventLog {
  readonly events: LoggedEvent[] = []
  log(level: LogLevel, event: string, fields: LogFields = {}): void {
    this.events.push({ level, event, fields })
  }
  named(event: string): LoggedEvent[] {
    return this.events.filter((e) => e.event === event)
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
