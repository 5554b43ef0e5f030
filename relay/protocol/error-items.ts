// The ErrorItem format of protocol.md §1.3 and the translation of ajv's error objects into it.
// ajv reports every failing keyword (allErrors); the original reports one item per field, only the
// first bad element of a list, and runs the v1.2 nested task checks as a second stage that only
// speaks when the first stage found nothing. Those rules are applied here, after ajv.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { ErrorObject } from 'ajv'
import { isJsonObject, jsonTypeName, stringEnum, wireTypeWording } from './schema-kit'

export const ERROR_KINDS = ['required', 'wrong_type', 'too_long', 'unknown_message_type', 'invalid_value'] as const
export type ErrorKind = (typeof ERROR_KINDS)[number]

export const ErrorItemSchema = Type.Object(
  {
    field: Type.String(),
    error: stringEnum(ERROR_KINDS),
    detail: Type.String(),
    value: Type.Optional(Type.Unknown()),
    known_types: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)
export type ErrorItem = Static<typeof ErrorItemSchema>

export const ECHO_PREFIX_CHARS = 50

/** A too-long string is echoed as its first 50 characters (code points) followed by "...". */
export function truncatedEcho(value: string): string {
  return Array.from(value).slice(0, ECHO_PREFIX_CHARS).join('') + '...'
}

export const REQUIRED_DETAIL = 'field is required'

export function requiredItem(field: string): ErrorItem {
  return { field, error: 'required', detail: REQUIRED_DETAIL }
}

export function wrongTypeItem(field: string, expected: string, value: unknown, echo = true): ErrorItem {
  const item: ErrorItem = { field, error: 'wrong_type', detail: `expected ${expected}, got ${jsonTypeName(value)}` }
  if (echo) item.value = value
  return item
}

interface SchemaNode {
  type?: string | string[]
  title?: string
  properties?: Record<string, SchemaNode>
  patternProperties?: Record<string, SchemaNode>
  additionalProperties?: boolean | SchemaNode
  required?: string[]
  items?: SchemaNode
  anyOf?: SchemaNode[]
  enum?: unknown[]
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  format?: string
  minItems?: number
  maxItems?: number
}

/** One step of a path: an object key, or an index into an array. */
interface Step {
  key: string
  isIndex: boolean
  /** schema of the value at this step (undefined when the schema says nothing about it) */
  node: SchemaNode | undefined
  /** schema of the container the step was taken in */
  parent: SchemaNode | undefined
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~')
}

function childNode(node: SchemaNode | undefined, key: string): { node: SchemaNode | undefined; container: SchemaNode | undefined; isIndex: boolean } {
  if (!node) return { node: undefined, container: undefined, isIndex: /^\d+$/.test(key) }
  if (node.anyOf) {
    for (const member of node.anyOf) {
      const found = childNode(member, key)
      if (found.node) return found
    }
    return { node: undefined, container: node, isIndex: /^\d+$/.test(key) }
  }
  if (node.type === 'array') return { node: node.items, container: node, isIndex: true }
  const direct = node.properties?.[key]
  if (direct) return { node: direct, container: node, isIndex: false }
  const pattern = node.patternProperties ? Object.values(node.patternProperties)[0] : undefined
  if (pattern) return { node: pattern, container: node, isIndex: false }
  if (typeof node.additionalProperties === 'object') return { node: node.additionalProperties, container: node, isIndex: false }
  return { node: undefined, container: node, isIndex: false }
}

function walk(root: SchemaNode, keys: string[]): Step[] {
  const steps: Step[] = []
  let current: SchemaNode | undefined = root
  for (const key of keys) {
    const next = childNode(current, key)
    steps.push({ key, isIndex: next.isIndex, node: next.node, parent: next.container })
    current = next.node
  }
  return steps
}

function fieldName(steps: Step[]): string {
  return steps
    .map((step, i) => (step.isIndex ? `[${step.key}]` : i === 0 ? step.key : `.${step.key}`))
    .join('')
}

function valueAt(data: unknown, keys: string[]): unknown {
  let current: unknown = data
  for (const key of keys) {
    if (Array.isArray(current)) current = current[Number(key)]
    else if (isJsonObject(current)) current = Object.prototype.hasOwnProperty.call(current, key) ? current[key] : undefined
    else return undefined
  }
  return current
}

/** Where in the original's two-stage order an error belongs, and how it sorts there. */
interface Placed {
  item: ErrorItem
  stage: 1 | 2
  /** path of the list whose elements are reported first-bad-only (element errors) */
  listPath?: string
  /** path of the list item whose content is reported once per item (nested stage) */
  itemPath?: string
  index: number
  sortKey: (string | number)[]
  priority: number
}

const KEYWORD_PRIORITY: Record<string, number> = { required: 0, type: 1, anyOf: 1 }

function describeBounds(error: ErrorObject, node: SchemaNode | undefined): string {
  switch (error.keyword) {
    case 'minimum':
      return `must be >= ${node?.minimum}`
    case 'maximum':
      return `must be <= ${node?.maximum}`
    case 'exclusiveMinimum':
      return `must be > ${node?.exclusiveMinimum}`
    case 'exclusiveMaximum':
      return `must be < ${node?.exclusiveMaximum}`
    case 'minLength':
      return `must be at least ${node?.minLength} characters`
    case 'format':
      return `must be a valid ${node?.format}`
    case 'minItems':
      return `must have at least ${node?.minItems} items`
    case 'maxItems':
      return `must have at most ${node?.maxItems} items`
    case 'enum':
      return `must be one of: ${(node?.enum ?? []).map(String).join(', ')}`
    default:
      return error.message ?? 'invalid value'
  }
}

/** Errors raised inside a branch of a nullable/union schema are replaced by the relevant branch's. */
function pruneUnionBranches(errors: ErrorObject[], data: unknown, root: SchemaNode): ErrorObject[] {
  const anyOfErrors = errors.filter((e) => e.keyword === 'anyOf')
  if (anyOfErrors.length === 0) return errors
  const dropped = new Set<ErrorObject>()
  for (const anyOf of anyOfErrors) {
    const keys = anyOf.instancePath === '' ? [] : anyOf.instancePath.split('/').slice(1).map(unescapePointer)
    const steps = walk(root, keys)
    const unionNode = steps.length === 0 ? root : steps[steps.length - 1]!.node
    const branches = unionNode?.anyOf ?? []
    const actual = jsonTypeName(valueAt(data, keys))
    const matching = branches.findIndex((branch) => branchAccepts(branch, actual))
    const prefix = `${anyOf.schemaPath}/`
    for (const e of errors) {
      if (!e.schemaPath.startsWith(prefix)) continue
      const branchIndex = Number(e.schemaPath.slice(prefix.length).split('/')[0])
      if (matching < 0 || branchIndex !== matching) dropped.add(e)
    }
    if (matching >= 0) dropped.add(anyOf)
  }
  return errors.filter((e) => !dropped.has(e))
}

function branchAccepts(branch: SchemaNode, actualTypeName: string): boolean {
  const types = Array.isArray(branch.type) ? branch.type : branch.type ? [branch.type] : []
  if (types.length === 0) return false
  const actual = actualTypeName === 'float' ? 'number' : actualTypeName
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'))
}

function place(error: ErrorObject, root: SchemaNode, data: unknown, rootField: string): Placed | undefined {
  const keys = error.instancePath === '' ? [] : error.instancePath.split('/').slice(1).map(unescapePointer)
  if (error.keyword === 'required') keys.push(String((error.params as { missingProperty: string }).missingProperty))
  if (error.keyword === 'additionalProperties') keys.push(String((error.params as { additionalProperty: string }).additionalProperty))
  const steps = walk(root, keys)
  if (steps.length === 0) {
    return { item: wrongTypeItem(rootField, 'JSON object', data, false), stage: 1, index: 0, sortKey: [-1], priority: 0 }
  }
  const field = fieldName(steps)
  const last = steps[steps.length - 1]!
  const value = valueAt(data, keys)
  const priority = KEYWORD_PRIORITY[error.keyword] ?? 2
  // An index somewhere before the last step: the error is about the content of a list item.
  const itemStepIndex = steps.slice(0, -1).findIndex((step) => step.isIndex)
  if (itemStepIndex >= 0) {
    const itemSteps = steps.slice(0, itemStepIndex + 1)
    const itemNode = itemSteps[itemSteps.length - 1]!.node
    const prop = steps[itemStepIndex + 1]!.key
    const propNode = itemNode?.properties?.[prop]
    const declared = Object.keys(itemNode?.properties ?? {})
    const order = declared.indexOf(prop) < 0 ? declared.length : declared.indexOf(prop)
    const isRequiredProp = itemNode?.required?.includes(prop) ?? false
    let item: ErrorItem
    if (isRequiredProp && steps.length === itemStepIndex + 2) {
      const noun = itemNode?.title ?? 'item'
      const detail = propNode?.type === 'string' ? `${noun} must have a non-empty string '${prop}'` : REQUIRED_DETAIL
      item = { field, error: 'required', detail }
    } else if (error.keyword === 'type') {
      item = wrongTypeItem(field, last.node ? wireTypeWording(last.node as TSchema) : 'value', value, false)
    } else {
      item = { field, error: 'invalid_value', detail: describeBounds(error, last.node) }
    }
    return {
      item,
      stage: 2,
      itemPath: fieldName(itemSteps),
      index: Number(itemSteps[itemSteps.length - 1]!.key),
      sortKey: [0, ...itemSteps.map((s) => (s.isIndex ? Number(s.key) : s.key)), order],
      priority,
    }
  }
  const sortKey = pathSortKey(steps)
  if (last.isIndex) {
    // A bad list element: the original names only the first one, as field[idx].
    const listPath = fieldName(steps.slice(0, -1))
    const expected = last.node ? wireTypeWording(last.node as TSchema) : 'value'
    const item =
      error.keyword === 'type' || error.keyword === 'anyOf'
        ? wrongTypeItem(field, expected, value)
        : { field, error: 'invalid_value' as const, detail: describeBounds(error, last.node), value }
    return { item, stage: 1, listPath, index: Number(last.key), sortKey: pathSortKey(steps.slice(0, -1)), priority }
  }
  switch (error.keyword) {
    case 'required':
      return { item: requiredItem(field), stage: 1, index: 0, sortKey, priority }
    case 'type':
    case 'anyOf':
      return { item: wrongTypeItem(field, last.node ? wireTypeWording(last.node as TSchema) : 'value', value), stage: 1, index: 0, sortKey, priority }
    case 'maxLength':
      return {
        item: { field, error: 'too_long', detail: `exceeds maximum length of ${last.node?.maxLength} characters`, value: truncatedEcho(String(value)) },
        stage: 1,
        index: 0,
        sortKey,
        priority,
      }
    case 'minLength':
      if (value === '') return { item: requiredItem(field), stage: 1, index: 0, sortKey, priority }
      break
    case 'exclusiveMinimum':
      if (last.node?.type === 'integer' && last.node.exclusiveMinimum === 0) {
        return { item: { field, error: 'wrong_type', detail: `expected positive integer, got ${String(value)}`, value }, stage: 1, index: 0, sortKey, priority }
      }
      break
    case 'additionalProperties':
      return { item: { field, error: 'invalid_value', detail: 'unknown field', value }, stage: 1, index: 0, sortKey, priority }
    case 'enum':
      // The v1.2 value checks (complexity_tier) run in the second stage of the original.
      return { item: { field, error: 'invalid_value', detail: describeBounds(error, last.node), value }, stage: 2, index: 0, sortKey: [1, ...sortKey.slice(1)], priority }
  }
  return { item: { field, error: 'invalid_value', detail: describeBounds(error, last.node), value }, stage: 1, index: 0, sortKey, priority }
}

/** Required fields (by name) before optional ones before undeclared ones, at every level. */
function pathSortKey(steps: Step[]): (string | number)[] {
  return steps.flatMap((step) => {
    if (step.isIndex) return [Number(step.key)]
    const parent = step.parent
    const rank = parent?.required?.includes(step.key) ? 0 : parent?.properties && Object.prototype.hasOwnProperty.call(parent.properties, step.key) ? 1 : 2
    return [rank, step.key]
  })
}

function compareKeys(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!
    const y = b[i]!
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x - y
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

/**
 * ajv errors (from a validator compiled with allErrors) → ErrorItems in the original's order:
 * required fields (by name) before optional ones, one item per field, the first bad element of a
 * list only; nested list-item checks and value checks only when nothing else failed.
 * `rootField` names the whole document if it is not an object ("message" for WS, "body" for HTTP).
 */
export function translateAjvErrors(errors: readonly ErrorObject[], schema: TSchema, data: unknown, rootField = 'message'): ErrorItem[] {
  const root = schema as unknown as SchemaNode
  const placed = pruneUnionBranches([...errors], data, root)
    .map((error) => place(error, root, data, rootField))
    .filter((p): p is Placed => p !== undefined)
  const stageOne = placed.filter((p) => p.stage === 1)
  const chosen = stageOne.length > 0 ? stageOne : placed
  // One item per field (first by keyword priority), first element per list, one item per list item.
  const byGroup = new Map<string, Placed>()
  for (const p of chosen) {
    const group = p.listPath !== undefined ? `list:${p.listPath}` : p.itemPath !== undefined ? `item:${p.itemPath}` : `field:${p.item.field}`
    const existing = byGroup.get(group)
    if (!existing || better(p, existing)) byGroup.set(group, p)
  }
  return [...byGroup.values()].sort((a, b) => compareKeys(a.sortKey, b.sortKey)).map((p) => p.item)
}

function better(candidate: Placed, current: Placed): boolean {
  if (candidate.index !== current.index) return candidate.index < current.index
  if (candidate.itemPath !== undefined) return compareKeys(candidate.sortKey, current.sortKey) < 0
  return candidate.priority < current.priority
}
