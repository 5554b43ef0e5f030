// §4.1 dashboard routes (`/dashboard`, `/ui/*`, `/sw.js`, `/api/dashboard/*`), owned by the
// dashboard area; re-exported here so every route module sits in this folder.
export { dashboardRoutes } from '../dashboard/dashboard-routes'
