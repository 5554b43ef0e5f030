import t from 'tap'
import { DEFAULT_BACKUP_SCHEDULE, InvalidCronSchedule, nextFireTime, parseCronSchedule } from '../../actors/backup/cron-schedule'

const at = (iso: string) => Date.parse(iso)
const next = (expr: string, from: string) => {
  const fire = nextFireTime(parseCronSchedule(expr), at(from))
  return fire === null ? null : new Date(fire).toISOString()
}

t.test('the default fires daily at 03:00 UTC, strictly after now', async (t) => {
  t.equal(next(DEFAULT_BACKUP_SCHEDULE, '2025-01-01T00:00:00Z'), '2025-01-01T03:00:00.000Z')
  t.equal(next(DEFAULT_BACKUP_SCHEDULE, '2025-01-01T03:00:00Z'), '2025-01-02T03:00:00.000Z')
  t.equal(next(DEFAULT_BACKUP_SCHEDULE, '2025-12-31T03:00:00.500Z'), '2026-01-01T03:00:00.000Z')
})

t.test('seconds field, steps, lists, ranges, names', async (t) => {
  t.equal(next('*/15 * * * * *', '2025-01-01T10:00:07Z'), '2025-01-01T10:00:15.000Z')
  t.equal(next('0 30 9,17 * * *', '2025-03-04T09:30:00Z'), '2025-03-04T17:30:00.000Z')
  // 2025-03-07 is a Friday: the next weekday 08:00 is Monday the 10th
  t.equal(next('0 8 * * mon-fri', '2025-03-07T09:00:00Z'), '2025-03-10T08:00:00.000Z')
  t.equal(next('0 0 1 jan *', '2025-06-01T00:00:00Z'), '2026-01-01T00:00:00.000Z')
  t.equal(next('0 0 * * 7', '2025-01-01T00:00:00Z'), '2025-01-05T00:00:00.000Z', '7 is Sunday')
})

t.test('L is the last day of the month, leap years included', async (t) => {
  t.equal(next('0 12 L * *', '2024-02-01T00:00:00Z'), '2024-02-29T12:00:00.000Z')
  t.equal(next('0 12 L * *', '2025-02-28T12:00:00Z'), '2025-03-31T12:00:00.000Z')
})

t.test('day-of-month and day-of-week must both match (node-cron semantics)', async (t) => {
  // the 13th that is a Friday: 2025-06-13
  t.equal(next('0 0 13 * fri', '2025-01-01T00:00:00Z'), '2025-06-13T00:00:00.000Z')
})

t.test('impossible dates are refused by node-cron; a schedule that never fires yields null', async (t) => {
  t.throws(() => parseCronSchedule('0 0 30 2 *'), /impossible day of month/)
  const never = { ...parseCronSchedule('0 0 30 * *'), months: new Set([2]) }
  t.equal(nextFireTime(never, at('2025-01-01T00:00:00Z')), null)
})

t.test('bad expressions get a clear error naming the expression', async (t) => {
  t.throws(() => parseCronSchedule('every day'), InvalidCronSchedule)
  t.throws(() => parseCronSchedule('61 * * * *'), /backup schedule "61 \* \* \* \*" is not a valid cron expression/)
  t.throws(() => parseCronSchedule(''), /expected a cron expression/)
  t.throws(() => parseCronSchedule('0 0 * * 1#2'), /day-of-week "1#2" is not supported/)
})
