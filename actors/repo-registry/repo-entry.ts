// A repository registry entry (smart-pipeline.md §8.1): normalised URL, id, display name.
//
// Deviations from the original:
// - ids do not collide: the original stripped `http(s)://<host>/` and replaced `/` by `-`, so
//   the same owner/name on two hosts (and `a-b/c` vs `a/b-c`) got one id. Here github.com URLs
//   keep the original's id (`https://github.com/notno/AgentCom` → `notno-AgentCom`), other
//   hosts are prefixed with the host (`gitlab.com-o-r`), SSH/scp URLs are treated like their
//   https form (the original kept `git@github.com:o-r`), and an id already taken by another
//   URL gets a short hash of the URL appended.
// - ids and names are safe as path components; a name that could traverse paths is refused.
// - `added_by` is the principal that added the entry (the original always wrote "admin").

import { createHash } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import { normalizeRepoUrl } from '../task-queue/task'

export { normalizeRepoUrl }

export const REPO_STATUSES = ['active', 'paused'] as const
export const RepoStatusSchema = Type.Union(REPO_STATUSES.map((s) => Type.Literal(s)))
export type RepoStatus = Static<typeof RepoStatusSchema>

export const RepoEntrySchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  url: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  status: RepoStatusSchema,
  added_at: Type.Integer(),
  added_by: Type.String(),
})
export type RepoEntry = Static<typeof RepoEntrySchema>

export const MAX_REPO_NAME_LENGTH = 255
const DEFAULT_HOST = 'github.com'

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/

/** Refusal reason for a URL that cannot be registered, or null when it is acceptable. */
export function urlProblem(normalized: string): string | null {
  if (normalized === '') return 'url is empty'
  if (CONTROL_CHARS.test(normalized) || /\s/.test(normalized)) return 'url contains whitespace or control characters'
  return null
}

/** Refusal reason for a display name, or null. Names may become directory names elsewhere. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'name is empty'
  if (name.length > MAX_REPO_NAME_LENGTH) return `name is longer than ${MAX_REPO_NAME_LENGTH} characters`
  if (CONTROL_CHARS.test(name)) return 'name contains control characters'
  if (/[/\\]/.test(name)) return 'name contains a path separator'
  if (name === '.' || name === '..' || name.split(/[/\\]/).includes('..')) return 'name is a relative path component'
  return null
}

/** Host and path of a normalised URL: `https://h/p`, `ssh://git@h/p`, `git@h:p`, or a local path. */
function hostAndPath(url: string): { host: string | null; path: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]*)(?::\d+)?(\/.*)?$/i.exec(url)
  if (withScheme) return { host: withScheme[1]!.toLowerCase() || null, path: withScheme[2] ?? '' }
  const scp = /^(?:[^@/]+@)?([^/:]+):(?!\/\/)(.*)$/.exec(url)
  if (scp) return { host: scp[1]!.toLowerCase(), path: scp[2]! }
  return { host: null, path: url }
}

function slug(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|-+$/g, '')
}

/** The readable id of a normalised URL (before collision handling). */
export function baseRepoId(url: string): string {
  const { host, path } = hostAndPath(url)
  const pathPart = path.split('/').filter((s) => s !== '').join('/')
  const raw = host === null || host === DEFAULT_HOST ? pathPart.replace(/\//g, '-') : `${host}-${pathPart.replace(/\//g, '-')}`
  const id = slug(raw)
  return id === '' ? 'repo' : id
}

export function urlHash(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 8)
}

/** The id for a new entry, unique among `entries` (which must not already hold this URL). */
export function deriveRepoId(url: string, entries: readonly Pick<RepoEntry, 'id'>[]): string {
  const base = baseRepoId(url)
  const taken = new Set(entries.map((e) => e.id))
  if (!taken.has(base)) return base
  const hashed = `${base}-${urlHash(url)}`
  if (!taken.has(hashed)) return hashed
  for (let n = 2; ; n++) if (!taken.has(`${hashed}-${n}`)) return `${hashed}-${n}`
}
