// The hub's HTTP API route modules, listed explicitly so the compiler sees them all and a
// newcomer finds them in one place. (index.ts adds the OpenAPI document route, which describes
// these: kept apart so it can import this list without an import cycle.)
import type { RouteModule } from '../http/route-module'
import type { HubContext } from '../hub-context'
import type { HubRouter } from '../routing'
import { adminResetRoutes } from './admin-reset'
import { adminStorageRoutes } from './admin-storage'
import { agentRoutes } from './agents'
import { analyticsRoutes } from './analytics'
import { channelRoutes } from './channels'
import { configRoutes } from './config'
import { dashboardRoutes } from './dashboard'
import { healthRoutes } from './health'
import { messagingRoutes } from './messaging'
import { observabilityRoutes } from './observability'
import { rateLimitRoutes } from './rate-limits'
import { registryRoutes } from './registries'
import { taskRoutes } from './tasks'
import { tokenRoutes } from './tokens'

export const API_ROUTE_MODULES: Readonly<Record<string, RouteModule>> = {
  health: healthRoutes,
  agents: agentRoutes,
  tokens: tokenRoutes,
  tasks: taskRoutes,
  messaging: messagingRoutes,
  channels: channelRoutes,
  config: configRoutes,
  analytics: analyticsRoutes,
  observability: observabilityRoutes,
  rateLimits: rateLimitRoutes,
  registries: registryRoutes,
  dashboard: dashboardRoutes,
  adminStorage: adminStorageRoutes,
  adminReset: adminResetRoutes,
}

/** Registers the given route modules; returns their names in order. A route registered twice throws. */
export function registerRoutes(router: HubRouter, hub: HubContext, modules: Readonly<Record<string, RouteModule>>): string[] {
  for (const register of Object.values(modules)) register(router, hub)
  return Object.keys(modules)
}
