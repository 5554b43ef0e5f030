// The HTTP routes protocol.md documents, read from its tables (`| METHOD | `/path` | …`), so the
// route audit follows the spec instead of a hand-kept list.
import { readFileSync } from 'node:fs'

export interface DocumentedRoute {
  method: string
  /** As documented, params kept (`/api/tasks/:task_id`), query string dropped. */
  path: string
}

export const PROTOCOL_SPEC = '/work/shared/spec/protocol.md'

const ROW = /^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*(`[^|]*`(?:\s*\\\|\s*`[^`]*`)*)\s*\|/

/** Every route row; `/a/:id/move-up` \| `/move-down` rows yield both paths. */
export function documentedRoutes(markdown: string): DocumentedRoute[] {
  const routes: DocumentedRoute[] = []
  for (const line of markdown.split('\n')) {
    const match = ROW.exec(line)
    if (!match) continue
    const method = match[1]!
    const variants = [...match[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.split('?')[0]!.trim())
    const first = variants[0]!
    routes.push({ method, path: first })
    for (const suffix of variants.slice(1)) routes.push({ method, path: replaceLastSegment(first, suffix) })
  }
  return dedupe(routes)
}

export function readDocumentedRoutes(file = PROTOCOL_SPEC): DocumentedRoute[] {
  return documentedRoutes(readFileSync(file, 'utf8'))
}

/** A concrete path for a documented one: every `:param` becomes a harmless value. */
export function concretePath(path: string): string {
  return path.replace(/:([a-z_]+)/g, (_, name: string) => `audit-${name.replace(/_/g, '-')}`)
}

function replaceLastSegment(path: string, suffix: string): string {
  return path.slice(0, path.lastIndexOf('/')) + suffix
}

function dedupe(routes: DocumentedRoute[]): DocumentedRoute[] {
  const seen = new Set<string>()
  return routes.filter((r) => {
    const key = `${r.method} ${r.path}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
