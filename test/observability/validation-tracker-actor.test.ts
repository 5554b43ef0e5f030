// The validation-tracker actor: records identified validation disconnects from topic
// `validation` and answers the identify check with the 30 s / 60 s / 5 min ladder, decaying.
import t from 'tap'
import { ValidationTrackerActor } from '../../actors/validation-tracker/actor'
import type { IdentifyAdmission } from '../../actors/validation-tracker'
import { ACTOR, TOPIC } from '../../actors/names'
import { createTestSystem } from '../../actors/runtime'

t.test('cooldown ladder across reconnects, from bus events; unidentified ones ignored', async (t) => {
  const { system, clock, shutdown } = createTestSystem({ start: 1_000_000 })
  t.teardown(shutdown)
  const tracker = await system.spawn(ValidationTrackerActor, undefined, { name: ACTOR.validationTracker })
  const admit = (agent: string) => tracker.call<IdentifyAdmission>({ type: 'admit_identify', agent_id: agent })
  const disconnect = async (agent: string | null) => {
    system.bus.publish(TOPIC.validation, { type: 'validation_disconnect', agent_id: agent, timestamp: clock.now() })
    await clock.settle()
  }
  await disconnect(null)
  t.same(await admit('a'), { ok: true })

  await disconnect('a')
  t.same(await admit('a'), { ok: false, code: 1008, reason: 'cooldown active: retry in 31s', remaining_ms: 30_000 })
  await clock.advance(29_999)
  t.match(await admit('a'), { ok: false, reason: 'cooldown active: retry in 1s' })
  await clock.advance(1)
  t.same(await admit('a'), { ok: true }, '30 s after the first')
  await disconnect('a')
  t.match(await admit('a'), { ok: false, remaining_ms: 60_000 })
  await clock.advance(60_000)
  await disconnect('a')
  t.match(await admit('a'), { ok: false, remaining_ms: 300_000 })
  // decay: 10 quiet minutes forget one disconnect
  await clock.advance(600_000)
  t.same(await tracker.call({ type: 'get', agent_id: 'a' }), { disconnect_count: 2, last_disconnect_at: 1_000_000 + 90_000 })
  await clock.advance(1_200_000)
  t.same(await tracker.call({ type: 'get', agent_id: 'a' }), null, 'clean after 30 quiet minutes')
  await t.rejects((tracker as unknown as { call(m: object): Promise<unknown> }).call({ type: 'admit_identify' }), /agent_id/)
})
