// The hub's dashboard front door: the `/ws/dashboard` endpoint and the HTTP routes.
export * from './dashboard-endpoint'
export * from './dashboard-feed'
export * from './dashboard-commands'
export * from './dashboard-routes'
