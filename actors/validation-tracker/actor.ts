// The `validation-tracker` actor (hardening.md §2.4): the cross-connection cooldown ledger. The
// `/ws` endpoint counts violations per connection itself and publishes `validation_disconnect`
// on topic `validation`; this actor records the identified ones and answers the identify check
// (CONTRACTS.md `admit_identify`). Decayed records are pruned every 10 minutes. In memory, as in
// the original: a hub restart forgives everyone.
import { Actor, replyError, type SystemInfo } from '../runtime'
import { TOPIC } from '../names'
import { DisconnectLedger, DISCONNECT_DECAY_MS, type DisconnectRecord, type IdentifyAdmission } from './disconnect-ledger'

export interface ValidationTrackerArgs {
  /** prune period, default 600 000 ms */
  pruneIntervalMs?: number
}

export type ValidationTrackerCall =
  /** → IdentifyAdmission */
  | { type: 'admit_identify'; agent_id: string }
  /** → DisconnectRecord | null (decayed) */
  | { type: 'get'; agent_id: string }
  /** → the new (decayed + 1) count; the same as a `validation_disconnect` event */
  | { type: 'record_disconnect'; agent_id: string }

type Info = { type: 'prune' }

export class ValidationTrackerActor extends Actor<ValidationTrackerCall, never, Info, ValidationTrackerArgs | undefined> {
  private readonly ledger = new DisconnectLedger()

  override init(args: ValidationTrackerArgs | undefined): void {
    this.ctx.subscribe(TOPIC.validation)
    this.ctx.interval({ type: 'prune' }, args?.pruneIntervalMs ?? DISCONNECT_DECAY_MS)
  }

  override handleCall(msg: ValidationTrackerCall): IdentifyAdmission | DisconnectRecord | number | null | ReturnType<typeof replyError> {
    if (typeof msg?.agent_id !== 'string') return replyError(new TypeError('validation-tracker: agent_id must be a string'))
    const now = this.ctx.clock.now()
    switch (msg.type) {
      case 'admit_identify':
        return this.ledger.admitIdentify(msg.agent_id, now)
      case 'get':
        return this.ledger.get(msg.agent_id, now)
      case 'record_disconnect':
        return this.ledger.recordDisconnect(msg.agent_id, now)
      default:
        return replyError(new TypeError('validation-tracker: unknown call'))
    }
  }

  override handleInfo(msg: Info | SystemInfo): void {
    const now = this.ctx.clock.now()
    if (msg.type === 'prune') {
      this.ledger.prune(now)
      return
    }
    if (msg.type !== 'bus' || msg.topic !== TOPIC.validation) return
    const event = msg.event as { type?: unknown; agent_id?: unknown; timestamp?: unknown } | null
    // unidentified connections are never recorded (hardening §2.4)
    if (event?.type === 'validation_disconnect' && typeof event.agent_id === 'string') {
      this.ledger.recordDisconnect(event.agent_id, typeof event.timestamp === 'number' ? event.timestamp : now)
    }
  }
}
