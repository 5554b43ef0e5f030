// verify(path): is this LMDB data file intact? The reading runs in a child process
// (verifier-process) because a damaged file can crash its reader; a crash means "damaged".
import { fork } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { extname, join } from 'node:path'
import { lockFileOf } from '../data-files'
import type { Storage } from '../environment'
import type { PageWalkReport } from './page-walker'
import { TRUST_CLEAN_CLOSE_FLAG, type VerifierMessage, type VerifyDepth } from './verifier-process'

export interface VerifyReport {
  path: string
  ok: boolean
  /** Why the file is judged damaged; empty when ok. */
  problems: string[]
  /** The verifier died on a signal or error exit while reading (itself proof of damage). */
  crashed: boolean
  /** Record count per table, as decoded. */
  tables: { table: string; recordCount: number }[]
  pageWalk: PageWalkReport | null
  /**
   * `full`: the page walk and every record decoded. `structure`: the page walk only — the file
   * was closed cleanly and the caller allowed trusting that (`trustCleanClose`).
   */
  depth: VerifyDepth
  durationMs: number
}

export type { VerifyDepth }

export interface VerifyOptions {
  /** Give up (and call the file damaged) after this long. Default 10 minutes. */
  timeoutMs?: number
  /** The child script to run; defaults to verifier-process. Lets tests stand in a crashing reader. */
  verifierScript?: string
  /** Node flags and environment of the child; default: this process's (e.g. a TypeScript loader). */
  childProcess?: { execArgv?: string[]; env?: NodeJS.ProcessEnv }
  /**
   * A file whose previous process closed it cleanly gets the page walk only (start-up: the
   * decode of a million records is most of a restart). Default false: backups, live checks and
   * crash restarts are decoded in full.
   */
  trustCleanClose?: boolean
}

/**
 * The verifier process could not start or died before it ran (a missing script, a broken
 * loader): says nothing about the file, which must not be treated as damaged.
 */
export class VerifierUnavailable extends Error {
  constructor(readonly detail: string) {
    super(`the storage verifier could not run: ${detail}`)
    this.name = 'VerifierUnavailable'
  }
}

const VERIFIER_SCRIPT = join(__dirname, `verifier-process${extname(__filename)}`)

/**
 * Checks the data file at `path`, which no process may be writing (a closed environment or a
 * backup; for the live one use `verifyLive`). Never throws for a damaged or missing file; throws
 * VerifierUnavailable when the check itself could not run.
 */
export async function verify(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now()
  if (!existsSync(path)) return damaged(path, [`${path} does not exist`], false, started)
  const lockExisted = existsSync(lockFileOf(path))
  try {
    const args = options.trustCleanClose ? [path, TRUST_CLEAN_CLOSE_FLAG] : [path]
    const outcome = await runVerifier(options.verifierScript ?? VERIFIER_SCRIPT, args, options.timeoutMs ?? 600_000, options.childProcess ?? {})
    if ('unavailable' in outcome) throw new VerifierUnavailable(outcome.unavailable)
    if ('failure' in outcome) return damaged(path, [outcome.failure], outcome.crashed, started)
    const { problems, tables, pageWalk, depth } = outcome.message
    return { path, ok: problems.length === 0, problems, crashed: false, tables, pageWalk, depth: depth ?? 'full', durationMs: Date.now() - started }
  } finally {
    if (!lockExisted) rmSync(lockFileOf(path), { force: true })
  }
}

/**
 * Checks the live environment without stopping writers: takes a consistent copy (LMDB's own
 * snapshot copy) next to the data (same disk, same free space), verifies it, deletes it.
 */
export function verifyLive(storage: Storage, options: VerifyOptions = {}): Promise<VerifyReport> {
  return storage.exclusive(async () => {
    const dir = mkdtempSync(join(storage.dataDir, 'verify-'))
    try {
      const copy = join(dir, 'snapshot.mdb')
      await storage.copyTo(copy)
      const report = await verify(copy, { ...options, trustCleanClose: false })
      if (report.ok) storage.recordsVerified = true
      return { ...report, path: storage.dataFile }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

type VerifierOutcome = { message: VerifierMessage } | { failure: string; crashed: boolean } | { unavailable: string }

function runVerifier(script: string, args: string[], timeoutMs: number, settings: { execArgv?: string[]; env?: NodeJS.ProcessEnv }): Promise<VerifierOutcome> {
  return new Promise((resolve) => {
    // execArgv carries a TypeScript loader when we run from sources (tests).
    const child = fork(script, args, {
      execArgv: settings.execArgv ?? process.execArgv,
      env: settings.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    let message: VerifierMessage | null = null
    let ready = false
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString()
    })
    child.on('message', (received) => {
      if ((received as { ready?: unknown }).ready === true) ready = true
      else message = received as VerifierMessage
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ unavailable: `could not start the verifier: ${error.message}` })
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (message !== null && code === 0) return resolve({ message })
      const how = signal !== null ? `signal ${signal}` : `exit code ${code}`
      const detail = stderr.trim().split('\n').slice(-3).join(' | ')
      if (!ready && !timedOut) return resolve({ unavailable: `the verifier exited before it started (${how})${detail ? `: ${detail}` : ''}` })
      if (timedOut) return resolve({ failure: `the verifier did not finish within ${timeoutMs} ms`, crashed: false })
      resolve({ failure: `the verifier died reading the file (${how})${detail ? `: ${detail}` : ''}`, crashed: true })
    })
  })
}

function damaged(path: string, problems: string[], crashed: boolean, started: number): VerifyReport {
  return { path, ok: false, problems, crashed, tables: [], pageWalk: null, depth: 'full', durationMs: Date.now() - started }
}
