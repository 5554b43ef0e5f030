// The per-frame / per-request id of hardening.md §3.1: 16 lowercase hex characters, log-only.
import { randomBytes } from 'node:crypto'

export function newRequestId(): string {
  return randomBytes(8).toString('hex')
}
