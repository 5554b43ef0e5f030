// The runtime logs through this small interface; a winston logger satisfies it as is.

export type LogMeta = Record<string, unknown>

export interface Logger {
  debug(message: string, meta?: LogMeta): void
  info(message: string, meta?: LogMeta): void
  warn(message: string, meta?: LogMeta): void
  error(message: string, meta?: LogMeta): void
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** JSON lines on stderr at `minLevel` and above (the default logger: 'warn'). */
export function consoleLogger(minLevel: LogLevel = 'warn'): Logger {
  const write = (level: LogLevel) => (message: string, meta?: LogMeta) => {
    if (LEVELS[level] < LEVELS[minLevel]) return
    process.stderr.write(JSON.stringify({ level, message, ...meta, time: new Date().toISOString() }) + '\n')
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

export interface LogEntry {
  level: LogLevel
  message: string
  meta: LogMeta
}

/** Keeps entries in memory; for tests that assert on logging. */
export interface MemoryLogger extends Logger {
  readonly entries: LogEntry[]
}

export function memoryLogger(): MemoryLogger {
  const entries: LogEntry[] = []
  const write = (level: LogLevel) => (message: string, meta: LogMeta = {}) => {
    entries.push({ level, message, meta })
  }
  return { entries, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/** A logger that adds `meta` to every entry (e.g. the actor's id and name). */
export function withMeta(logger: Logger, meta: LogMeta): Logger {
  return {
    debug: (m, extra) => logger.debug(m, { ...meta, ...extra }),
    info: (m, extra) => logger.info(m, { ...meta, ...extra }),
    warn: (m, extra) => logger.warn(m, { ...meta, ...extra }),
    error: (m, extra) => logger.error(m, { ...meta, ...extra }),
  }
}
