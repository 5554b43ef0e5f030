// `GET /api/schemas` (protocol.md §4.1) and the JSON Schema components for an OpenAPI 3.1
// document, both generated from the same schemas the validators are compiled from.
import type { TObject, TSchema } from '@sinclair/typebox'
import { ErrorItemSchema } from './error-items'
import { HTTP_BODIES, HTTP_BODY_KEYS, type HttpBodyKey } from './http-bodies'
import { wireTypeOf } from './schema-kit'
import { WS_INBOUND, WS_TYPES } from './ws-inbound'
import {
  AgentInfoSchema,
  AssignComplexitySchema,
  AssignRoutingDecisionSchema,
  ChannelSummarySchema,
  HUB_FRAMES,
  HistoryEntrySchema,
  RoutingDecisionSchema,
  StoredMessageSchema,
  ValidationFailedFrameSchema,
} from './ws-outbound'

export interface DiscoveredField {
  name: string
  type: string
}

export interface DiscoveredWsSchema {
  type: string
  description: string
  required_fields: DiscoveredField[]
  optional_fields: DiscoveredField[]
}

export interface DiscoveredHttpSchema {
  key: string
  description: string
  required_fields: DiscoveredField[]
  optional_fields: DiscoveredField[]
}

export interface SchemasDiscovery {
  schemas: { websocket: DiscoveredWsSchema[]; http: DiscoveredHttpSchema[]; version: '1.0' }
  version: '1.0'
}

/** Required and optional fields of an object schema, each sorted by name (as the original lists them). */
export function discoveredFields(schema: TObject): { required_fields: DiscoveredField[]; optional_fields: DiscoveredField[] } {
  const required = new Set(schema.required ?? [])
  const names = Object.keys(schema.properties).sort()
  const describe = (name: string): DiscoveredField => ({ name, type: wireTypeOf(schema.properties[name] as TSchema) })
  return {
    required_fields: names.filter((n) => required.has(n)).map(describe),
    optional_fields: names.filter((n) => !required.has(n)).map(describe),
  }
}

/** HTTP schemas listed by discovery: those whose failures answer validation_failed. */
export const DISCOVERED_HTTP_KEYS: readonly HttpBodyKey[] = HTTP_BODY_KEYS.filter((key) => HTTP_BODIES[key].errorStyle === 'validation_failed')

/** The body of `GET /api/schemas`. */
export function schemasDiscovery(): SchemasDiscovery {
  const websocket = WS_TYPES.map((type) => ({ type, description: WS_INBOUND[type].description, ...discoveredFields(WS_INBOUND[type].schema) }))
  const http = DISCOVERED_HTTP_KEYS.map((key) => ({ key, description: HTTP_BODIES[key].description, ...discoveredFields(HTTP_BODIES[key].schema) }))
  return { schemas: { websocket, http, version: '1.0' }, version: '1.0' }
}

/** The OpenAPI component name of an HTTP body schema (routes reference it by this name). */
export function httpBodyComponent(key: HttpBodyKey): string {
  return `Http${pascal(key)}`
}

function pascal(name: string): string {
  return name
    .split(/[_-]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
}

/** A plain JSON copy of a TypeBox schema (its symbol-keyed metadata dropped). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>
}

/**
 * `components` for an OpenAPI 3.1 document: `Ws<Type>` (inbound /ws frames), `Http<Key>` (request
 * bodies), `Hub<Type>` (frames the hub sends), the shared record shapes, ErrorItem and the 422 body.
 */
export function openApiComponents(): { schemas: Record<string, Record<string, unknown>> } {
  const schemas: Record<string, Record<string, unknown>> = {}
  for (const type of WS_TYPES) schemas[`Ws${pascal(type)}`] = plain(WS_INBOUND[type].schema)
  for (const key of HTTP_BODY_KEYS) schemas[httpBodyComponent(key)] = { ...plain(HTTP_BODIES[key].schema), description: HTTP_BODIES[key].description }
  for (const type of Object.keys(HUB_FRAMES).sort() as (keyof typeof HUB_FRAMES)[]) schemas[`Hub${pascal(type)}`] = plain(HUB_FRAMES[type])
  schemas.HubValidationFailed = plain(ValidationFailedFrameSchema)
  schemas.AgentInfo = plain(AgentInfoSchema)
  schemas.ChannelSummary = plain(ChannelSummarySchema)
  schemas.StoredMessage = plain(StoredMessageSchema)
  schemas.HistoryEntry = plain(HistoryEntrySchema)
  schemas.RoutingDecision = plain(RoutingDecisionSchema)
  schemas.AssignRoutingDecision = plain(AssignRoutingDecisionSchema)
  schemas.AssignComplexity = plain(AssignComplexitySchema)
  schemas.ErrorItem = plain(ErrorItemSchema)
  schemas.ValidationFailedBody = {
    type: 'object',
    required: ['error', 'errors'],
    properties: { error: { const: 'validation_failed', type: 'string' }, errors: { type: 'array', items: plain(ErrorItemSchema) } },
  }
  return { schemas }
}
