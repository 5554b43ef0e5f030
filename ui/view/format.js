// Human-readable numbers and times for the panels.
export const PRIORITY_NAMES = ['urgent', 'high', 'normal', 'low']

export function priorityName(priority) {
  return PRIORITY_NAMES[priority] || (priority === null || priority === undefined ? '—' : String(priority))
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = ms / 1000
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`
  return `${Math.floor(hours / 24)}d ${hours % 24}h`
}

export function formatRelative(timestamp, now) {
  if (!Number.isFinite(timestamp) || timestamp <= 0) return 'never'
  const delta = now - timestamp
  if (delta < 5000) return 'just now'
  if (delta < 60000) return `${Math.floor(delta / 1000)}s ago`
  if (delta < 3600000) return `${Math.floor(delta / 60000)}m ago`
  if (delta < 172800000) return `${Math.floor(delta / 3600000)}h ago`
  return `${Math.floor(delta / 86400000)}d ago`
}

export function formatClock(timestamp) {
  if (!Number.isFinite(timestamp)) return '—'
  return new Date(timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`
}

export function formatNumber(value) {
  return Number.isFinite(value) ? value.toLocaleString('en-US') : '—'
}

export function formatPercent(value, digits = 1) {
  return Number.isFinite(value) ? `${value.toFixed(digits)}%` : '—'
}

export function formatCost(usd) {
  if (!Number.isFinite(usd)) return '—'
  if (usd === 0) return '$0'
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`
}

export function capabilityNames(capabilities) {
  if (!Array.isArray(capabilities)) return ''
  return capabilities.map((capability) => (typeof capability === 'string' ? capability : capability && capability.name)).filter(Boolean).join(', ')
}
