// Captured process output is bounded so a verbose command cannot exhaust memory, but unlike the
// original's 1 MiB exec buffer, hitting the bound never turns a passing run into a failure: the
// head and the tail are kept (a failing test's summary is at the end) and the middle is elided.

export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024

export class CappedOutput {
  private readonly head: Buffer[] = []
  private headBytes = 0
  private tail: Buffer[] = []
  private tailBytes = 0
  private omittedBytes = 0
  private readonly headCap: number
  private readonly tailCap: number

  constructor(capBytes = DEFAULT_OUTPUT_CAP_BYTES) {
    this.headCap = Math.floor(capBytes / 2)
    this.tailCap = capBytes - this.headCap
  }

  get truncated(): boolean {
    return this.omittedBytes > 0
  }

  get totalBytes(): number {
    return this.headBytes + this.tailBytes + this.omittedBytes
  }

  append(chunk: Buffer): void {
    let rest = chunk
    if (this.headBytes < this.headCap) {
      const take = Math.min(this.headCap - this.headBytes, rest.length)
      this.head.push(rest.subarray(0, take))
      this.headBytes += take
      rest = rest.subarray(take)
    }
    if (rest.length === 0) return
    this.tail.push(rest)
    this.tailBytes += rest.length
    this.trimTail()
  }

  toString(): string {
    const head = Buffer.concat(this.head).toString('utf8')
    const tail = Buffer.concat(this.tail).toString('utf8')
    if (!this.truncated) return head + tail
    return `${head}\n...(${this.omittedBytes} bytes of output omitted)...\n${tail}`
  }

  private trimTail(): void {
    while (this.tailBytes > this.tailCap) {
      const excess = this.tailBytes - this.tailCap
      const first = this.tail[0]
      if (first.length <= excess) {
        this.tail.shift()
        this.tailBytes -= first.length
        this.omittedBytes += first.length
      } else {
        this.tail[0] = first.subarray(excess)
        this.tailBytes -= excess
        this.omittedBytes += excess
      }
    }
  }
}

/** Cuts text to `max` characters, marking the cut the way the corrective prompt expects. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...(truncated)`
}
