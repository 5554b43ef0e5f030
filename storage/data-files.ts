// Where the environment lives on disk, and the small file-system moves storage makes.
//
//   <dataDir>/lmdb/CURRENT                 names the live data file (atomically replaced)
//   <dataDir>/lmdb/agentcom-000001.mdb     the live LMDB data file (+ "-lock")
//   <dataDir>/backups/                      default backup directory
//   <dataDir>/aside/                        damaged or replaced data files, never deleted
//
// The data file carries a generation number so compaction and restore can open the new file
// before closing the old one: readers never see a closed environment, and a crash at any point
// leaves CURRENT naming a complete file.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'

const DATA_FILE_PATTERN = /^agentcom-(\d{6,})\.mdb$/
const CURRENT_FILE = 'CURRENT'

export function lmdbDirOf(dataDir: string): string {
  return join(dataDir, 'lmdb')
}

export function defaultBackupDir(dataDir: string): string {
  return join(dataDir, 'backups')
}

export function asideDirOf(dataDir: string): string {
  return join(dataDir, 'aside')
}

export function dataFileName(generation: number): string {
  return `agentcom-${String(generation).padStart(6, '0')}.mdb`
}

export function generationOf(fileName: string): number | null {
  const match = DATA_FILE_PATTERN.exec(fileName)
  return match ? Number(match[1]) : null
}

export function lockFileOf(dataFile: string): string {
  return `${dataFile}-lock`
}

/** The live data file's name, or null when the directory holds no environment yet. */
export function readCurrentDataFile(lmdbDir: string): string | null {
  const pointer = join(lmdbDir, CURRENT_FILE)
  if (!existsSync(pointer)) return null
  const name = readFileSync(pointer, 'utf8').trim()
  if (generationOf(name) === null) throw new Error(`${pointer} names ${JSON.stringify(name)}, which is not a data file`)
  return name
}

/** Points CURRENT at `fileName`: write a temp file, fsync, rename over, fsync the directory. */
export function writeCurrentDataFile(lmdbDir: string, fileName: string): void {
  const pointer = join(lmdbDir, CURRENT_FILE)
  const temp = `${pointer}.tmp`
  writeFileSync(temp, `${fileName}\n`)
  fsyncPath(temp)
  renameSync(temp, pointer)
  fsyncPath(lmdbDir)
}

/** A generation number above every data file present, so a new file never collides. */
export function nextDataFileName(lmdbDir: string): string {
  mkdirSync(lmdbDir, { recursive: true })
  let highest = 0
  for (const name of readdirSync(lmdbDir)) highest = Math.max(highest, generationOf(name) ?? 0)
  return dataFileName(highest + 1)
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/**
 * Moves a data file (and its lock file) into `<dataDir>/aside/`, named with the time and the
 * reason, and returns its new path. Storage never deletes a damaged or replaced file.
 */
export function moveAside(dataDir: string, dataFile: string, reason: string, now: number): string {
  const asideDir = asideDirOf(dataDir)
  mkdirSync(asideDir, { recursive: true })
  const stamp = new Date(now).toISOString().replace(/:/g, '-')
  let target = join(asideDir, `${stamp}_${reason}_${basename(dataFile)}`)
  for (let n = 1; existsSync(target); n++) target = join(asideDir, `${stamp}_${reason}_${n}_${basename(dataFile)}`)
  renameSync(dataFile, target)
  rmSync(lockFileOf(dataFile), { force: true })
  fsyncPath(asideDir)
  return target
}

export function removeDataFile(dataFile: string): void {
  rmSync(dataFile, { force: true })
  rmSync(lockFileOf(dataFile), { force: true })
}
