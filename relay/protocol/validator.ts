// Validation entry points: inbound /ws frames, HTTP bodies, and (for the sidecar and tests) the
// frames the hub sends. Every schema is compiled once at load. Never throws on any JSON value.
import type { TObject } from '@sinclair/typebox'
import type { ValidateFunction } from 'ajv'
import { compileSchema } from './compiler'
import { requiredItem, translateAjvErrors, wrongTypeItem, type ErrorItem } from './error-items'
import {
  HTTP_BODIES,
  VERIFICATION_STEPS_SOFT_LIMIT,
  RATE_TIERS,
  type HttpBodyKey,
  type HttpBodyOf,
} from './http-bodies'
import {
  INVALID_AGENT_ID_BODY,
  INVALID_LEVEL_BODY,
  INVALID_WHITELIST_BODY,
  OVERRIDES_MALFORMED_DETAIL,
  OVERRIDES_NO_TIER_DETAIL,
  OVERRIDES_RANGE_DETAIL,
  invalidOverridesBody,
  validationFailedBody,
  type HttpValidationErrorBody,
} from './http-errors'
import { isJsonObject, jsonTypeName } from './schema-kit'
import { WS_INBOUND, WS_TYPES, isWsType, type InboundWsMessage, type WsType } from './ws-inbound'
import { HUB_FRAMES, ValidationFailedFrameSchema, isHubFrameType, type HubFrame, type HubFrameType } from './ws-outbound'

function compileAll<K extends string>(schemas: Record<K, TObject>): Map<K, ValidateFunction> {
  return new Map((Object.keys(schemas) as K[]).map((key) => [key, compileSchema(schemas[key])]))
}

function schemasOf<K extends string>(entries: Record<K, { schema: TObject }>): Record<K, TObject> {
  const out = {} as Record<K, TObject>
  for (const key of Object.keys(entries) as K[]) out[key] = entries[key].schema
  return out
}

const wsValidators = compileAll<WsType>(schemasOf<WsType>(WS_INBOUND))
const httpValidators = compileAll<HttpBodyKey>(schemasOf<HttpBodyKey>(HTTP_BODIES))
const hubValidators = compileAll<HubFrameType>(HUB_FRAMES)
const validationFailedFrameValidator = compileSchema(ValidationFailedFrameSchema)

/** A declared field sent as null counts as absent (hardening.md §2.1); unknown fields are untouched. */
function withoutNullDeclaredFields(data: Record<string, unknown>, schema: TObject): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const key of Object.keys(schema.properties)) {
    if (Object.prototype.hasOwnProperty.call(data, key) && data[key] === null) {
      copy ??= { ...data }
      delete copy[key]
    }
  }
  return copy ?? data
}

function run(validate: ValidateFunction, schema: TObject, data: Record<string, unknown>, rootField: string): ErrorItem[] {
  if (validate(data)) return []
  return translateAjvErrors(validate.errors ?? [], schema, data, rootField)
}

// ---- inbound /ws ----

export type WsValidation =
  | { ok: true; type: WsType; message: InboundWsMessage }
  | { ok: false; messageType: string; errors: ErrorItem[] }

/** The value of `message_type` in a validation_failed frame: the frame's string type, else "unknown". */
export function messageTypeOf(parsed: unknown): string {
  return isJsonObject(parsed) && typeof parsed.type === 'string' ? parsed.type : 'unknown'
}

/**
 * Validates one parsed /ws frame against the schema for its `type` (protocol.md §1.2 step 3).
 * On success `message` is the frame with null optional fields removed.
 */
export function validateWsFrame(parsed: unknown): WsValidation {
  if (!isJsonObject(parsed)) {
    return { ok: false, messageType: 'unknown', errors: [{ field: 'message', error: 'wrong_type', detail: 'expected JSON object' }] }
  }
  if (!Object.prototype.hasOwnProperty.call(parsed, 'type')) {
    return { ok: false, messageType: 'unknown', errors: [requiredItem('type')] }
  }
  const type = parsed.type
  if (typeof type !== 'string') {
    return { ok: false, messageType: 'unknown', errors: [wrongTypeItem('type', 'string', type)] }
  }
  if (!isWsType(type)) {
    return {
      ok: false,
      messageType: type,
      errors: [{ field: 'type', error: 'unknown_message_type', detail: `unknown message type '${type}'`, known_types: [...WS_TYPES] }],
    }
  }
  const schema = WS_INBOUND[type].schema
  const message = withoutNullDeclaredFields(parsed, schema)
  const errors = run(wsValidators.get(type)!, schema, message, 'message')
  if (errors.length > 0) return { ok: false, messageType: type, errors }
  return { ok: true, type, message: message as InboundWsMessage }
}

// ---- HTTP bodies ----

export type HttpValidation<K extends HttpBodyKey> =
  | { ok: true; key: K; body: HttpBodyOf<K>; warnings: string[] }
  | { ok: false; key: K; status: 422; errors: ErrorItem[]; response: HttpValidationErrorBody }

/**
 * Validates a parsed JSON request body against schema `key`. Failures carry the 422 response body:
 * `{"error":"validation_failed","errors":[…]}`, or for the rate-limit and log-level routes the
 * original's own error bodies. A body that is not a JSON object fails with field "body".
 */
export function validateHttpBody<K extends HttpBodyKey>(key: K, body: unknown): HttpValidation<K> {
  const entry = HTTP_BODIES[key]
  if (!entry) throw new Error(`unknown HTTP body schema '${String(key)}'`)
  let errors: ErrorItem[]
  let normalized: Record<string, unknown> | undefined
  if (!isJsonObject(body)) {
    errors = [{ field: 'body', error: 'wrong_type', detail: `expected JSON object, got ${jsonTypeName(body)}` }]
  } else {
    normalized = withoutNullDeclaredFields(body, entry.schema)
    errors = run(httpValidators.get(key)!, entry.schema, normalized, 'body')
    if (errors.length === 0) errors = crossFieldErrors(key, normalized)
  }
  if (errors.length === 0 && normalized) {
    return { ok: true, key, body: normalized as HttpBodyOf<K>, warnings: warningsFor(key, normalized) }
  }
  return { ok: false, key, status: 422, errors, response: errorResponseFor(key, errors, normalized) }
}

/** Rules that span fields and so are not worth expressing in JSON Schema. */
function crossFieldErrors(key: HttpBodyKey, body: Record<string, unknown>): ErrorItem[] {
  if (key === 'put_rate_limit_overrides' && !RATE_TIERS.some((tier) => body[tier] !== undefined)) {
    return [{ field: 'body', error: 'required', detail: OVERRIDES_NO_TIER_DETAIL }]
  }
  return []
}

function warningsFor(key: HttpBodyKey, body: Record<string, unknown>): string[] {
  if (key !== 'post_task') return []
  const steps = body.verification_steps
  if (!Array.isArray(steps) || steps.length <= VERIFICATION_STEPS_SOFT_LIMIT) return []
  return [
    `Task has ${steps.length} verification steps (soft limit: ${VERIFICATION_STEPS_SOFT_LIMIT}). Consider splitting into smaller tasks.`,
  ]
}

function errorResponseFor(key: HttpBodyKey, errors: ErrorItem[], body: Record<string, unknown> | undefined): HttpValidationErrorBody {
  switch (key) {
    case 'put_log_level':
      return INVALID_LEVEL_BODY
    case 'put_rate_limit_whitelist':
      return INVALID_WHITELIST_BODY
    case 'post_rate_limit_whitelist':
      return INVALID_AGENT_ID_BODY
    case 'put_rate_limit_overrides': {
      const hasTier = body !== undefined && RATE_TIERS.some((tier) => body[tier] !== undefined)
      if (!hasTier) return invalidOverridesBody(OVERRIDES_NO_TIER_DETAIL)
      const onlyRange = errors.every((e) => e.error === 'invalid_value')
      return invalidOverridesBody(onlyRange ? OVERRIDES_RANGE_DETAIL : OVERRIDES_MALFORMED_DETAIL)
    }
    default:
      return validationFailedBody(errors)
  }
}

// ---- frames the hub sends ----

export type HubFrameValidation = { ok: true; type: HubFrameType; frame: HubFrame } | { ok: false; frameType: string; errors: ErrorItem[] }

/** Checks a frame the hub sent (or is about to send) against its schema; nulls are significant here. */
export function validateHubFrame(frame: unknown): HubFrameValidation {
  if (!isJsonObject(frame)) return { ok: false, frameType: 'unknown', errors: [{ field: 'message', error: 'wrong_type', detail: 'expected JSON object' }] }
  const type = frame.type
  if (typeof type !== 'string') {
    return { ok: false, frameType: 'unknown', errors: [type === undefined ? requiredItem('type') : wrongTypeItem('type', 'string', type)] }
  }
  if (!isHubFrameType(type)) {
    return {
      ok: false,
      frameType: type,
      errors: [{ field: 'type', error: 'unknown_message_type', detail: `unknown message type '${type}'`, known_types: Object.keys(HUB_FRAMES).sort() }],
    }
  }
  const isValidationFailed = type === 'error' && frame.error === 'validation_failed'
  const schema = isValidationFailed ? ValidationFailedFrameSchema : HUB_FRAMES[type]
  const validate = isValidationFailed ? validationFailedFrameValidator : hubValidators.get(type)!
  const errors = run(validate, schema, frame, 'message')
  if (errors.length > 0) return { ok: false, frameType: type, errors }
  return { ok: true, type, frame: frame as HubFrame }
}
