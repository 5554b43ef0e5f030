// The sidecar's log (spec §3, hardening.md §3.1): the shared winston logger of logging/ —
// `{time, severity, message, metadata}` JSON lines, secrets (token…) redacted — written to
// stdout and appended to the config's `log_file` (rotated by size like the hub's log). The
// relay modules write to the narrow EventLog; the actor runtime to its Logger.
import { Writable } from 'node:stream'
import type { Logger } from '../../actors/runtime'
import { createLogger, RotatingFileTransport, type AgentcomLogger } from '../../logging'
import type { SidecarConfig } from './config'
import type { EventLog } from './event-log'

export interface SidecarLogger {
  log: EventLog
  /** for the actor system (supervisor restarts, crashes) */
  runtime: Logger
  close(): Promise<void>
}

export interface SidecarLoggerOptions {
  /** where the console copy goes (default process.stdout) */
  stdout?: NodeJS.WritableStream
  now?: () => number
}

/** Every line to `stdout` and, synchronously (nothing lost on a crash), to the log file. */
function teeStream(stdout: NodeJS.WritableStream, file: RotatingFileTransport): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = chunk.toString()
      try {
        stdout.write(text)
      } catch {
        // a closed stdout (EPIPE) must not stop the file copy
      }
      file.appendLine(text.replace(/\n$/, ''))
      done()
    },
  })
}

export function createSidecarLogger(config: Pick<SidecarConfig, 'agent_id' | 'log_level' | 'log_file'>, opts: SidecarLoggerOptions = {}): SidecarLogger {
  const file = new RotatingFileTransport({ filename: config.log_file })
  const logger = createLogger({
    level: config.log_level,
    stdout: teeStream(opts.stdout ?? process.stdout, file),
    now: opts.now,
    defaultMeta: { module: 'sidecar', agent_id: config.agent_id, pid: process.pid },
  })
  return {
    log: eventLogOf(logger),
    runtime: logger,
    close: async () => {
      await logger.close()
      file.close()
    },
  }
}

export function eventLogOf(logger: AgentcomLogger): EventLog {
  return { log: (level, event, fields) => logger.log(level, event, fields) }
}

/** The runtime's Logger on top of an EventLog (tests pass a MemoryLog). */
export function runtimeLoggerOf(log: EventLog): Logger {
  return {
    debug: (message, meta) => log.log('debug', message, meta),
    info: (message, meta) => log.log('info', message, meta),
    warn: (message, meta) => log.log('warning', message, meta),
    error: (message, meta) => log.log('error', message, meta),
  }
}
