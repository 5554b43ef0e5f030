import t from 'tap'
import { HTTP_ACTION_TIERS, RATE_LIMIT_BACKOFF_MS, RATE_LIMIT_DEFAULTS, WS_RATE_EXEMPT_TYPES, WS_TYPES, WS_TYPE_TIERS, httpTierOf, wsTierOf } from '../../relay/protocol'

t.test('every accepted WS type has the tier of hardening.md §5.2', async (t) => {
  t.same(Object.keys(WS_TYPE_TIERS).sort(), [...WS_TYPES])
  const byTier = (tier: string) => WS_TYPES.filter((type) => WS_TYPE_TIERS[type] === tier)
  t.same(byTier('light'), ['channel_history', 'list_agents', 'list_channels', 'ping', 'status'])
  t.same(byTier('heavy'), ['identify'])
  t.same(byTier('normal'), [
    'channel_publish', 'channel_subscribe', 'channel_unsubscribe', 'message', 'ollama_report', 'resource_report',
    'task_accepted', 'task_complete', 'task_failed', 'task_progress', 'task_recovering', 'task_rejected',
  ])
  t.equal(wsTierOf('ping'), 'light')
  t.equal(wsTierOf('something_new'), 'normal', 'unlisted types default to normal')
  t.equal(wsTierOf('__proto__'), 'normal')
  t.same([...WS_RATE_EXEMPT_TYPES].sort(), ['task_complete', 'task_failed'])
})

t.test('HTTP actions and their tiers', async (t) => {
  const enforced = (tier: string) => Object.entries(HTTP_ACTION_TIERS).filter(([, a]) => a.tier === tier && a.enforced).map(([k]) => k).sort()
  t.same(enforced('light'), ['get_agents', 'get_channels', 'get_metrics', 'get_tasks'])
  t.same(enforced('normal'), ['get_channel_info', 'get_task_detail', 'post_channel_publish', 'post_channel_subscribe', 'post_channel_unsubscribe', 'post_message', 'post_task_retry'])
  t.same(enforced('heavy'), ['post_admin_push_task', 'post_channel', 'post_onboard_register', 'post_task'])
  const byIp = Object.entries(HTTP_ACTION_TIERS).filter(([, a]) => a.principal === 'ip' && a.enforced).map(([k]) => k).sort()
  t.same(byIp, ['get_agents', 'get_channel_info', 'get_channels', 'get_metrics', 'post_onboard_register'])
  t.equal(httpTierOf('post_task'), 'heavy')
  t.equal(httpTierOf('unlisted'), 'normal')
  t.equal(httpTierOf('toString'), 'normal')
})

t.test('bucket defaults and backoff ladder', async (t) => {
  t.same(RATE_LIMIT_DEFAULTS, {
    light: { capacity: 120, refill_rate_per_min: 120 },
    normal: { capacity: 60, refill_rate_per_min: 60 },
    heavy: { capacity: 10, refill_rate_per_min: 10 },
  })
  t.same([...RATE_LIMIT_BACKOFF_MS], [1000, 2000, 5000, 10000, 30000])
})
