// The two hardening steps of the /ws pipeline that belong to other actors (protocol.md §1.2):
// validation-violation tracking (steps 3 and the identify cooldown of §1.6 step 1) and the WS
// rate check (step 5). Each uses its actor when it is running (contract in CONTRACTS.md) and
// otherwise falls back as marked below, so the front door works before those actors exist.
import {
  DisconnectLedger,
  NO_VIOLATIONS,
  recordValidationFailure,
  type ConnectionViolations,
  type IdentifyAdmission,
  type ViolationOutcome,
} from '../../../actors/validation-tracker'
import { ACTOR, TOPIC } from '../../../actors/names'
import type { RateDecision } from '../../../actors/rate-limiter'
import { WS_RATE_EXEMPT_TYPES, type ErrorItem, type WsType } from '../../protocol'
import type { HubContext } from '../hub-context'

export { NO_VIOLATIONS, type ConnectionViolations }

/** What the session does with a frame after the rate check (§1.2 step 5). */
export type FrameAdmission =
  | { action: 'allow' }
  /** process, but send `frame` (rate_limit_warning) before the reply */
  | { action: 'warn'; frame: object }
  /** drop the frame; `frame` (rate_limited) is the only answer */
  | { action: 'deny'; frame: object }

export interface ValidationFailureEvent {
  type: 'validation_failure'
  agent_id: string | null
  message_type: string
  error_count: number
  errors: ErrorItem[]
  timestamp: number
}

export interface ValidationDisconnectEvent {
  type: 'validation_disconnect'
  agent_id: string | null
  timestamp: number
}

const ALLOW: FrameAdmission = { action: 'allow' }

export class FrameHooks {
  /**
   * FALLBACK (no `validation-tracker` actor running): the cross-connection cooldown ledger is
   * kept here, for the life of this endpoint. The tracker actor, when present, owns it instead
   * (it records disconnects from the `validation` topic).
   */
  private readonly fallbackLedger = new DisconnectLedger()

  constructor(private readonly hub: HubContext) {}

  /** §1.6 step 1: may this agent identify now? */
  async admitIdentify(agentId: string): Promise<IdentifyAdmission> {
    const tracker = this.hub.system.whereis(ACTOR.validationTracker)
    if (tracker) {
      try {
        return await tracker.call<IdentifyAdmission>({ type: 'admit_identify', agent_id: agentId })
      } catch (error) {
        this.hub.log.warn('validation-tracker unavailable; identify admitted', { agent_id: agentId, error: String(error) })
        return { ok: true }
      }
    }
    return this.fallbackLedger.admitIdentify(agentId, this.hub.now())
  }

  /** §1.2 step 3 / hardening §2.4: counts one schema failure of a connection and publishes it. */
  validationFailed(state: ConnectionViolations, agentId: string | null, messageType: string, errors: ErrorItem[]): ViolationOutcome {
    const now = this.hub.now()
    const outcome = recordValidationFailure(state, now)
    if (outcome.action === 'reply') {
      const event: ValidationFailureEvent = { type: 'validation_failure', agent_id: agentId, message_type: messageType, error_count: errors.length, errors, timestamp: now }
      this.hub.system.bus.publish(TOPIC.validation, event)
    } else {
      const event: ValidationDisconnectEvent = { type: 'validation_disconnect', agent_id: agentId, timestamp: now }
      this.hub.system.bus.publish(TOPIC.validation, event)
      // unidentified connections are never recorded (hardening §2.4)
      if (agentId !== null && !this.hub.system.whereis(ACTOR.validationTracker)) this.fallbackLedger.recordDisconnect(agentId, now)
    }
    return outcome
  }

  /**
   * §1.2 step 5, identified connections only. NO-OP until the `rate-limiter` actor runs: every
   * frame is allowed. The limiter's pure logic (actors/rate-limiter) decides exemptions
   * (outcome reports, admin role, whitelist) and the progress budget.
   */
  async rateCheck(agentId: string, type: WsType, role: 'agent' | 'admin'): Promise<FrameAdmission> {
    if (WS_RATE_EXEMPT_TYPES.has(type)) return ALLOW
    const limiter = this.hub.system.whereis(ACTOR.rateLimiter)
    if (!limiter) return ALLOW
    let decision: RateDecision
    try {
      decision = await limiter.call<RateDecision>({ type: 'check_ws', agent_id: agentId, frame_type: type, role })
    } catch (error) {
      this.hub.log.warn('rate-limiter unavailable; frame allowed', { agent_id: agentId, error: String(error) })
      return ALLOW
    }
    if (decision.result === 'deny') return { action: 'deny', frame: decision.frame }
    if (decision.result === 'warn') return { action: 'warn', frame: decision.warning }
    return ALLOW
  }
}
