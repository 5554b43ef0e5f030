export { HubRouter, type HttpMethod, type RoutedRequest, type RouteHandler, type RouterOptions } from './router'
export type { PathParams } from './path-params'
export { staticDirectory, fileReply, contentTypeFor } from './static-files'
export { integerQueryParam } from './query-params'
