// Building blocks for the wire schemas. The wire rules (hardening.md §2.1) are encoded here once:
// strict types without coercion, "positive_integer" as its own wire type, and per-field-name
// length limits that apply to a declared string field of that name in any schema.
import { Type, type TSchema, type TString, type TInteger, type SchemaOptions } from '@sinclair/typebox'

/** Maximum length (in characters) of declared string fields with these names, in any schema. */
export const FIELD_LENGTH_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  agent_id: 128,
  // a recipient is an agent id and a reply_to a message id: both become LMDB keys (max ~1978 bytes)
  to: 128,
  reply_to: 128,
  description: 10_000,
  status: 256,
  channel: 64,
  token: 256,
  error: 2_000,
  reason: 2_000,
  name: 256,
  repo: 512,
  ollama_url: 512,
})

/** A string field named `name`: carries the length limit of that name, if it has one. */
export function namedString(name: string, options: SchemaOptions & { minLength?: number } = {}): TString {
  const limit = FIELD_LENGTH_LIMITS[name]
  return Type.String(limit === undefined ? options : { ...options, maxLength: limit })
}

/**
 * The wire type "positive_integer" (integer > 0). Marked by `exclusiveMinimum: 0` alone, which is
 * how discovery and error translation recognise it.
 */
export function positiveInteger(options: SchemaOptions = {}): TInteger {
  return Type.Integer({ ...options, exclusiveMinimum: 0 })
}

/** Any JSON object (never an array or null); unknown keys allowed, values unconstrained. */
export function jsonObject(options: SchemaOptions = {}) {
  return Type.Record(Type.String(), Type.Unknown(), options)
}

/** A string restricted to fixed values, typed as their union (one `enum` keyword, one error). */
export function stringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>(Type.String({ ...options, enum: [...values] }))
}

/** A value that may be JSON null (for frames the hub sends, where null is meaningful). */
export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()])
}

/** The wire-level type names used by `GET /api/schemas` (protocol.md §4.1). */
export type WireTypeName = string

interface JsonSchemaShape {
  type?: string | string[]
  exclusiveMinimum?: number
  items?: JsonSchemaShape
  anyOf?: JsonSchemaShape[]
  const?: unknown
  patternProperties?: Record<string, JsonSchemaShape>
}

/**
 * Wire type of a schema: string, integer, number, positive_integer, object, boolean, any or
 * array<T>. A nullable union reports the non-null member.
 */
export function wireTypeOf(schema: TSchema): WireTypeName {
  const shape = schema as unknown as JsonSchemaShape
  if (shape.anyOf) {
    const nonNull = shape.anyOf.filter((member) => member.type !== 'null')
    const distinct = new Set(nonNull.map((member) => wireTypeOf(member as TSchema)))
    return distinct.size === 1 ? [...distinct][0]! : 'any'
  }
  switch (shape.type) {
    case 'string':
      return 'string'
    case 'integer':
      return shape.exclusiveMinimum === 0 ? 'positive_integer' : 'integer'
    case 'number':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'object':
      return 'object'
    case 'array':
      return `array<${shape.items ? wireTypeOf(shape.items as TSchema) : 'any'}>`
    default:
      return 'any'
  }
}

/** The wording the original uses inside `detail` ("expected positive integer, got …"). */
export function wireTypeWording(schema: TSchema): string {
  const shape = schema as unknown as JsonSchemaShape
  if (shape.type === 'array') return 'array'
  const wire = wireTypeOf(schema)
  return wire === 'positive_integer' ? 'positive integer' : wire
}

/** Type name of a JSON value as the original reports it ("got float", "got null", …). */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  switch (typeof value) {
    case 'string':
      return 'string'
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'float'
    case 'boolean':
      return 'boolean'
    case 'object':
      return 'object'
    default:
      return 'unknown'
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
