// The one ajv instance behind every protocol schema: all errors collected (the original reports
// every bad field, not the first), no coercion, no defaults injected, formats from ajv-formats.
import Ajv, { type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { TSchema } from '@sinclair/typebox'

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false, removeAdditional: false })
addFormats(ajv)

/** Compiles a schema once; call at module load, never per message. */
export function compileSchema(schema: TSchema): ValidateFunction {
  return ajv.compile(schema)
}
