// Black box over real sockets, both transports: channels over HTTP and WS (create, subscribe,
// publish, history, live delivery — also right after an HTTP subscribe), and the config routes.
import t from 'tap'
import { ALERT_THRESHOLD_DEFAULTS } from '../../relay/protocol'
import { startTestHub, TRANSPORTS } from './hub-client'

for (const kind of TRANSPORTS) {
  t.test(`channels and config over ${kind}`, async (t) => {
    const hub = await startTestHub(t, kind)
    const tokens: Record<string, string> = {}
    for (const agent of ['alpha', 'beta', 'gamma']) tokens[agent] = await hub.issueToken(agent)

    t.test('channels over HTTP: create, info, list, 409, 404', async (t) => {
      t.same(await hub.http('POST', '/api/channels', { token: tokens.alpha, body: { name: '#Builds', description: 'CI' } }), {
        status: 201,
        body: { status: 'created', channel: '#Builds' },
      })
      t.same(await hub.http('POST', '/api/channels', { token: tokens.beta, body: { name: 'builds' } }), { status: 409, body: { error: 'channel_exists' } })
      t.match(await hub.http('POST', '/api/channels', { token: tokens.beta, body: { name: '%%%' } }), { status: 422, body: { error: 'validation_failed', errors: [{ field: 'name' }] } })
      t.match(await hub.http('POST', '/api/channels', { token: tokens.beta, body: {} }), { status: 422, body: { errors: [{ field: 'name', error: 'required' }] } })
      t.equal((await hub.http('POST', '/api/channels', { body: { name: 'x' } })).status, 401)
      const info = await hub.http('GET', '/api/channels/%23BUILDS')
      t.match(info, { status: 200, body: { name: 'builds', description: 'CI', subscribers: [], subscriber_count: 0, created_at: Number, created_by: 'alpha' } })
      t.same(await hub.http('GET', '/api/channels/nowhere'), { status: 404, body: { error: 'channel_not_found' } })
      t.match((await hub.http('GET', '/api/channels')).body, { channels: [{ name: 'builds', description: 'CI', subscriber_count: 0, created_at: Number }] })
    })

    t.test('WS subscribe / already_subscribed / publish / history / list_channels / unknown channel', async (t) => {
      const alpha = await hub.connect('alpha', tokens.alpha!)
      const beta = await hub.connect('beta', tokens.beta!)
      t.same(await alpha.request({ type: 'channel_subscribe', channel: '#Builds' }, 'channel_subscribed'), { type: 'channel_subscribed', channel: '#Builds' })
      t.same(await beta.request({ type: 'channel_subscribe', channel: 'builds' }, 'channel_subscribed'), { type: 'channel_subscribed', channel: 'builds' })
      t.same(await alpha.next((f) => f.type === 'channel_agent_joined'), { type: 'channel_agent_joined', channel: 'builds', agent_id: 'beta' })
      t.same(await beta.request({ type: 'channel_subscribe', channel: 'builds' }, 'channel_subscribed'), {
        type: 'channel_subscribed',
        channel: 'builds',
        note: 'already_subscribed',
      })
      t.same(await beta.request({ type: 'channel_subscribe', channel: 'ghost' }, 'channel_subscribed'), { type: 'error', error: 'channel_not_found' })

      const published = await alpha.request({ type: 'channel_publish', channel: '#BUILDS', payload: { build: 1 }, message_type: 'status' }, 'channel_published')
      t.match(published, { type: 'channel_published', channel: '#BUILDS', seq: 1, id: /^[0-9a-f]{16}$/ })
      const live = await beta.next((f) => f.type === 'channel_message')
      t.same(live, { type: 'channel_message', channel: 'builds', id: published.id, from: 'alpha', message_type: 'status', payload: { build: 1 }, reply_to: null, timestamp: live.timestamp })
      await alpha.sync()
      t.same(alpha.all('channel_message'), [], 'no echo to the publisher')

      const history = await beta.request({ type: 'channel_history', channel: 'Builds', limit: 10 }, 'channel_history')
      t.match(history, { type: 'channel_history', channel: 'Builds', messages: [{ seq: 1, message: { id: published.id, from: 'alpha', to: null, type: 'status', payload: { build: 1 } }, stored_at: Number }] })
      t.same(await beta.request({ type: 'channel_history', channel: 'ghost' }, 'channel_history'), { type: 'channel_history', channel: 'ghost', messages: [] })
      t.match(await beta.request({ type: 'list_channels' }, 'channels'), { type: 'channels', channels: [{ name: 'builds', subscriber_count: 2 }] })
      t.same(await beta.request({ type: 'channel_publish', channel: 'ghost', payload: {} }, 'channel_published'), { type: 'error', error: 'channel_not_found' })

      // the mailbox copy of a channel message carries payload.channel; the publisher gets none
      const mailbox = (await hub.http('GET', '/api/mailbox/beta', { token: tokens.beta })).body
      t.match(mailbox.messages.at(-1), { id: published.id, payload: { build: 1, channel: 'builds' } })
      t.equal((await hub.http('GET', '/api/mailbox/alpha', { token: tokens.alpha })).body.count, 0)

      t.same(await beta.request({ type: 'channel_unsubscribe', channel: 'builds' }, 'channel_unsubscribed'), { type: 'channel_unsubscribed', channel: 'builds' })
      t.same(await beta.request({ type: 'channel_unsubscribe', channel: 'ghost' }, 'channel_unsubscribed'), { type: 'error', error: 'channel_not_found' })
      await alpha.request({ type: 'channel_publish', channel: 'builds', payload: { build: 2 } }, 'channel_published')
      await beta.sync()
      t.equal(beta.all('channel_message').length, 1, 'no live delivery after unsubscribe')
      await hub.disconnect(alpha, 'alpha')
      await hub.disconnect(beta, 'beta')
    })

    t.test('HTTP subscribe attaches live delivery to an already open socket (the original waited for the next identify)', async (t) => {
      const gamma = await hub.connect('gamma', tokens.gamma!)
      t.same((await hub.http('POST', '/api/channels/builds/subscribe', { token: tokens.gamma })).body, { status: 'subscribed', channel: 'builds' })
      t.same((await hub.http('POST', '/api/channels/builds/subscribe', { token: tokens.gamma })).body, { status: 'already_subscribed' })
      t.same(await hub.http('POST', '/api/channels/ghost/subscribe', { token: tokens.gamma }), { status: 404, body: { error: 'channel_not_found' } })
      const published = await hub.http('POST', '/api/channels/builds/publish', { token: tokens.alpha, body: { payload: { build: 3 }, type: 'status' } })
      t.same(published.status, 200)
      t.match(published.body, { status: 'published', seq: 3 })
      t.match(await gamma.next((f) => f.type === 'channel_message'), { channel: 'builds', from: 'alpha', payload: { build: 3 }, message_type: 'status' })
      const history = await hub.http('GET', '/api/channels/builds/history?limit=2&since=1')
      t.match(history.body, { channel: 'builds', count: 2, messages: [{ seq: 2 }, { seq: 3 }] })
      t.equal((await hub.http('GET', '/api/channels/builds/history?limit=x')).status, 422)
      t.same((await hub.http('POST', '/api/channels/builds/unsubscribe', { token: tokens.gamma })).body, { status: 'unsubscribed', channel: 'builds' })
      t.same((await hub.http('POST', '/api/channels/ghost/publish', { token: tokens.alpha, body: { payload: {} } })).status, 404)
      t.match(await hub.http('POST', '/api/channels/builds/publish', { token: tokens.alpha, body: {} }), { status: 422, body: { errors: [{ field: 'payload' }] } })
      t.same((await hub.http('GET', '/api/agents/gamma/subscriptions')).body, { agent_id: 'gamma', channels: [] })
      await hub.disconnect(gamma, 'gamma')
    })

    t.test('config routes: defaults, auth styles, admin-only writes, validation, persistence via the actor', async (t) => {
      const admin = hub.adminToken
      t.same((await hub.http('GET', `/api/config/heartbeat-interval?token=${tokens.alpha}`)).body, { heartbeat_interval_ms: 900_000 })
      t.same((await hub.http('GET', '/api/config/heartbeat-interval')).body, { error: 'unauthorized' })
      t.same((await hub.http('PUT', '/api/config/heartbeat-interval', { token: tokens.alpha, body: { heartbeat_interval_ms: 30_000 } })).status, 403, 'agent token: forbidden')
      t.same(await hub.http('PUT', '/api/config/heartbeat-interval', { token: admin, body: { heartbeat_interval_ms: 30_000 } }), {
        status: 200,
        body: { heartbeat_interval_ms: 30_000, status: 'updated' },
      })
      t.same((await hub.http('GET', '/api/config/heartbeat-interval', { token: tokens.alpha })).body, { heartbeat_interval_ms: 30_000 })
      t.equal((await hub.http('PUT', '/api/config/heartbeat-interval', { token: admin, body: { heartbeat_interval_ms: -5 } })).status, 422)

      t.same((await hub.http('GET', '/api/config/mailbox-retention', { token: tokens.alpha })).body, { mailbox_ttl_ms: 604_800_000 })
      t.same((await hub.http('PUT', '/api/config/mailbox-retention', { token: admin, body: { mailbox_ttl_ms: 86_400_000 } })).body, { mailbox_ttl_ms: 86_400_000, status: 'updated' })
      t.equal((await hub.http('PUT', '/api/config/mailbox-retention', { token: admin, body: { mailbox_ttl_ms: 'week' } })).status, 422)

      t.same((await hub.http('GET', '/api/config/default-repo')).body, { default_repo: null, configured: false })
      t.same((await hub.http('PUT', '/api/config/default-repo', { token: admin, body: { url: 'https://example.com/r.git' } })).body, { status: 'ok', default_repo: 'https://example.com/r.git' })
      t.same((await hub.http('GET', '/api/config/default-repo')).body, { default_repo: 'https://example.com/r.git', configured: true })

      t.same((await hub.http('GET', '/api/config/alert-thresholds', { token: tokens.alpha })).body, ALERT_THRESHOLD_DEFAULTS)
      t.equal((await hub.http('GET', `/api/config/alert-thresholds?token=${tokens.alpha}`)).status, 401, 'Bearer only')
      t.same((await hub.http('PUT', '/api/config/alert-thresholds', { token: admin, body: { failure_rate_pct: 25, cooldowns: { stuck_tasks: 1000 } } })).body, {
        status: 'updated',
        effective: 'next_check_cycle',
      })
      t.same((await hub.http('GET', '/api/config/alert-thresholds', { token: admin })).body, {
        ...ALERT_THRESHOLD_DEFAULTS,
        failure_rate_pct: 25,
        cooldowns: { ...ALERT_THRESHOLD_DEFAULTS.cooldowns, stuck_tasks: 1000 },
      })
      t.match(await hub.http('PUT', '/api/config/alert-thresholds', { token: admin, body: { failure_rate_pctt: 25 } }), { status: 422, body: { error: 'validation_failed' } })
      t.match(await hub.http('PUT', '/api/config/alert-thresholds', { token: admin, body: { failure_rate_pct: 'high' } }), { status: 422, body: { error: 'validation_failed' } })
    })
  })
}
