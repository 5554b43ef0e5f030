// Opening storage at hub start: verify the data file; if it is damaged, move it aside and
// restore the newest good backup; if there is none, start empty in degraded mode. Never
// deletes a damaged file. The report says what happened, loudly when data was lost.
import { constants, copyFileSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { defaultBackupDir, generationOf, lmdbDirOf, moveAside, nextDataFileName, readCurrentDataFile, writeCurrentDataFile } from './data-files'
import { openStorage, type Storage, type StorageOptions } from './environment'
import { verify, VerifierUnavailable, type VerifyOptions, type VerifyReport } from './integrity/verify'
import { newestGoodBackup, type RejectedBackup } from './restore'

export interface RecoveryOptions extends StorageOptions {
  /** Where backups live; default `<dataDir>/backups`. */
  backupDir?: string
  /** Clock; defaults to Date.now. */
  now?: () => number
  verify?: VerifyOptions
}

export type RecoveryOutcome =
  /** No environment existed; a new empty one was created. */
  | 'fresh'
  /** The data file verified clean. */
  | 'clean'
  /** The verifier could not run (says nothing about the file): opened as is, with a warning. */
  | 'unverified'
  /** The data file was damaged; the newest good backup replaced it. */
  | 'restored'
  /** The data file was damaged and no backup was usable: started empty. Data lost. */
  | 'degraded'

export interface RecoveryReport {
  outcome: RecoveryOutcome
  /** Log at `critical` when true. */
  dataLost: boolean
  /** One line for the log. */
  message: string
  dataFile: string
  verification: VerifyReport | null
  backupUsed: string | null
  rejectedBackups: RejectedBackup[]
  damagedFileKeptAt: string | null
}

export async function recoverStorage(options: RecoveryOptions): Promise<{ storage: Storage; report: RecoveryReport }> {
  const now = options.now ?? Date.now
  const lmdbDir = lmdbDirOf(options.dataDir)
  const backupDir = options.backupDir ?? defaultBackupDir(options.dataDir)
  const current = currentOrAdoptedDataFile(lmdbDir)
  if (current === null) {
    const storage = openStorage(options)
    return { storage, report: report('fresh', storage, 'no environment yet: created an empty one') }
  }
  let verification: VerifyReport
  try {
    verification = await verify(join(lmdbDir, current), { trustCleanClose: true, ...options.verify })
  } catch (error) {
    if (!(error instanceof VerifierUnavailable)) throw error
    // a check that could not run is no evidence of damage: never move a good file aside for it
    const storage = openStorage(options)
    return { storage, report: report('unverified', storage, `${error.message}; opened the data file without checking it`) }
  }
  if (verification.ok) {
    const storage = openStorage(options)
    const how = verification.depth === 'full' ? 'the data file verified clean' : 'the data file was closed cleanly and its structure verified clean (records not decoded)'
    return { storage, report: { ...report('clean', storage, how), verification } }
  }

  const damagedPath = join(lmdbDir, current)
  const freshName = nextDataFileName(lmdbDir) // before moving aside: generations only go up
  const damagedFileKeptAt = existsSync(damagedPath) ? moveAside(options.dataDir, damagedPath, 'damaged', now()) : null
  const why = verification.problems.slice(0, 3).join('; ')
  const { chosen, rejected } = await newestGoodBackup(backupDir, options.verify)
  if (chosen !== null) {
    copyFileSync(chosen.path, join(lmdbDir, freshName), constants.COPYFILE_EXCL)
    writeCurrentDataFile(lmdbDir, freshName)
    const storage = openStorage(options)
    const message = `the data file was damaged (${why}); restored backup ${chosen.name}; damaged file kept at ${damagedFileKeptAt}`
    return {
      storage,
      report: { ...report('restored', storage, message), verification, backupUsed: chosen.name, rejectedBackups: rejected, damagedFileKeptAt, dataLost: false },
    }
  }
  writeCurrentDataFile(lmdbDir, freshName)
  const storage = openStorage(options)
  const reason = `the data file was damaged (${why}) and no usable backup exists in ${backupDir}`
  storage.markDegraded({ reason, damagedFileKeptAt, since: now() })
  const message = `DEGRADED MODE, DATA LOST: ${reason}; started with an empty store; damaged file kept at ${damagedFileKeptAt}`
  return {
    storage,
    report: { ...report('degraded', storage, message), verification, rejectedBackups: rejected, damagedFileKeptAt, dataLost: true },
  }
}

/**
 * The data file CURRENT names. Without CURRENT but with data files present (CURRENT lost by
 * hand), adopt the newest generation rather than silently starting empty.
 */
function currentOrAdoptedDataFile(lmdbDir: string): string | null {
  if (!existsSync(lmdbDir)) return null
  const current = readCurrentDataFile(lmdbDir)
  if (current !== null) return current
  const newest = readdirSync(lmdbDir)
    .filter((name) => generationOf(name) !== null)
    .sort((a, b) => generationOf(b)! - generationOf(a)!)[0]
  if (newest === undefined) return null
  writeCurrentDataFile(lmdbDir, newest)
  return newest
}

function report(outcome: RecoveryOutcome, storage: Storage, message: string): RecoveryReport {
  return {
    outcome,
    dataLost: false,
    message,
    dataFile: storage.dataFile,
    verification: null,
    backupUsed: null,
    rejectedBackups: [],
    damagedFileKeptAt: null,
  }
}
