// Where the operator CLIs find the hub's admin token: --admin-token, --admin-token-file, or the
// AGENTCOM_ADMIN_TOKEN environment variable (in that order).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export const ADMIN_TOKEN_ENV = 'AGENTCOM_ADMIN_TOKEN'

export interface AdminTokenOptions {
  adminToken?: string
  adminTokenFile?: string
}

export class AdminTokenError extends Error {
  override readonly name = 'AdminTokenError'
}

/** The token, undefined when none was given; AdminTokenError when the named file is unusable. */
export function findAdminToken(opts: AdminTokenOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (opts.adminToken !== undefined && opts.adminToken.trim() !== '') return opts.adminToken.trim()
  if (opts.adminTokenFile !== undefined) {
    const file = resolve(opts.adminTokenFile)
    let text: string
    try {
      text = readFileSync(file, 'utf8').trim()
    } catch (err) {
      throw new AdminTokenError(`cannot read the admin token from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    if (text === '') throw new AdminTokenError(`the admin token file ${file} is empty`)
    return text
  }
  const fromEnv = env[ADMIN_TOKEN_ENV]?.trim()
  return fromEnv ? fromEnv : undefined
}

export const NO_ADMIN_TOKEN = `no admin token: pass --admin-token, --admin-token-file (the hub writes <data-dir>/admin.token) or set ${ADMIN_TOKEN_ENV}`
