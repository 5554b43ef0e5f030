// `agentcom` in a real pseudo-terminal: a private tmux server (-L) per session, keys sent with
// send-keys, the screen read with capture-pane. (Fixture, no tests of its own.)
import { spawnSync } from 'node:child_process'
import type { Test } from 'tap'
import { cliEnv, nodeArgs, ROOT } from './cli-process'

export const hasTmux = spawnSync('tmux', ['-V']).status === 0

export interface TmuxSession {
  /** tmux send-keys: literal text and key names such as 'Enter', 'Tab' */
  send(...keys: string[]): void
  pane(): string
  /** Polls the screen (real time: a terminal is outside the virtual clock); fails the test on timeout. */
  waitFor(check: RegExp | string | (() => boolean), what: string, timeoutMs?: number): Promise<void>
}

/** Starts `agentcom <args>` in a 160x50 terminal; after it exits the pane shows `exited <code>`. */
export function startCliInTmux(t: Test, name: string, args: string[]): TmuxSession {
  const session = `${name}-${process.pid}`
  const tmux = (...a: string[]) => spawnSync('tmux', ['-L', session, ...a], { encoding: 'utf8' })
  t.teardown(() => void tmux('kill-server'))
  const command = [process.execPath, ...nodeArgs(), ...args].map(shellQuote).join(' ')
  const envArgs = Object.entries(cliEnv({ TERM: 'xterm' }))
    .filter(([k]) => /^(NODE_OPTIONS|NODE_PATH|PATH|HOME|TERM)$/.test(k))
    .flatMap(([k, v]) => ['-e', `${k}=${v ?? ''}`])
  const started = tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', '-c', ROOT, ...envArgs, `${command}; echo "exited $?"; sleep 30`)
  if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`)
  const pane = () => tmux('capture-pane', '-p', '-t', session).stdout
  return {
    send: (...keys) => void tmux('send-keys', '-t', session, ...keys),
    pane,
    waitFor: (check, what, timeoutMs = 30_000) => {
      const test = typeof check === 'function' ? check : typeof check === 'string' ? () => pane().includes(check) : () => check.test(pane())
      return waitFor(t, test, what, pane, timeoutMs)
    },
  }
}

export function shellQuote(s: string): string {
  return /^[\w./=:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** Polls until `check` holds (the machine may be loaded: generous limits). */
export async function waitFor(t: Test, check: () => boolean, what: string, show: () => string = () => '', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) {
      t.fail(`timed out waiting for ${what}`, { diagnostic: true, screen: show() })
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
