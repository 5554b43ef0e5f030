// The log file of hardening.md §3.1: one JSON line per entry, rotated at `maxBytes`, keeping
// `maxArchives` gzip-compressed archives (`agentcom.log.1.gz` newest … `.N.gz` oldest; the live
// file keeps its name — winston's "tailable" layout).
//
// Why not winston's own File transport: with `maxsize` it drops every line written while it is
// opening a file that needs rotating (winstonjs/winston#1655, reproduced with 3.19: a burst of
// 25 lines at start-up left two empty files). This transport appends synchronously, so a line is
// on disk when the log call returns (nothing is lost on a crash or `process.exit`), and rotates in
// between two lines. Compression is synchronous too (gzip level 1, a few tens of ms per 10 MB),
// which keeps the archive set consistent without a background job.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { gzipSync } from 'node:zlib'
import TransportStream from 'winston-transport'

export const LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
export const LOG_FILE_ARCHIVES = 5

const MESSAGE = Symbol.for('message')

export interface RotatingFileOptions {
  filename: string
  /** rotate before a line would take the file past this size (default 10 MiB) */
  maxBytes?: number
  /** compressed archives kept (default 5) */
  maxArchives?: number
  /** called instead of throwing when the disk refuses a write */
  onError?: (error: Error) => void
}

export class RotatingFileTransport extends TransportStream {
  readonly filename: string
  private readonly maxBytes: number
  private readonly maxArchives: number
  private readonly onError: (error: Error) => void
  private fd: number | null = null
  private size = 0

  constructor(options: RotatingFileOptions) {
    super()
    this.filename = options.filename
    this.maxBytes = options.maxBytes ?? LOG_FILE_MAX_BYTES
    this.maxArchives = options.maxArchives ?? LOG_FILE_ARCHIVES
    this.onError = options.onError ?? ((error) => process.stderr.write(`log file write failed: ${error.message}\n`))
    mkdirSync(dirname(this.filename), { recursive: true })
    this.openFile()
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const text = info[MESSAGE]
    if (typeof text === 'string') this.appendLine(text)
    next()
  }

  /** Appends one line, rotating first when it would overflow the file. */
  appendLine(text: string): void {
    const line = Buffer.from(`${text}\n`, 'utf8')
    try {
      if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate()
      if (this.fd === null) this.openFile()
      writeSync(this.fd!, line)
      this.size += line.length
    } catch (error) {
      this.onError(error as Error)
    }
  }

  /** Archive path for generation `n` (1 = newest). */
  archivePath(n: number): string {
    return `${this.filename}.${n}.gz`
  }

  override close(): void {
    if (this.fd === null) return
    try {
      closeSync(this.fd)
    } catch {
      // already closed by the OS; nothing to flush since writes are synchronous
    }
    this.fd = null
  }

  private openFile(): void {
    this.fd = openSync(this.filename, 'a')
    this.size = fstatSync(this.fd).size
  }

  private rotate(): void {
    this.close()
    rmSync(this.archivePath(this.maxArchives), { force: true })
    for (let n = this.maxArchives - 1; n >= 1; n--) {
      if (existsSync(this.archivePath(n))) renameSync(this.archivePath(n), this.archivePath(n + 1))
    }
    if (this.maxArchives > 0) writeFileSync(this.archivePath(1), gzipSync(readFileSync(this.filename), { level: 1 }))
    rmSync(this.filename, { force: true })
    this.openFile()
  }
}
