// Cron expressions for the backup schedule, evaluated against an injected clock.
//
// Why not node-cron's own scheduler: it arms real setTimeouts and reads the wall clock, so a
// test on a virtual clock could never see a scheduled backup without sleeping for a day. We
// let node-cron do what it is good at (validating and expanding the expression, so operators
// get node-cron's syntax and error messages), and compute the next fire time ourselves, in
// UTC, from the expanded fields; the actor then arms one `sendAfter` on its own clock.
import { parse, validateDetailed } from 'node-cron'

/** Daily at 03:00 UTC. */
export const DEFAULT_BACKUP_SCHEDULE = '0 3 * * *'

export class InvalidCronSchedule extends Error {
  override readonly name = 'InvalidCronSchedule'
}

/** The expanded fields of a validated expression; `lastDayOfMonth` stands for node-cron's `L`. */
export interface CronSchedule {
  expression: string
  seconds: readonly number[]
  minutes: readonly number[]
  hours: readonly number[]
  daysOfMonth: ReadonlySet<number>
  lastDayOfMonth: boolean
  /** 1..12 */
  months: ReadonlySet<number>
  /** 0 = Sunday */
  daysOfWeek: ReadonlySet<number>
}

/** Validates with node-cron and expands; throws InvalidCronSchedule with node-cron's reasons. */
export function parseCronSchedule(expression: string): CronSchedule {
  if (typeof expression !== 'string' || expression.trim() === '') throw new InvalidCronSchedule('backup schedule: expected a cron expression such as "0 3 * * *"')
  const validation = validateDetailed(expression)
  if (!validation.valid) {
    const reasons = validation.errors.map((e) => `${e.field}${e.value !== undefined ? ` "${e.value}"` : ''}: ${e.message}`).join('; ')
    throw new InvalidCronSchedule(`backup schedule "${expression}" is not a valid cron expression (${reasons || 'rejected by node-cron'})`)
  }
  const fields = parse(expression)
  const daysOfMonth = new Set<number>()
  let lastDayOfMonth = false
  for (const day of fields.dayOfMonth) {
    if (day === 'L') lastDayOfMonth = true
    else if (typeof day === 'number') daysOfMonth.add(day)
    else throw new InvalidCronSchedule(`backup schedule "${expression}": day-of-month "${day}" is not supported here (numbers, ranges, steps and L are)`)
  }
  const daysOfWeek = new Set<number>()
  for (const day of fields.dayOfWeek) {
    if (typeof day !== 'number') throw new InvalidCronSchedule(`backup schedule "${expression}": day-of-week "${day}" is not supported here (numbers, names, ranges and steps are)`)
    daysOfWeek.add(day % 7)
  }
  return {
    expression,
    seconds: [...fields.second].sort((a, b) => a - b),
    minutes: [...fields.minute].sort((a, b) => a - b),
    hours: [...fields.hour].sort((a, b) => a - b),
    daysOfMonth,
    lastDayOfMonth,
    months: new Set(fields.month),
    daysOfWeek,
  }
}

// Eight years covers every satisfiable combination (Feb 29 on a given weekday recurs within 28).
const SEARCH_DAYS = 366 * 8 + 2
const DAY_MS = 86_400_000

/**
 * The first instant strictly after `after` (ms, UTC) that the schedule matches, at second
 * resolution. Day-of-month and day-of-week are both required to match, as node-cron does.
 * Returns null for a schedule that never fires (e.g. 30 February).
 */
export function nextFireTime(schedule: CronSchedule, after: number): number | null {
  const from = Math.floor(after / 1000) * 1000 + 1000 // strictly later, whole seconds
  const startDay = Math.floor(from / DAY_MS) * DAY_MS
  for (let d = 0; d < SEARCH_DAYS; d++) {
    const dayStart = startDay + d * DAY_MS
    if (!dayMatches(schedule, new Date(dayStart))) continue
    const earliest = d === 0 ? from - dayStart : 0
    const inDay = firstTimeOfDay(schedule, earliest)
    if (inDay !== null) return dayStart + inDay
  }
  return null
}

function dayMatches(schedule: CronSchedule, day: Date): boolean {
  if (!schedule.months.has(day.getUTCMonth() + 1)) return false
  if (!schedule.daysOfWeek.has(day.getUTCDay())) return false
  const dom = day.getUTCDate()
  if (schedule.daysOfMonth.has(dom)) return true
  return schedule.lastDayOfMonth && dom === daysInMonth(day)
}

function daysInMonth(day: Date): number {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate()
}

/** Milliseconds into the day of the first matching second at or after `earliestMs`, or null. */
function firstTimeOfDay(schedule: CronSchedule, earliestMs: number): number | null {
  for (const h of schedule.hours) {
    for (const m of schedule.minutes) {
      const minuteMs = (h * 60 + m) * 60_000
      if (minuteMs + 59_000 < earliestMs) continue
      for (const s of schedule.seconds) {
        const at = minuteMs + s * 1000
        if (at >= earliestMs) return at
      }
    }
  }
  return null
}
