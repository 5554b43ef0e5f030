// Child-process side of `verify`: a damaged LMDB file can crash the process that reads it
// (SIGSEGV inside the native binding), so the reading happens here and the parent treats a
// crash as "damaged". Usage: fork(this file, [dataFile, TRUST_CLEAN_CLOSE_FLAG?]); messages
// back: `{ready: true}` once loaded, then one VerifierMessage.
import { open, type RootDatabase } from 'lmdb'
import { lmdbOpenOptions } from '../lmdb-options'
import { CLEAN_CLOSE_KEY, META_TABLE } from '../table-names'
import { walkLmdbFile, type PageWalkReport } from './page-walker'

export const TRUST_CLEAN_CLOSE_FLAG = '--trust-clean-close'

/** `full`: every record decoded too; `structure`: the page walk only (a trusted clean close). */
export type VerifyDepth = 'full' | 'structure'

export interface VerifierMessage {
  problems: string[]
  pageWalk: PageWalkReport | null
  tables: { table: string; recordCount: number }[]
  depth: VerifyDepth
}

/** Whether the file carries the marker its last process wrote when it closed the environment. */
function closedCleanly(path: string): boolean {
  const root = open(lmdbOpenOptions(path, { readOnly: true })) as RootDatabase
  try {
    return root.openDB({ name: META_TABLE }).get(CLEAN_CLOSE_KEY) !== undefined
  } finally {
    void root.close()
  }
}

/** Opens the file read-only and decodes every record of every table. */
function readEveryRecord(path: string, walk: PageWalkReport, problems: string[]): { table: string; recordCount: number }[] {
  const root = open(lmdbOpenOptions(path, { readOnly: true })) as RootDatabase
  const tables: { table: string; recordCount: number }[] = []
  try {
    for (const tree of walk.trees) {
      if (tree.name.startsWith('(')) continue
      let recordCount = 0
      try {
        const db = root.openDB({ name: tree.name })
        for (const entry of db.getRange()) {
          if (entry.value === undefined) throw new Error(`record ${JSON.stringify(entry.key)} decodes to nothing`)
          recordCount++
        }
      } catch (error) {
        problems.push(`${tree.name}: reading record ${recordCount + 1} failed: ${(error as Error).message}`)
      }
      if (recordCount !== tree.recordCount) problems.push(`${tree.name}: decoded ${recordCount} records, the tree holds ${tree.recordCount}`)
      tables.push({ table: tree.name, recordCount })
    }
  } finally {
    void root.close()
  }
  return tables
}

function main(path: string, trustCleanClose: boolean): VerifierMessage {
  const pageWalk = walkLmdbFile(path)
  const problems = [...pageWalk.problems]
  // Only hand a structurally sound file to the native reader: less crashing, clearer reasons.
  if (!pageWalk.ok) return { problems, pageWalk, tables: [], depth: 'full' }
  if (trustCleanClose && closedCleanly(path)) {
    const tables = pageWalk.trees.filter((t) => !t.name.startsWith('(')).map((t) => ({ table: t.name, recordCount: t.recordCount }))
    return { problems, pageWalk, tables, depth: 'structure' }
  }
  return { problems, pageWalk, tables: readEveryRecord(path, pageWalk, problems), depth: 'full' }
}

if (require.main === module) {
  const path = process.argv[2]
  if (path === undefined || process.send === undefined) {
    process.stderr.write('usage: fork verifier-process <data file>\n')
    process.exit(2)
  }
  // first: the modules loaded and the process runs (the parent tells "could not start" from "damaged")
  process.send({ ready: true })
  let message: VerifierMessage
  try {
    message = main(path, process.argv[3] === TRUST_CLEAN_CLOSE_FLAG)
  } catch (error) {
    message = { problems: [`verifier failed: ${(error as Error).message}`], pageWalk: null, tables: [], depth: 'full' }
  }
  process.send(message, () => process.exit(0))
}
