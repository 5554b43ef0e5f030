// The /ws rate check over a real socket with the rate-limiter actor running: 120 pings (light)
// answered, a warning frame below 20 %, the 121st answered with rate_limited (no pong), and the
// agent listed for the scheduler's exclusion.
import t from 'tap'
import { ACTOR } from '../../actors/names'
import { connectAgent, createToken, KINDS, startTestHub, type Frame } from '../hub/harness'

const kind = KINDS.includes('ws') ? 'ws' : KINDS[0]

t.test('light tier on /ws: 120 pings, then rate_limited with retry_after_ms', async (t) => {
  const hub = await startTestHub(t, kind)
  const token = await createToken(hub, 'pinger')
  const client = await connectAgent(t, hub, 'pinger', token)
  const replies: Frame[] = []
  for (let i = 0; i < 121; i++) {
    client.send({ type: 'ping' })
    // a warning frame precedes the pong it concerns
    const frame = await client.next((f) => f.type === 'pong' || f.type === 'rate_limited')
    replies.push(frame)
  }
  t.equal(replies.filter((f) => f.type === 'pong').length, 120, '120 pongs')
  t.match(replies[120], { type: 'rate_limited', retry_after_ms: 1000, tier: 'light' })
  t.ok(client.frames.some((f) => f.type === 'rate_limit_warning'), 'a warning arrived below 20 %')
  t.same(await hub.running.hub.system.byName(ACTOR.rateLimiter).call({ type: 'limited_agents' }), ['pinger'])
})
