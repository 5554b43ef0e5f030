// The schema version stored in the environment, and the migrations that move it forward.
import { StorageError } from './errors'

/** Version written by storage itself when it creates a fresh environment (the table layout). */
export const BASE_SCHEMA_VERSION = 1
export const SCHEMA_VERSION_KEY = 'schema_version'

/**
 * One step of schema evolution. `migrate` runs synchronously inside the same write
 * transaction that records `version`, so a crash leaves either the old or the new schema.
 */
export interface Migration<Context = unknown> {
  /** The schema version this migration produces; > 1 and strictly increasing in the list. */
  readonly version: number
  readonly description: string
  migrate(context: Context): void
}

/** Throws `bad_migration` unless versions are integers > BASE_SCHEMA_VERSION, strictly increasing. */
export function checkMigrationOrder(migrations: readonly Migration<never>[]): void {
  let previous = BASE_SCHEMA_VERSION
  for (const migration of migrations) {
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new StorageError(
        'bad_migration',
        `migration ${JSON.stringify(migration.description)} has version ${migration.version}; versions must be integers above ${previous}, strictly increasing`,
      )
    }
    previous = migration.version
  }
}

export function latestSchemaVersion(migrations: readonly Migration<never>[]): number {
  return migrations.length === 0 ? BASE_SCHEMA_VERSION : migrations[migrations.length - 1]!.version
}

/** The migrations still to run for an environment at `storedVersion`, in order. */
export function pendingMigrations<C>(migrations: readonly Migration<C>[], storedVersion: number): Migration<C>[] {
  const latest = latestSchemaVersion(migrations)
  if (storedVersion > latest) {
    throw new StorageError(
      'schema_too_new',
      `the environment has schema version ${storedVersion}, newer than this program knows (${latest}); refusing to open it rather than misread it`,
    )
  }
  return migrations.filter((migration) => migration.version > storedVersion)
}
