// A route module registers one area's HTTP routes (protocol.md §4.x) on the hub's router.
import type { HubRouter } from '../routing'
import type { HubContext } from '../hub-context'

export type RouteModule = (router: HubRouter, hub: HubContext) => void
