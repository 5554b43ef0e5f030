// HTTP side of the dashboard (protocol.md §4.1, ui/README.md "What the hub serves"):
//   GET /dashboard              ui/index.html under the page's Content-Security-Policy
//   GET /ui/*                   files of ui/ (no auth: they hold no data)
//   GET /ui/vendor/*            node_modules/uplot/dist (no CDN)
//   GET /sw.js                  ui/sw.js with Service-Worker-Allowed: /
//   GET /api/dashboard/state        Bearer (admin or agent token) → snapshot (§5.3)
//   GET /api/dashboard/vapid-key    Bearer → {vapid_public_key}
//   POST /api/dashboard/push-subscribe  Bearer, body PushSubscription.toJSON() → {status:"subscribed"}
// The original served the three /api/dashboard calls without auth.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ACTOR } from '../../../actors/names'
import { authorize } from '../http/auth-guard'
import { callActor } from '../http/actor-call'
import type { RouteModule } from '../http/route-module'
import { fileReply, staticDirectory } from '../routing'
import { json } from '../transport'
import { fetchSnapshot } from './dashboard-commands'

/**
 * ui/ sits at the project root: three levels up from the sources, four from dist/. A copy of the
 * sources without package.json (a test build) keeps ui/ three levels up.
 */
export const UI_DIR = join(projectRoot(__dirname) ?? resolve(__dirname, '../../..'), 'ui')
export const UPLOT_DIST_DIR = join(dirname(require.resolve('uplot/package.json')), 'dist')

/** The nearest folder above `from` holding this project's package.json, or null. */
export function projectRoot(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (isAgentcomPackage(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) return null
  }
}

function isAgentcomPackage(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'agentcom'
  } catch {
    return false
  }
}

/** The policy ui/README.md recommends; the page works under exactly this. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

export interface DashboardRouteOptions {
  uiDir?: string
  vendorDir?: string
}

export function dashboardRoutesWith(options: DashboardRouteOptions = {}): RouteModule {
  const uiDir = options.uiDir ?? UI_DIR
  const vendorDir = options.vendorDir ?? UPLOT_DIST_DIR
  return (router, hub) => {
    router.get('/dashboard', () =>
      fileReply(join(uiDir, 'index.html'), { 'content-security-policy': DASHBOARD_CSP, 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' }),
    )
    router.get('/ui/vendor/*', staticDirectory(vendorDir))
    router.get('/ui/*', staticDirectory(uiDir))
    router.get('/sw.js', () => fileReply(join(uiDir, 'sw.js'), { 'service-worker-allowed': '/' }))

    router.get('/api/dashboard/state', async (req) => {
      const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
      if (!auth.ok) return auth.reply
      return json(200, await fetchSnapshot(hub.system, hub.now()))
    })

    router.get('/api/dashboard/vapid-key', async (req) => {
      const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
      if (!auth.ok) return auth.reply
      const key = await callActor<string>(hub, ACTOR.notifier, { type: 'vapid_public_key' })
      return json(200, { vapid_public_key: key })
    })

    router.post('/api/dashboard/push-subscribe', async (req) => {
      const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
      if (!auth.ok) return auth.reply
      const body = req.json()
      try {
        const reply = await callActor<{ status: string }>(hub, ACTOR.notifier, { type: 'subscribe', subscription: body, subscribed_by: auth.principal.agent_id })
        return json(200, reply)
      } catch (error) {
        if (error instanceof Error && error.name === 'SubscriptionRejected') return json(400, { error: 'invalid_subscription', detail: error.message })
        throw error
      }
    })
  }
}

/** The dashboard's route module (default ui/ and uPlot locations). */
export const dashboardRoutes: RouteModule = dashboardRoutesWith()
