// `agentcom console`: attach a REPL to the running hub over <data-dir>/console.sock, or with
// --eval run one expression and print its result (exit 1 when it throws).

import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { ADMIN_TOKEN_FILE, CONSOLE_SOCKET_FILE } from '../../actors/console/paths'
import { ConsoleClient } from '../console/console-client'
import { runReplSession } from '../console/repl-session'

export interface ConsoleOptions {
  dataDir: string
  socket?: string
  tokenFile?: string
  eval?: string
  /** with eval: print the result as JSON */
  json?: boolean
  /** false with --no-history */
  history: string | boolean
}

export const DEFAULT_HISTORY_FILE = '.agentcom_console_history'

export interface ConsoleTarget {
  socketPath: string
  tokenFile: string
  historyFile: string
}

/** Where to connect, which token to send, where history goes (pure; tested directly). */
export function consoleTarget(opts: ConsoleOptions, home = homedir()): ConsoleTarget {
  const socketPath = resolve(opts.socket ?? join(opts.dataDir, CONSOLE_SOCKET_FILE))
  const tokenFile = resolve(opts.tokenFile ?? (opts.socket ? join(dirname(socketPath), ADMIN_TOKEN_FILE) : join(opts.dataDir, ADMIN_TOKEN_FILE)))
  const historyFile = opts.history === false ? '' : typeof opts.history === 'string' ? resolve(opts.history) : join(home, DEFAULT_HISTORY_FILE)
  return { socketPath, tokenFile, historyFile }
}

/** Resolves with the process exit code. */
export async function runConsole(opts: ConsoleOptions): Promise<number> {
  const target = consoleTarget(opts)
  const token = readToken(target.tokenFile)
  const colors = opts.eval === undefined && process.stdout.isTTY === true
  const { client, ready } = await ConsoleClient.open(target.socketPath, token, { colors })
  if (opts.eval !== undefined) return evalOnce(client, opts.eval, opts.json ? 'json' : 'inspect')
  return runReplSession({ client, ready, socketPath: target.socketPath, historyFile: target.historyFile })
}

async function evalOnce(client: ConsoleClient, code: string, format: 'inspect' | 'json'): Promise<number> {
  try {
    const reply = await client.evaluate(code, format)
    ;(reply.ok ? process.stdout : process.stderr).write(reply.text + '\n')
    return reply.ok ? 0 : 1
  } finally {
    client.close()
  }
}

function readToken(file: string): string {
  try {
    const token = readFileSync(file, 'utf8').trim()
    if (token === '') throw new Error('empty')
    return token
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message
    throw new Error(`cannot read the admin token from ${file} (${why}); pass --token-file or --data-dir`)
  }
}
