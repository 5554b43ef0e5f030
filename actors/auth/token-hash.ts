// Tokens as the wire sees them (64 lowercase hex, 32 random bytes) and as LMDB keeps them: only
// the SHA-256 of a token is ever stored, so a copy of the data directory leaks no credential.
import { createHash, randomBytes } from 'node:crypto'

export type TokenRole = 'agent' | 'admin'

export const TOKEN_PATTERN = /^[0-9a-f]{64}$/

/** Shown in listings instead of the token: first 8 characters + "..." (protocol.md §4.3). */
export const TOKEN_PREFIX_LENGTH = 8

export function generateToken(): string {
  return randomBytes(32).toString('hex')
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX_LENGTH)
}

export function isTokenRole(value: unknown): value is TokenRole {
  return value === 'agent' || value === 'admin'
}
