// `<data-dir>/admin.token`: the first admin token, written once (mode 0600) so an operator can
// read it after the one-time print scrolled away. The hub only ever reads it back to re-register
// a token whose hash the store lost (fresh or degraded store): the operator's token keeps working.
import { chmodSync, existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { TOKEN_PATTERN } from './token-hash'

export const ADMIN_TOKEN_FILE = 'admin.token'

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE)
}

/** The token in the file, or null when the file is absent or does not hold a well-formed token. */
export function readAdminTokenFile(path: string): string | null {
  if (!existsSync(path)) return null
  const text = readFileSync(path, 'utf8').trim()
  return TOKEN_PATTERN.test(text) ? text : null
}

/** Atomic write: temp file created 0600, renamed over the target (never readable by others). */
export function writeAdminTokenFile(path: string, token: string): void {
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${token}\n`, { mode: 0o600 })
  chmodSync(temp, 0o600) // the umask cannot widen it, but an existing temp file could have
  renameSync(temp, path)
}
