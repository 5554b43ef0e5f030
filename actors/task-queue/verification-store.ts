// The verification report store (smart-pipeline.md §9.3): every report of an accepted
// completion, keyed [task_id, run_number], capped at 1 000 by dropping the oldest `started_at`.
// The queue writes it in the same transaction as the completion, so a report is never stored
// for a completion that did not happen.

import type { Storage, Table } from '../../storage'

export const VERIFICATION_REPORT_CAP = 1000

export type ReportKey = [string, number]

export interface StoredReport extends Record<string, unknown> {
  task_id: string
  run_number: number
  started_at: number
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The reports a completion carries: the history first, then the final report (which wins on the same key). */
export function reportsOf(taskId: string, report: unknown, history: unknown, now: number): StoredReport[] {
  const all = [...(Array.isArray(history) ? history : []), report].filter(isPlainObject)
  return all.map((r) => ({
    ...r,
    task_id: taskId,
    run_number: Number.isInteger(r.run_number) ? (r.run_number as number) : 1,
    started_at: typeof r.started_at === 'number' && Number.isFinite(r.started_at) ? r.started_at : now,
  }))
}

export class VerificationStore {
  private readonly table: Table<ReportKey, StoredReport>
  /** key → started_at of every stored report, to find the oldest without a scan */
  private readonly startedAt = new Map<string, { key: ReportKey; started_at: number }>()

  constructor(storage: Storage, private readonly cap = VERIFICATION_REPORT_CAP) {
    this.table = storage.table<ReportKey, StoredReport>('verification_reports')
    for (const { key, value } of this.table.entries()) this.remember(key, value.started_at)
  }

  /** Call inside a storage transaction: writes the reports and trims to the cap. */
  saveInside(reports: readonly StoredReport[]): void {
    for (const report of reports) {
      const key: ReportKey = [report.task_id, report.run_number]
      void this.table.put(key, report)
      this.remember(key, report.started_at)
    }
    if (this.startedAt.size <= this.cap) return
    const oldest = [...this.startedAt.values()].sort((a, b) => a.started_at - b.started_at)
    for (const { key } of oldest.slice(0, this.startedAt.size - this.cap)) {
      void this.table.remove(key)
      this.startedAt.delete(JSON.stringify(key))
    }
  }

  get size(): number {
    return this.startedAt.size
  }

  get(taskId: string, runNumber: number): StoredReport | undefined {
    return this.table.get([taskId, runNumber])
  }

  /** All reports of a task, run_number ascending. */
  forTask(taskId: string): StoredReport[] {
    return [...this.table.values({ start: [taskId], end: [taskId, Number.MAX_SAFE_INTEGER], inclusiveEnd: true })]
  }

  private remember(key: ReportKey, startedAt: number): void {
    this.startedAt.set(JSON.stringify(key), { key, started_at: startedAt })
  }
}
