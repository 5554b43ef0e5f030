// The dashboard's server-side state (hardening.md §7.2, protocol.md §5.3).
export * from './actor'
export * from './completion-ledger'
export * from './event-items'
export * from './peer-calls'
export * from './snapshot'
