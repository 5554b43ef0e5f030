// Storage and backup health, rate limits, validation failures.
import { h, meter, pill, stat, table } from '../dom.js'
import { formatBytes, formatClock, formatNumber, formatRelative } from '../format.js'

const STALE_BACKUP_MS = 48 * 3600000

/** `tables` may come as a list of rows or as a map keyed by table name. */
export function storageTables(detsHealth) {
  const tables = detsHealth && detsHealth.tables
  if (Array.isArray(tables)) return tables.map((row) => ({ ...row, table: row.table || row.name }))
  if (tables && typeof tables === 'object') return Object.entries(tables).map(([name, row]) => ({ ...row, table: row.table || name }))
  return []
}

export const storagePanel = {
  mount: 'storage-body',
  deps: (s) => [s.snapshot, s.storageActivity, s.clock],
  render(s, { now }) {
    const health = (s.snapshot && s.snapshot.dets_health) || {}
    const rows = storageTables(health)
    const lastBackup = health.last_backup_at
    const backupStale = !lastBackup || now - lastBackup > STALE_BACKUP_MS
    return h(
      'div',
      null,
      h(
        'div',
        { class: 'mini-stats' },
        h('span', { testid: 'last-backup' }, 'last backup ', h('b', { class: backupStale ? 'text-warn' : '' }, lastBackup ? formatRelative(lastBackup, now) : 'never')),
        h('span', null, 'last compaction ', h('b', null, health.last_compaction_at ? formatRelative(health.last_compaction_at, now) : 'never')),
      ),
      table(
        ['Table', 'Records', 'Size', 'Fragmentation', 'Status'],
        rows.map((row) =>
          h(
            'tr',
            { testid: `storage-row-${row.table}` },
            h('td', { class: 'mono' }, row.table),
            h('td', { class: 'num' }, formatNumber(row.record_count)),
            h('td', { class: 'num' }, formatBytes(row.file_size_bytes)),
            h('td', null, meter((row.fragmentation_ratio || 0) * 100, { tone: (row.fragmentation_ratio || 0) > 0.5 ? 'bad' : 'good' })),
            h('td', null, pill(row.status || 'unknown', row.status === 'ok' ? 'good' : 'bad')),
          ),
        ),
        { testid: 'storage-table', empty: 'No storage figures yet' },
      ),
      s.storageActivity.length
        ? h(
            'ul',
            { class: 'activity', testid: 'storage-activity' },
            s.storageActivity.slice(0, 6).map((entry) => h('li', { class: `activity-${entry.level}` }, h('span', { class: 'event-time' }, formatClock(entry.at)), entry.text)),
          )
        : null,
    )
  },
}

export const rateLimitPanel = {
  mount: 'rate-limit-body',
  deps: (s) => [s.snapshot],
  render(s) {
    const limits = (s.snapshot && s.snapshot.rate_limits) || {}
    const summary = limits.summary || {}
    const offenders = Array.isArray(summary.top_offenders) ? summary.top_offenders : []
    return h(
      'div',
      null,
      h(
        'div',
        { class: 'stats-row' },
        stat('violations', formatNumber(summary.total_violations_1h ?? 0), { testid: 'rate-violations' }),
        stat('rate limited now', formatNumber(summary.active_rate_limited ?? 0), { testid: 'rate-limited-count' }),
        stat('exempt', formatNumber(summary.exempt_count ?? 0)),
      ),
      table(
        ['Top offender', 'Violations', ''],
        offenders.map((offender) => [
          h('td', { class: 'mono' }, offender.agent_id || offender.principal || '—'),
          h('td', { class: 'num' }, formatNumber(offender.count ?? offender.violations ?? offender.total_in_window)),
          h('td', null, offender.rate_limited ? pill('limited', 'bad') : ''),
        ]),
        { testid: 'rate-offenders', empty: 'No violations' },
      ),
    )
  },
}

export const validationPanel = {
  mount: 'validation-body',
  deps: (s) => [s.snapshot, s.clock],
  render(s, { now }) {
    const validation = (s.snapshot && s.snapshot.validation) || {}
    const perAgent = Object.entries(validation.failure_counts_by_agent || {}).sort((a, b) => b[1] - a[1])
    const failures = Array.isArray(validation.recent_failures) ? validation.recent_failures : []
    const disconnects = Array.isArray(validation.recent_disconnects) ? validation.recent_disconnects : []
    return h(
      'div',
      null,
      h(
        'div',
        { class: 'stats-row' },
        stat('failures this hour', formatNumber(validation.total_failures_this_hour ?? 0), { testid: 'validation-total' }),
        stat('agents failing', formatNumber(perAgent.length)),
        stat('disconnects', formatNumber(disconnects.length)),
      ),
      table(
        ['Agent', 'Message type', 'Errors', 'When'],
        failures.slice(0, 8).map((failure) => [
          h('td', { class: 'mono' }, failure.agent_id || '—'),
          h('td', { class: 'mono' }, failure.message_type || '—'),
          h('td', { class: 'num' }, formatNumber(failure.error_count)),
          h('td', { class: 'cell-sub' }, formatRelative(failure.timestamp, now)),
        ]),
        { testid: 'validation-failures', empty: 'No validation failures' },
      ),
    )
  },
}
