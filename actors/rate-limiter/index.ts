// Rate limiting (hardening.md §5): token buckets, violations and backoff, policy and admin API,
// scheduler exclusion, sweep and dashboard view. Pure logic; the actor shell adds LMDB and timers.
export * from './token-bucket'
export * from './violations'
export * from './charges'
export * from './policy'
export * from './rate-limiter'
