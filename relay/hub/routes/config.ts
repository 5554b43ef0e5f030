// HTTP configuration (protocol.md §4.7). Reads: auth as the spec (T, none, B); writes need an
// admin token. Alert thresholds are validated (PutAlertThresholdsSchema, 422 on bad input) and
// merged over the current map, and the stored values are what the alerter reads.
import type { RouteModule } from '../http/route-module'
import { authorize } from '../http/auth-guard'
import { json } from '../transport/http-reply'
import { ACTOR } from '../../../actors/names'
import { mergeAlertThresholds, type ConfigCall, type ConfigValue } from '../../../actors/config'
import { validateHttpBody } from '../../protocol'

export const configRoutes: RouteModule = (router, hub) => {
  const config = hub.system.byName<ConfigCall>(ACTOR.config)
  const get = (key: string) => config.call<ConfigValue>({ type: 'get', key })
  const set = (key: string, value: ConfigValue) => config.call({ type: 'set', key, value })

  router.get('/api/config/heartbeat-interval', async (req) => {
    const auth = await authorize(hub, req, { style: 'token', role: 'agent' })
    if (!auth.ok) return auth.reply
    return json(200, { heartbeat_interval_ms: await get('heartbeat_interval_ms') })
  })

  router.put('/api/config/heartbeat-interval', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'admin' })
    if (!auth.ok) return auth.reply
    const body = validateHttpBody('put_heartbeat_interval', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    await set('heartbeat_interval_ms', body.body.heartbeat_interval_ms)
    return json(200, { heartbeat_interval_ms: body.body.heartbeat_interval_ms, status: 'updated' })
  })

  router.get('/api/config/mailbox-retention', async (req) => {
    const auth = await authorize(hub, req, { style: 'token', role: 'agent' })
    if (!auth.ok) return auth.reply
    return json(200, { mailbox_ttl_ms: await get('mailbox_ttl_ms') })
  })

  router.put('/api/config/mailbox-retention', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'admin' })
    if (!auth.ok) return auth.reply
    const body = validateHttpBody('put_mailbox_retention', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    await set('mailbox_ttl_ms', body.body.mailbox_ttl_ms)
    return json(200, { mailbox_ttl_ms: body.body.mailbox_ttl_ms, status: 'updated' })
  })

  router.get('/api/config/default-repo', async () => {
    const repo = await get('default_repo')
    const defaultRepo = typeof repo === 'string' ? repo : null
    return json(200, { default_repo: defaultRepo, configured: defaultRepo !== null })
  })

  router.put('/api/config/default-repo', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'admin' })
    if (!auth.ok) return auth.reply
    const body = validateHttpBody('put_default_repo', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    await set('default_repo', body.body.url)
    return json(200, { status: 'ok', default_repo: body.body.url })
  })

  router.get('/api/config/alert-thresholds', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'agent' })
    if (!auth.ok) return auth.reply
    return json(200, await get('alert_thresholds'))
  })

  router.put('/api/config/alert-thresholds', async (req) => {
    const auth = await authorize(hub, req, { style: 'bearer', role: 'admin' })
    if (!auth.ok) return auth.reply
    const body = validateHttpBody('put_alert_thresholds', req.jsonObject())
    if (!body.ok) return json(body.status, body.response)
    // read-merge-write through one actor per request; concurrent PUTs are last-writer-wins
    const merged = mergeAlertThresholds(await get('alert_thresholds'), body.body)
    await set('alert_thresholds', merged)
    return json(200, { status: 'updated', effective: 'next_check_cycle' })
  })
}
