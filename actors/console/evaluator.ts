// Evaluates operator input in a node:vm context holding the console helpers. One evaluator per
// console connection, so variables (and `_`, the last result) live as long as the session.

import vm from 'node:vm'
import { inspect } from 'node:util'
import type { EvalReply } from './protocol'

/** Bound on synchronous evaluation (an accidental `while(true){}` must not freeze the hub). */
export const SYNC_EVAL_TIMEOUT_MS = 2000

export type EvalOutcome = Omit<EvalReply, 'type' | 'id'>

export interface EvaluatorOptions {
  colors?: boolean
  syncTimeoutMs?: number
}

export class Evaluator {
  private readonly context: vm.Context
  private readonly builtins: Set<string>

  constructor(globals: Record<string, unknown>, private readonly opts: EvaluatorOptions = {}) {
    this.context = vm.createContext({ ...globals, _: undefined })
    this.builtins = new Set(Object.keys(globals))
  }

  /** Names the operator defined in this session (for completion). */
  definedNames(): string[] {
    return Object.keys(this.context).filter((k) => !this.builtins.has(k) && k !== '_')
  }

  async evaluate(code: string, format: 'inspect' | 'json' = 'inspect'): Promise<EvalOutcome> {
    let script: vm.Script
    try {
      script = compile(code)
    } catch (err) {
      return { ok: false, text: describeError(err), incomplete: isIncomplete(err, code) }
    }
    try {
      let value: unknown = script.runInContext(this.context, { timeout: this.opts.syncTimeoutMs ?? SYNC_EVAL_TIMEOUT_MS, displayErrors: false })
      if (isThenable(value)) value = await value
      this.context._ = value
      return { ok: true, text: format === 'json' ? asJson(value) : this.show(value) }
    } catch (err) {
      return { ok: false, text: describeError(err) }
    }
  }

  private show(value: unknown): string {
    return inspect(value, { colors: this.opts.colors ?? false, depth: 6, maxArrayLength: 200, breakLength: 100 })
  }
}

/** Plain script first; code using `await` at top level is wrapped in an async function. */
function compile(code: string): vm.Script {
  try {
    return new vm.Script(code, { filename: 'console' })
  } catch (err) {
    if (!/\bawait\b/.test(code)) throw err
    try {
      return new vm.Script(`(async () => (${code}\n))()`, { filename: 'console' })
    } catch {
      return new vm.Script(`(async () => {${code}\n})()`, { filename: 'console' })
    }
  }
}

/** `undefined` (no JSON) is sent as `null`; a Printed value as its data. */
function asJson(value: unknown): string {
  const data = typeof value === 'object' && value !== null && 'data' in value && inspect.custom in value ? (value as { data: unknown }).data : value
  return JSON.stringify(data) ?? 'null'
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

const INCOMPLETE = /Unexpected end of input|Unterminated template literal|missing \) after argument list|Unterminated string constant/

function isIncomplete(err: unknown, code: string): boolean {
  return err instanceof Error && err.name === 'SyntaxError' && INCOMPLETE.test(err.message) && !code.endsWith('\n\n')
}

/** One line for an Error (`Name: message`), inspect() for anything else thrown. */
export function describeError(err: unknown): string {
  if (isErrorLike(err)) {
    const name = err.name || 'Error'
    return `Uncaught ${name}: ${err.message}`
  }
  return `Uncaught ${inspect(err)}`
}

/** Errors from the vm context are not `instanceof Error` of this realm. */
function isErrorLike(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string' && typeof (err as Error).name === 'string'
}
