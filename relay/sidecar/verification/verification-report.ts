// The verification report (sidecar.md §10.3, smart-pipeline.md §9.2) and its pure rules:
// status precedence, summary counting, the empty `skip` / `auto_pass` shapes.

export const CHECK_TYPES = ['file_exists', 'test_passes', 'git_clean', 'command_succeeds'] as const
export type CheckType = (typeof CHECK_TYPES)[number]

export type CheckStatus = 'pass' | 'fail' | 'error' | 'timeout'
export type ReportStatus = 'pass' | 'fail' | 'error' | 'timeout' | 'skip' | 'auto_pass'

export interface CheckResult {
  type: string
  target: string
  description: string | null
  status: CheckStatus
  output: string
  duration_ms: number
}

export interface VerificationSummary {
  total: number
  passed: number
  failed: number
  errors: number
  timed_out: number
}

export interface VerificationReport {
  task_id: string
  run_number: number
  status: ReportStatus
  started_at: number
  duration_ms: number
  timeout_ms: number
  checks: CheckResult[]
  summary: VerificationSummary
}

/** The statuses that end the self-verification loop successfully. */
export function isPassingReport(report: Pick<VerificationReport, 'status'>): boolean {
  return report.status === 'pass' || report.status === 'skip' || report.status === 'auto_pass'
}

/** error > timeout > fail > pass (the hub's reference builder's order; run-all, so every check counts). */
export function overallStatus(checks: readonly Pick<CheckResult, 'status'>[]): 'pass' | 'fail' | 'error' | 'timeout' {
  if (checks.some((c) => c.status === 'error')) return 'error'
  if (checks.some((c) => c.status === 'timeout')) return 'timeout'
  if (checks.some((c) => c.status === 'fail')) return 'fail'
  return 'pass'
}

export function summarize(checks: readonly Pick<CheckResult, 'status'>[]): VerificationSummary {
  return {
    total: checks.length,
    passed: checks.filter((c) => c.status === 'pass').length,
    failed: checks.filter((c) => c.status === 'fail').length,
    errors: checks.filter((c) => c.status === 'error').length,
    timed_out: checks.filter((c) => c.status === 'timeout').length,
  }
}

export function emptySummary(): VerificationSummary {
  return { total: 0, passed: 0, failed: 0, errors: 0, timed_out: 0 }
}

/** `skip` (skip_verification) and `auto_pass` (no steps): no checks, zero summary, 0 ms. */
export function emptyReport(
  status: 'skip' | 'auto_pass',
  base: { task_id: string; run_number: number; started_at: number; timeout_ms: number },
): VerificationReport {
  return { ...base, status, duration_ms: 0, checks: [], summary: emptySummary() }
}

/** Checks whose status is not `pass` — what the corrective prompt calls failed. */
export function failedChecks(report: Pick<VerificationReport, 'checks'> | null): CheckResult[] {
  return (report?.checks ?? []).filter((c) => c.status !== 'pass')
}
