// The console's line protocol: one JSON object per line, each way, over the unix socket
// `<data-dir>/console.sock`. The first client line must be `auth`; the server answers `ready`
// or `error` (then closes). After that, requests carry an `id` the reply echoes.

import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

export const AuthRequest = Type.Object({
  type: Type.Literal('auth'),
  token: Type.String(),
  /** ANSI colours in inspected results (the client is a terminal) */
  colors: Type.Optional(Type.Boolean()),
})

export const EvalRequest = Type.Object({
  type: Type.Literal('eval'),
  id: Type.Integer(),
  code: Type.String(),
  /** 'json': the result as JSON.stringify text (for scripts), default util.inspect */
  format: Type.Optional(Type.Union([Type.Literal('inspect'), Type.Literal('json')])),
})

export const CompleteRequest = Type.Object({
  type: Type.Literal('complete'),
  id: Type.Integer(),
})

export const ConsoleRequest = Type.Union([AuthRequest, EvalRequest, CompleteRequest])

export type AuthRequest = Static<typeof AuthRequest>
export type EvalRequest = Static<typeof EvalRequest>
export type CompleteRequest = Static<typeof CompleteRequest>
export type ConsoleRequest = Static<typeof ConsoleRequest>

export interface ReadyReply {
  type: 'ready'
  /** helper names, for the banner and completion */
  helpers: string[]
  /** registered actor names at connect time */
  actors: string[]
}

export interface EvalReply {
  type: 'result'
  id: number
  ok: boolean
  /** util.inspect of the value (or its JSON with format 'json'), or the error's one-line description */
  text: string
  /** the code is an unfinished statement (the REPL should read another line) */
  incomplete?: boolean
}

export interface CompletionReply {
  type: 'completions'
  id: number
  helpers: string[]
  actors: string[]
  /** names defined in the session's context (variables the operator created) */
  globals: string[]
}

/** Protocol-level refusal: `unauthorized` closes the connection; the others do not. */
export interface ErrorReply {
  type: 'error'
  error: 'unauthorized' | 'bad_request' | 'line_too_long'
  message: string
  id?: number
}

export type ConsoleReply = ReadyReply | EvalReply | CompletionReply | ErrorReply

/** Longest line either side accepts (a pasted script fits; a runaway stream does not). */
export const MAX_LINE_BYTES = 1024 * 1024

export type ParsedRequest = { ok: true; request: ConsoleRequest } | { ok: false; message: string }

export function parseRequest(line: string): ParsedRequest {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { ok: false, message: 'not a JSON line' }
  }
  if (!Value.Check(ConsoleRequest, value)) {
    return { ok: false, message: 'expected {"type":"auth"|"eval"|"complete", ...} (see actors/console/protocol.ts)' }
  }
  return { ok: true, request: value }
}
