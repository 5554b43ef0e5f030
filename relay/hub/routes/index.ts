// Registers every route module in this folder: each file exports one or more
// `<area>Routes: RouteModule` functions (health, agents, tokens, tasks here; messaging,
// channels, config, dashboard… from their areas). A route registered twice is a startup error.
import { exportsEndingWith, loadOptionalModule, moduleFilesIn } from '../module-discovery'
import type { RouteModule } from '../http/route-module'
import type { HubContext } from '../hub-context'
import type { HubRouter } from '../routing'

export const ROUTES_DIR = __dirname

export interface RegisteredModule {
  file: string
  exportName: string
}

export function registerRouteModules(router: HubRouter, hub: HubContext, dir: string = ROUTES_DIR): RegisteredModule[] {
  const registered: RegisteredModule[] = []
  for (const file of moduleFilesIn(dir)) {
    const mod = loadOptionalModule(file)
    if (!mod) continue
    for (const [exportName, value] of exportsEndingWith(mod, 'Routes')) {
      if (typeof value !== 'function') continue
      ;(value as RouteModule)(router, hub)
      registered.push({ file, exportName })
    }
  }
  return registered
}
