// The `auth` actor and its token helpers.
export * from './actor'
export * from './token-hash'
export * from './token-record'
export * from './admin-token-file'
