// Host metrics (spec sidecar.md §12) and the periodic `resource_report` (§4.3): first report
// 5 s after identified, then every 30 s while identified. Improvements over the original: CPU is
// the real utilisation between two samples (load average is meaningless on Windows), VRAM used
// and total come from `nvidia-smi` when it exists (Ollama's /api/ps sum otherwise), and every
// probe is asynchronous with a timeout so a hung tool never blocks the heartbeat.
import { execFile } from 'node:child_process'
import * as os from 'node:os'
import type { Clock, TimerHandle } from './clock'
import { errorMessage, type EventLog } from './event-log'
import type { ResourceReportFrame } from './frames'

export interface HostMetrics {
  cpu_percent: number | null
  ram_used_bytes: number | null
  ram_total_bytes: number | null
  vram_used_bytes: number | null
  vram_total_bytes: number | null
}

export interface CpuTimes {
  idle: number
  total: number
}

export interface GpuMemory {
  used_bytes: number
  total_bytes: number
}

/** Everything the sampler reads from the outside world; injectable for tests. */
export interface HostProbes {
  cpuTimes(): CpuTimes
  loadAverage1m(): number
  cpuCount(): number
  totalMemory(): number
  freeMemory(): number
  /** summed over all GPUs; null when nvidia-smi is missing or fails */
  gpuMemory(timeoutMs: number): Promise<GpuMemory | null>
  /** sum of `size_vram` from Ollama's /api/ps; null on any error */
  ollamaVramUsed(ollamaUrl: string, timeoutMs: number): Promise<number | null>
}

export const PROBE_TIMEOUT_MS = 5_000
const MIB = 1024 * 1024

export class HostMetricsSampler {
  private previousCpu: CpuTimes

  constructor(
    private readonly probes: HostProbes = systemProbes(),
    private readonly ollamaUrl: string | null = null,
  ) {
    this.previousCpu = probes.cpuTimes()
  }

  async sample(): Promise<HostMetrics> {
    const [gpu, ollamaVram] = await Promise.all([
      this.probes.gpuMemory(PROBE_TIMEOUT_MS).catch(() => null),
      this.ollamaUrl ? this.probes.ollamaVramUsed(this.ollamaUrl, PROBE_TIMEOUT_MS).catch(() => null) : Promise.resolve(null),
    ])
    const total = safeNumber(() => this.probes.totalMemory())
    const free = safeNumber(() => this.probes.freeMemory())
    return {
      cpu_percent: this.cpuPercent(),
      ram_total_bytes: total,
      ram_used_bytes: total !== null && free !== null ? total - free : null,
      vram_used_bytes: gpu ? gpu.used_bytes : ollamaVram,
      vram_total_bytes: gpu ? gpu.total_bytes : null,
    }
  }

  private cpuPercent(): number | null {
    try {
      const now = this.probes.cpuTimes()
      const percent = cpuPercentBetween(this.previousCpu, now)
      this.previousCpu = now
      if (percent !== null) return percent
      const count = this.probes.cpuCount()
      return count > 0 ? roundPercent((this.probes.loadAverage1m() / count) * 100) : null
    } catch {
      return null
    }
  }
}

/** Busy share of CPU time between two snapshots, 0–100 rounded to 0.1; null if no time passed. */
export function cpuPercentBetween(before: CpuTimes, after: CpuTimes): number | null {
  const total = after.total - before.total
  if (total <= 0) return null
  return roundPercent(((total - (after.idle - before.idle)) / total) * 100)
}

function roundPercent(value: number): number {
  return Math.min(100, Math.max(0, Math.round(value * 10) / 10))
}

function safeNumber(read: () => number): number | null {
  try {
    const value = read()
    return Number.isFinite(value) ? value : null
  } catch {
    return null
  }
}

/** Parses `nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader,nounits` (MiB). */
export function parseNvidiaSmiMemory(text: string): GpuMemory | null {
  let used = 0
  let total = 0
  let gpus = 0
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue
    const [u, t] = line.split(',').map((s) => Number(s.trim()))
    if (!Number.isFinite(u) || !Number.isFinite(t)) return null
    used += u
    total += t
    gpus++
  }
  return gpus === 0 ? null : { used_bytes: used * MIB, total_bytes: total * MIB }
}

/** Sum of `size_vram` over `models[]` of an Ollama /api/ps body; null when the shape is wrong. */
export function sumOllamaVram(body: unknown): number | null {
  const models = (body as { models?: unknown })?.models
  if (!Array.isArray(models)) return null
  return models.reduce((sum: number, m: unknown) => {
    const v = (m as { size_vram?: unknown })?.size_vram
    return sum + (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  }, 0)
}

export function systemProbes(nvidiaSmi = 'nvidia-smi'): HostProbes {
  let nvidiaMissing = false
  return {
    cpuTimes: () => {
      let idle = 0
      let total = 0
      for (const cpu of os.cpus()) {
        const t = cpu.times
        idle += t.idle
        total += t.user + t.nice + t.sys + t.idle + t.irq
      }
      return { idle, total }
    },
    loadAverage1m: () => os.loadavg()[0],
    cpuCount: () => os.cpus().length,
    totalMemory: () => os.totalmem(),
    freeMemory: () => os.freemem(),
    gpuMemory: (timeoutMs) => {
      if (nvidiaMissing) return Promise.resolve(null)
      return new Promise((resolve) => {
        execFile(
          nvidiaSmi,
          ['--query-gpu=memory.used,memory.total', '--format=csv,noheader,nounits'],
          { timeout: timeoutMs, windowsHide: true },
          (err, stdout) => {
            if (err) {
              // a missing binary will not appear later; do not spawn it every 30 s
              if ((err as NodeJS.ErrnoException).code === 'ENOENT') nvidiaMissing = true
              resolve(null)
              return
            }
            resolve(parseNvidiaSmiMemory(stdout))
          },
        )
      })
    },
    ollamaVramUsed: async (ollamaUrl, timeoutMs) => {
      const res = await fetch(new URL('/api/ps', ollamaUrl), { signal: AbortSignal.timeout(timeoutMs) })
      if (res.status !== 200) return null
      return sumOllamaVram(await res.json())
    },
  }
}

export interface ResourceReporterOptions {
  agentId: string
  sampler: Pick<HostMetricsSampler, 'sample'>
  send: (frame: ResourceReportFrame) => boolean
  isIdentified: () => boolean
  clock: Clock
  log: EventLog
  firstDelayMs?: number
  intervalMs?: number
}

export class ResourceReporter {
  private timer: TimerHandle | null = null
  private generation = 0

  constructor(private readonly o: ResourceReporterOptions) {}

  /** (Re)starts the schedule: first report after 5 s, then every 30 s. */
  onIdentified(): void {
    this.stop()
    this.schedule(this.o.firstDelayMs ?? 5_000, ++this.generation)
  }

  onDisconnected(): void {
    this.stop()
  }

  stop(): void {
    this.o.clock.clearTimeout(this.timer)
    this.timer = null
    this.generation++
  }

  private schedule(delayMs: number, generation: number): void {
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = null
      void this.report(generation)
    }, delayMs)
  }

  private async report(generation: number): Promise<void> {
    try {
      const metrics = await this.o.sampler.sample()
      if (generation !== this.generation || !this.o.isIdentified()) return
      this.o.send({ type: 'resource_report', agent_id: this.o.agentId, ...metrics, timestamp: this.o.clock.now() })
    } catch (err) {
      this.o.log.log('warning', 'resource_report_error', { error: errorMessage(err) })
    }
    if (generation === this.generation) this.schedule(this.o.intervalMs ?? 30_000, generation)
  }
}
