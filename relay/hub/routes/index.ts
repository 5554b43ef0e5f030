// Every HTTP route module of the hub: the API's (route-modules.ts) and the OpenAPI document
// describing them. A route registered twice is a startup error (the router).
import type { RouteModule } from '../http/route-module'
import type { HubContext } from '../hub-context'
import type { HubRouter } from '../routing'
import { openApiRoutes } from './openapi'
import { API_ROUTE_MODULES, registerRoutes } from './route-modules'

export const ROUTE_MODULES: Readonly<Record<string, RouteModule>> = { ...API_ROUTE_MODULES, openApi: openApiRoutes }

/** Registers every route module of the hub; returns their names in order. */
export function registerRouteModules(router: HubRouter, hub: HubContext): string[] {
  return registerRoutes(router, hub, ROUTE_MODULES)
}
