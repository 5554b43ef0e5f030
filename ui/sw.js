// Service worker for dashboard push notifications (hardening.md §7.4). Served by the hub at /sw.js
// with `Service-Worker-Allowed: /` so its scope covers /dashboard.
const DEFAULT_TAG = 'agentcom-alert'
const DASHBOARD_PATH = '/dashboard'

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

function readPayload(event) {
  if (!event.data) return {}
  try {
    const parsed = event.data.json()
    return parsed && typeof parsed === 'object' ? parsed : { body: String(parsed) }
  } catch {
    return { body: event.data.text() }
  }
}

self.addEventListener('push', (event) => {
  const payload = readPayload(event)
  const title = typeof payload.title === 'string' && payload.title ? payload.title : 'AgentCom'
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof payload.body === 'string' ? payload.body : '',
      icon: typeof payload.icon === 'string' ? payload.icon : '/favicon.ico',
      tag: typeof payload.tag === 'string' && payload.tag ? payload.tag : DEFAULT_TAG,
      renotify: true,
      data: payload.data && typeof payload.data === 'object' ? payload.data : {},
    }),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const dashboard = windows.find((client) => new URL(client.url).pathname === DASHBOARD_PATH)
      if (dashboard) return dashboard.focus()
      return self.clients.openWindow(DASHBOARD_PATH)
    })(),
  )
})
