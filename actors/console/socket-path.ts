// Claiming `<data-dir>/console.sock`: a socket a live hub answers on is refused; a stale one
// (left by a hub that died) is removed; any other kind of file is never touched.

import { connect } from 'node:net'
import { lstatSync, unlinkSync } from 'node:fs'

export class ConsoleSocketInUse extends Error {
  override readonly name = 'ConsoleSocketInUse'
  constructor(readonly path: string) {
    super(`console socket ${path} is in use by a live hub`)
  }
}

export class ConsoleSocketPathTaken extends Error {
  override readonly name = 'ConsoleSocketPathTaken'
  constructor(readonly path: string) {
    super(`console socket path ${path} exists and is not a socket; not removing it`)
  }
}

/** Resolves when `path` is free to listen on; rejects with ConsoleSocketInUse / ConsoleSocketPathTaken. */
export async function claimSocketPath(path: string): Promise<void> {
  let isSocket: boolean
  try {
    isSocket = lstatSync(path).isSocket()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (!isSocket) throw new ConsoleSocketPathTaken(path)
  if (await somebodyListens(path)) throw new ConsoleSocketInUse(path)
  try {
    unlinkSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/** True when a connect to the socket succeeds (ECONNREFUSED: nobody listens — stale). */
export function somebodyListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}
