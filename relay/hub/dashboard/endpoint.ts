// Integration point (relay/hub/CONTRACTS.md): startHub loads this file and calls
// `createDashboardEndpoint(hub)` for `/ws/dashboard`.
export { createDashboardEndpoint, DashboardSocketEndpoint } from './dashboard-endpoint'
