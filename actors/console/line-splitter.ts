// Splits a byte stream into lines (the console's JSON-lines framing), bounded in length.

export type LineEvent = { type: 'line'; line: string } | { type: 'overflow' }

export class LineSplitter {
  private pending = ''

  constructor(private readonly maxLineBytes: number) {}

  /** Feeds a chunk; returns the complete lines it finished (and `overflow` once a line is too long). */
  push(chunk: string): LineEvent[] {
    const events: LineEvent[] = []
    let text = this.pending + chunk
    let newline = text.indexOf('\n')
    while (newline !== -1) {
      const line = text.slice(0, newline).replace(/\r$/, '')
      if (Buffer.byteLength(line) > this.maxLineBytes) events.push({ type: 'overflow' })
      else if (line.trim() !== '') events.push({ type: 'line', line })
      text = text.slice(newline + 1)
      newline = text.indexOf('\n')
    }
    if (Buffer.byteLength(text) > this.maxLineBytes) {
      events.push({ type: 'overflow' })
      text = ''
    }
    this.pending = text
    return events
  }
}
