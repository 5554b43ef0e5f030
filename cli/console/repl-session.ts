// The interactive side of `agentcom console`: a node:repl whose eval goes to the hub.

import repl from 'node:repl'
import type { ConsoleClient } from './console-client'
import { completeLine } from './completion'
import type { EvalReply, ReadyReply } from '../../actors/console/protocol'

export interface ReplSessionOptions {
  client: ConsoleClient
  ready: ReadyReply
  socketPath: string
  /** '' disables the history file */
  historyFile: string
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
}

/** Resolves with the exit code once the operator leaves (.exit, Ctrl-D) or the hub goes away. */
export function runReplSession(opts: ReplSessionOptions): Promise<number> {
  const output = opts.output ?? process.stdout
  const { client } = opts
  output.write(
    `Attached to the hub at ${opts.socketPath} (${opts.ready.actors.length} named actors).\n` +
      `Helpers: ${opts.ready.helpers.map((h) => `${h}()`).join(' ')}. Tab completes; .exit leaves.\n`,
  )
  return new Promise((resolve) => {
    let exitCode = 0
    let leaving = false
    const server = repl.start({
      prompt: 'agentcom> ',
      input: opts.input ?? process.stdin,
      output,
      ignoreUndefined: true,
      eval: (code, _context, _file, callback) => {
        if (code.trim() === '') return callback(null, undefined)
        client.evaluate(code).then(
          (reply) => (reply.incomplete ? callback(new repl.Recoverable(new SyntaxError(reply.text)), undefined) : callback(null, reply)),
          (err: Error) => callback(null, { type: 'result', id: 0, ok: false, text: err.message } satisfies EvalReply),
        )
      },
      writer: (reply: EvalReply) => reply.text,
      completer: (line: string, callback: (err: Error | null, result?: [string[], string]) => void) => {
        client.completions().then(
          (source) => callback(null, completeLine(line, source)),
          () => callback(null, [[], line]),
        )
      },
    })
    if (opts.historyFile) {
      server.setupHistory(opts.historyFile, (err) => {
        if (err) output.write(`(history disabled: ${err.message})\n`)
      })
    }
    client.onClose((err) => {
      if (leaving) return
      output.write(`\n${err.message}\n`)
      exitCode = 1
      server.close()
    })
    server.on('exit', () => {
      leaving = true
      client.close()
      resolve(exitCode)
    })
  })
}
