// Web push for the dashboard (hardening.md §7.4).
export * from './actor'
export * from './push-payloads'
export * from './push-sender'
export * from './push-subscription'
export * from './vapid-keys'
