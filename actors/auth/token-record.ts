// The value stored in table `tokens`, keyed by the token's SHA-256 (never the token itself).
import type { TokenRole } from './token-hash'

export interface TokenRecord {
  agent_id: string
  role: TokenRole
  created_at: number
  /** First 8 characters of the token, for listings. */
  prefix: string
}

/** A row of `GET /admin/tokens` and of the `list` call. */
export interface TokenListing {
  agent_id: string
  role: TokenRole
  token_prefix: string
  created_at: number
}

export function listingOf(record: TokenRecord): TokenListing {
  return { agent_id: record.agent_id, role: record.role, token_prefix: `${record.prefix}...`, created_at: record.created_at }
}

/** Oldest first, so listings are stable across restarts. */
export function byCreation(a: TokenRecord, b: TokenRecord): number {
  return a.created_at - b.created_at || a.agent_id.localeCompare(b.agent_id) || a.prefix.localeCompare(b.prefix)
}

export function isTokenRecord(value: unknown): value is TokenRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return typeof r.agent_id === 'string' && (r.role === 'agent' || r.role === 'admin') && typeof r.created_at === 'number' && typeof r.prefix === 'string'
}
