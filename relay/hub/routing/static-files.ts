// Serving the dashboard's files from ui/. Files are small; they are read per request so an
// edited dashboard shows up without a restart.
import { readFile } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { json } from '../transport/http-reply'
import type { HttpReply } from '../transport/types'
import type { RoutedRequest } from './router'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream'
}

/** One file as a 200 reply, or 404 {"error":"not_found"} when it is missing or not a file. */
export async function fileReply(filePath: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  try {
    const body = await readFile(filePath)
    return { status: 200, headers: { 'content-type': contentTypeFor(filePath), 'cache-control': 'no-cache', ...headers }, body }
  } catch {
    return json(404, { error: 'not_found' })
  }
}

/**
 * Route handler for a wildcard route, e.g. `router.get('/ui/*', staticDirectory(uiDir))`.
 * Paths escaping `root` (`..`, encoded or not) answer 404, never a file outside it.
 */
export function staticDirectory(root: string): (req: RoutedRequest<{ readonly '*': string }>) => Promise<HttpReply> {
  const base = resolve(root)
  return async (req) => {
    const relative = req.params['*']
    const target = resolve(base, relative)
    if (relative.includes('\0') || !target.startsWith(base + sep)) return json(404, { error: 'not_found' })
    return fileReply(target)
  }
}
