// A tiny actor for tests, benchmarks and smoke checks, importable by module path so it can
// also run in forked mode: spawn(ProbeActor, args, { mode: 'forked', module: PROBE_ACTOR_MODULE }).

import { extname, join } from 'node:path'
import { Actor } from './actor'

export const PROBE_ACTOR_MODULE = join(__dirname, 'probe-actor' + extname(__filename))

export type ProbeCall =
  | { type: 'echo'; value: unknown }
  | { type: 'pid' }
  | { type: 'count' }
  | { type: 'crash'; message: string }

export type ProbeCast = { type: 'bump' } | { type: 'crash'; message: string } | { type: 'exit_process'; code: number }

export interface ProbeArgs {
  /** init throws this message, to test start failures. */
  failInit?: string
}

export class ProbeActor extends Actor<ProbeCall, ProbeCast, never, ProbeArgs | undefined> {
  private count = 0

  override init(args?: ProbeArgs): void {
    if (args?.failInit) throw new Error(args.failInit)
  }

  override handleCall(msg: ProbeCall): unknown {
    switch (msg.type) {
      case 'echo':
        return msg.value
      case 'pid':
        return process.pid
      case 'count':
        return this.count
      case 'crash':
        throw new Error(msg.message)
    }
  }

  override handleCast(msg: ProbeCast): void {
    if (msg.type === 'crash') throw new Error(msg.message)
    if (msg.type === 'exit_process') process.exit(msg.code) // simulates a crashing child process
    this.count++
  }
}
