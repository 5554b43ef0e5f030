// The lmdb-js options for every data file we open, in one place so that the hub, the verifier
// child process and the benchmark open files the same way.

/** Enough headroom over the 17 tables for later additions without reopening. */
export const MAX_TABLES = 32

export interface LmdbFileOptions {
  path: string
  noSubdir: true
  maxDbs: number
  /** False: each commit syncs inside its transaction, so a resolved write is on disk. */
  overlappingSync: false
  readOnly?: true
  pageSize?: number
}

export function lmdbOpenOptions(path: string, extra: { readOnly?: boolean; pageSize?: number } = {}): LmdbFileOptions {
  return {
    path,
    noSubdir: true,
    maxDbs: MAX_TABLES,
    overlappingSync: false,
    ...(extra.readOnly ? { readOnly: true as const } : {}),
    ...(extra.pageSize ? { pageSize: extra.pageSize } : {}),
  }
}
