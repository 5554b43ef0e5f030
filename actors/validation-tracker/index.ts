// Validation violation tracking (hardening.md §2.4) and the dashboard's validation view (§7.2).
export * from './connection-window'
export * from './disconnect-ledger'
export * from './failure-history'
