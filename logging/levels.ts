// Severities of hardening.md §3.1 and how they map onto winston. The admin API speaks the five
// spec levels (debug|info|notice|warning|error); `critical` exists for storage disasters only and
// cannot be selected as a threshold. The runtime's Logger interface says `warn`, which is the
// spec's `warning`.
import { LOG_LEVELS, type LogLevel } from '../relay/protocol/http-bodies'

export { LOG_LEVELS, type LogLevel }

export type Severity = LogLevel | 'critical'

/** winston's level table: lower number = more severe. */
export const WINSTON_LEVELS: Readonly<Record<Severity, number>> = Object.freeze({
  critical: 0,
  error: 1,
  warning: 2,
  notice: 3,
  info: 4,
  debug: 5,
})

/** Default level by environment (hardening.md §3.1): production info, test warning, dev debug. */
export function defaultLogLevel(nodeEnv: string | undefined): LogLevel {
  if (nodeEnv === 'test') return 'warning'
  if (nodeEnv === 'development') return 'debug'
  return 'info'
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)
}
