// Errors storage throws on purpose. Each carries a stable `code` callers can switch on.

export type StorageErrorCode =
  | 'unknown_table'
  | 'schema_too_new'
  | 'bad_migration'
  | 'storage_closed'
  | 'no_usable_backup'
  | 'maintenance_busy'
  | 'not_an_environment'

export class StorageError extends Error {
  readonly code: StorageErrorCode

  constructor(code: StorageErrorCode, message: string) {
    super(message)
    this.name = 'StorageError'
    this.code = code
  }
}

export function unknownTable(name: string): StorageError {
  return new StorageError('unknown_table', `unknown table ${JSON.stringify(name)}`)
}

/** What the maintenance actors answer for a `:table` that is not one of the ten managed tables. */
export class UnknownTableError extends Error {
  override readonly name = 'UnknownTableError'
  constructor(readonly table: string) {
    super(`unknown_table: ${table}`)
  }
}
