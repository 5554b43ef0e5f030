// Registry operations (smart-pipeline.md §8.2) as pure functions over the priority-ordered
// list (index 0 = highest priority). Each returns a new list; `changed` says whether anything
// differs (a no-op move at an end, or pausing a paused repo, is still OK).
//
// Deviation: an unknown id is `not_found` for every operation (the original answered 200 for
// moves and pauses of ids it did not know).

import { deriveRepoId, nameProblem, normalizeRepoUrl, urlProblem, type RepoEntry, type RepoStatus } from './repo-entry'

export type RepoError = 'already_exists' | 'not_found' | 'invalid_url' | 'invalid_name'

export type RepoResult =
  | { ok: true; repos: RepoEntry[]; entry: RepoEntry; changed: boolean }
  | { ok: false; error: RepoError; detail: string }

export interface AddRepoInput {
  url: unknown
  name?: unknown
  /** who adds it (the HTTP principal's agent_id, or "dashboard"); default "admin" */
  added_by?: string
}

function err(error: RepoError, detail: string): RepoResult {
  return { ok: false, error, detail }
}

function indexOfId(repos: readonly RepoEntry[], id: string): number {
  return repos.findIndex((r) => r.id === id)
}

/** Appends at the lowest priority, status active. Duplicate URL → already_exists. */
export function addRepo(repos: readonly RepoEntry[], input: AddRepoInput, now: number): RepoResult {
  if (typeof input.url !== 'string') return err('invalid_url', 'url must be a string')
  const url = normalizeRepoUrl(input.url)
  const urlIssue = urlProblem(url)
  if (urlIssue) return err('invalid_url', urlIssue)
  if (input.name !== undefined && input.name !== null && typeof input.name !== 'string') return err('invalid_name', 'name must be a string')
  const existing = repos.find((r) => r.url === url)
  if (existing) return err('already_exists', `${url} is registered as ${existing.id}`)
  const id = deriveRepoId(url, repos)
  const name = typeof input.name === 'string' && input.name.trim() !== '' ? input.name.trim() : id
  const nameIssue = nameProblem(name)
  if (nameIssue) return err('invalid_name', nameIssue)
  const entry: RepoEntry = { id, url, name, status: 'active', added_at: Math.trunc(now), added_by: input.added_by ?? 'admin' }
  return { ok: true, repos: [...repos, entry], entry, changed: true }
}

export function removeRepo(repos: readonly RepoEntry[], id: string): RepoResult {
  const at = indexOfId(repos, id)
  if (at < 0) return err('not_found', `no repo with id ${JSON.stringify(id)}`)
  return { ok: true, repos: repos.filter((_, i) => i !== at), entry: repos[at]!, changed: true }
}

function swap(repos: readonly RepoEntry[], id: string, delta: -1 | 1): RepoResult {
  const at = indexOfId(repos, id)
  if (at < 0) return err('not_found', `no repo with id ${JSON.stringify(id)}`)
  const other = at + delta
  if (other < 0 || other >= repos.length) return { ok: true, repos: [...repos], entry: repos[at]!, changed: false }
  const out = [...repos]
  ;[out[at], out[other]] = [out[other]!, out[at]!]
  return { ok: true, repos: out, entry: repos[at]!, changed: true }
}

/** Swaps with the neighbour above (higher priority); no-op at the top. */
export function moveRepoUp(repos: readonly RepoEntry[], id: string): RepoResult {
  return swap(repos, id, -1)
}

/** Swaps with the neighbour below; no-op at the bottom. */
export function moveRepoDown(repos: readonly RepoEntry[], id: string): RepoResult {
  return swap(repos, id, 1)
}

function setStatus(repos: readonly RepoEntry[], id: string, status: RepoStatus): RepoResult {
  const at = indexOfId(repos, id)
  if (at < 0) return err('not_found', `no repo with id ${JSON.stringify(id)}`)
  const current = repos[at]!
  if (current.status === status) return { ok: true, repos: [...repos], entry: current, changed: false }
  const entry = { ...current, status }
  return { ok: true, repos: repos.map((r, i) => (i === at ? entry : r)), entry, changed: true }
}

export function pauseRepo(repos: readonly RepoEntry[], id: string): RepoResult {
  return setStatus(repos, id, 'paused')
}

export function unpauseRepo(repos: readonly RepoEntry[], id: string): RepoResult {
  return setStatus(repos, id, 'active')
}

// ---------------------------------------------------------------------------------------------
// What the scheduler and the submit path read (§8.3, §8.4)
// ---------------------------------------------------------------------------------------------

/** Normalised URLs of registered, paused repos (the scheduler's `paused_repos`). */
export function pausedRepoUrls(repos: readonly RepoEntry[]): string[] {
  return repos.filter((r) => r.status === 'paused').map((r) => r.url)
}

/**
 * A task may be scheduled unless its repo is registered and paused: a null repo and an
 * unregistered (ad-hoc) repo are schedulable. Exact comparison of normalised URLs.
 */
export function isRepoSchedulable(repo: string | null | undefined, repos: readonly RepoEntry[]): boolean {
  if (repo == null) return true
  const entry = repos.find((r) => r.url === repo)
  return entry === undefined || entry.status === 'active'
}

/** Nil-repo inheritance at submit: the URL of the first active repo in priority order. */
export function topActiveRepoUrl(repos: readonly RepoEntry[]): string | null {
  return repos.find((r) => r.status === 'active')?.url ?? null
}

/** The repo a submitted task gets: its own (normalised) when given, else the inherited one. */
export function inheritRepo(repo: unknown, repos: readonly RepoEntry[]): string | null {
  if (typeof repo === 'string') {
    const normalized = normalizeRepoUrl(repo)
    if (normalized !== '') return normalized
  }
  return topActiveRepoUrl(repos)
}
