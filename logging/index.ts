// Structured logging shared by hub and sidecar (hardening.md §3.1).
export * from './levels'
export * from './redaction'
export * from './rotating-file'
export * from './create-logger'
export * from './request-id'
export * from './access-log'
export * from './log-level-api'
