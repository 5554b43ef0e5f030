// Counts per key over a rolling window, kept in one-minute buckets so memory stays bounded
// however many events arrive. Replaces the original's "reset every hour on a timer" counters
// (and its never-reset "window" counters): a count here always covers the last `windowMs`.

const BUCKET_MS = 60_000

interface MinuteBucket {
  minute: number
  counts: Map<string, number>
}

export class MinuteCounts {
  private readonly buckets: MinuteBucket[] = []
  private readonly windowMinutes: number

  constructor(windowMs = 3_600_000) {
    this.windowMinutes = Math.max(1, Math.ceil(windowMs / BUCKET_MS))
  }

  add(key: string, at: number, n = 1): void {
    const minute = Math.floor(at / BUCKET_MS)
    let bucket = this.buckets.find((b) => b.minute === minute)
    if (!bucket) {
      bucket = { minute, counts: new Map() }
      this.buckets.push(bucket)
      if (this.buckets.length > 1 && this.buckets[this.buckets.length - 2].minute > minute) this.buckets.sort((a, b) => a.minute - b.minute)
      this.dropBefore(this.buckets[this.buckets.length - 1].minute - this.windowMinutes)
    }
    bucket.counts.set(key, (bucket.counts.get(key) ?? 0) + n)
  }

  /** Per-key totals for the window ending at `now` (the current minute included). */
  totals(now: number): Map<string, number> {
    const out = new Map<string, number>()
    for (const bucket of this.live(now)) for (const [key, n] of bucket.counts) out.set(key, (out.get(key) ?? 0) + n)
    return out
  }

  total(now: number): number {
    let sum = 0
    for (const bucket of this.live(now)) for (const n of bucket.counts.values()) sum += n
    return sum
  }

  count(key: string, now: number): number {
    let sum = 0
    for (const bucket of this.live(now)) sum += bucket.counts.get(key) ?? 0
    return sum
  }

  private live(now: number): MinuteBucket[] {
    const currentMinute = Math.floor(now / BUCKET_MS)
    this.dropBefore(currentMinute - this.windowMinutes + 1)
    return this.buckets.filter((bucket) => bucket.minute <= currentMinute)
  }

  private dropBefore(minute: number): void {
    while (this.buckets.length > 0 && this.buckets[0].minute < minute) this.buckets.shift()
  }
}
