// The winston logger shared by hub and sidecar (hardening.md §3.1): one JSON object per line,
// `{time, severity, message, metadata}`, to stdout and to `<dataDir>/logs/agentcom.log`
// (rotating, compressed archives), secrets redacted, level changeable at run time
// (`PUT /api/admin/log-level`), child loggers carrying context such as request_id / agent_id.
// It satisfies the runtime's Logger interface (`warn` is the spec's `warning`).
import { join } from 'node:path'
import winston from 'winston'
import TransportStream from 'winston-transport'
import type { LogMeta, Logger } from '../actors/runtime/logger'
import { defaultLogLevel, isLogLevel, WINSTON_LEVELS, type LogLevel, type Severity } from './levels'
import { redactSecrets, redactString } from './redaction'
import { RotatingFileTransport } from './rotating-file'

const MESSAGE = Symbol.for('message')

export const LOG_FILE_NAME = 'agentcom.log'

export interface CreateLoggerOptions {
  /** threshold; default by NODE_ENV (production info, test warning, development debug) */
  level?: LogLevel
  /** when set, lines also go to `<dataDir>/logs/agentcom.log` */
  dataDir?: string
  /** an explicit log file path instead (e.g. the sidecar's configured `log_file`) */
  filePath?: string
  /** true (default) = process.stdout; false = no console output; or any writable stream */
  stdout?: boolean | NodeJS.WritableStream
  /** time source for the `time` field (ms since epoch); default Date.now */
  now?: () => number
  /** metadata on every line of this logger and its children (e.g. `{service: 'hub'}`) */
  defaultMeta?: LogMeta
  /** file rotation overrides (tests); defaults 10 MiB × 5 archives */
  file?: { maxBytes?: number; maxArchives?: number }
}

export interface AgentcomLogger extends Logger {
  notice(message: string, meta?: LogMeta): void
  warning(message: string, meta?: LogMeta): void
  critical(message: string, meta?: LogMeta): void
  log(severity: Severity, message: string, meta?: LogMeta): void
  /** a logger adding `meta` (request_id, agent_id, task_id, module …) to every line */
  child(meta: LogMeta): AgentcomLogger
  /** changes the threshold of this logger, its parent and every child (they share it) */
  setLevel(level: LogLevel): void
  readonly level: LogLevel
  isLevelEnabled(severity: Severity): boolean
  /** the log file path, or null without a dataDir */
  readonly filePath: string | null
  /** flushes pending lines and releases the file */
  close(): Promise<void>
}

/** One log line as written (the JSON object before stringification). */
export interface LogLine {
  time: string
  severity: Severity
  message: string
  metadata: Record<string, unknown>
}

export function createLogger(options: CreateLoggerOptions = {}): AgentcomLogger {
  const level = options.level ?? defaultLogLevel(process.env.NODE_ENV)
  if (!isLogLevel(level)) throw new Error(`invalid log level '${String(level)}'`)
  const now = options.now ?? Date.now
  const transports: TransportStream[] = []
  const stdout = options.stdout ?? true
  if (stdout !== false) transports.push(new LineStreamTransport(stdout === true ? process.stdout : stdout))
  let file: RotatingFileTransport | null = null
  const filename = options.filePath ?? (options.dataDir !== undefined ? logFilePath(options.dataDir) : undefined)
  if (filename !== undefined) {
    file = new RotatingFileTransport({ filename, maxBytes: options.file?.maxBytes, maxArchives: options.file?.maxArchives })
    transports.push(file)
  }
  const root = winston.createLogger({
    levels: { ...WINSTON_LEVELS },
    level,
    format: lineFormat(now),
    transports,
    exitOnError: false,
  })
  // a failing transport must not take the process down
  root.on('error', () => {})
  return new WinstonLogger(root, { ...(options.defaultMeta ?? {}) }, file)
}

/** `<dataDir>/logs/agentcom.log` */
export function logFilePath(dataDir: string): string {
  return join(dataDir, 'logs', LOG_FILE_NAME)
}

/** Renders the `{time, severity, message, metadata}` line. */
function lineFormat(now: () => number): winston.Logform.Format {
  return winston.format((info) => {
    const line: LogLine = {
      time: new Date(now()).toISOString(),
      severity: info.level as Severity,
      message: redactString(String(info.message)),
      metadata: (info.metadata as Record<string, unknown> | undefined) ?? {},
    }
    ;(info as Record<string | symbol, unknown>)[MESSAGE] = JSON.stringify(line)
    return info
  })()
}

class WinstonLogger implements AgentcomLogger {
  constructor(
    private readonly root: winston.Logger,
    private readonly base: LogMeta,
    private readonly file: RotatingFileTransport | null,
  ) {}

  get level(): LogLevel {
    return this.root.level as LogLevel
  }

  get filePath(): string | null {
    return this.file?.filename ?? null
  }

  log(severity: Severity, message: string, meta?: LogMeta): void {
    if (this.root.writableEnded || !this.root.isLevelEnabled(severity)) return
    const metadata = redactSecrets({ ...this.base, ...(meta ?? {}) }) as Record<string, unknown>
    this.root.log({ level: severity, message, metadata })
  }

  debug(message: string, meta?: LogMeta): void {
    this.log('debug', message, meta)
  }
  info(message: string, meta?: LogMeta): void {
    this.log('info', message, meta)
  }
  notice(message: string, meta?: LogMeta): void {
    this.log('notice', message, meta)
  }
  warn(message: string, meta?: LogMeta): void {
    this.log('warning', message, meta)
  }
  warning(message: string, meta?: LogMeta): void {
    this.log('warning', message, meta)
  }
  error(message: string, meta?: LogMeta): void {
    this.log('error', message, meta)
  }
  critical(message: string, meta?: LogMeta): void {
    this.log('critical', message, meta)
  }

  child(meta: LogMeta): AgentcomLogger {
    return new WinstonLogger(this.root, { ...this.base, ...meta }, this.file)
  }

  setLevel(level: LogLevel): void {
    if (!isLogLevel(level)) throw new Error(`invalid log level '${String(level)}'`)
    this.root.level = level
  }

  isLevelEnabled(severity: Severity): boolean {
    return this.root.isLevelEnabled(severity)
  }

  /** Ends the shared root (children included) once every queued line reached its transport. */
  async close(): Promise<void> {
    const transports = this.root.transports.filter((t) => !t.writableFinished)
    const drained = transports.map((t) => new Promise<void>((resolve) => (t.once('finish', resolve), t.once('error', () => resolve()))))
    // ending the logger ends its pipes: each transport finishes after its last line
    if (!this.root.writableEnded) this.root.end()
    await Promise.all(drained)
    this.root.close()
    this.file?.close()
  }
}

/** JSON lines to a writable stream (stdout): never ends the stream it writes to. */
class LineStreamTransport extends TransportStream {
  constructor(private readonly stream: NodeJS.WritableStream) {
    super()
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const text = info[MESSAGE]
    if (typeof text === 'string') {
      try {
        this.stream.write(`${text}\n`)
      } catch {
        // a closed stdout (EPIPE) must not crash the process
      }
    }
    next()
  }
}
