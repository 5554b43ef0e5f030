// Newline-delimited JSON arrives in arbitrary TCP / pipe chunks: a line may be split across
// chunks, several lines may share one, and a multi-byte character may straddle a boundary.
import { StringDecoder } from 'node:string_decoder'

/** Reassembles complete lines from byte or string chunks. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private pending = ''

  /** Returns the lines completed by this chunk (without their terminators). */
  push(chunk: Buffer | string): string[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    const parts = this.pending.split('\n')
    this.pending = parts.pop() ?? ''
    return parts.map(stripCarriageReturn)
  }

  /** Returns the unterminated last line, if any, once the stream has ended. */
  end(): string[] {
    const rest = this.pending + this.decoder.end()
    this.pending = ''
    return rest.trim() === '' ? [] : [stripCarriageReturn(rest)]
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}

/** Parses one NDJSON line into an object; blank or unparseable lines give null. */
export function parseJsonLine(line: string): Record<string, unknown> | null {
  const trimmed = line.trim()
  if (trimmed === '') return null
  try {
    const value: unknown = JSON.parse(trimmed)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}
