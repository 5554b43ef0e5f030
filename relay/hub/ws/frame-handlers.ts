// Every /ws frame handler, merged from the area modules in ./handlers. Listed here explicitly so
// the compiler sees every handler and a newcomer finds them in one place. Two modules handling
// the same frame type is a startup error.
import type { FrameHandler, FrameHandlers } from './frame-context'
import { coreHandlers } from './handlers/core'
import { messagingHandlers } from './handlers/messaging'
import { reportHandlers } from './handlers/reports'
import { taskHandlers } from './handlers/tasks'

export const HANDLER_MODULES: Readonly<Record<string, FrameHandlers>> = {
  core: coreHandlers,
  messaging: messagingHandlers,
  reports: reportHandlers,
  tasks: taskHandlers,
}

export function mergeFrameHandlers(modules: Readonly<Record<string, FrameHandlers>> = HANDLER_MODULES): FrameHandlers {
  const merged: Record<string, FrameHandler> = {}
  const owner: Record<string, string> = {}
  for (const [module, handlers] of Object.entries(modules)) {
    for (const [type, handler] of Object.entries(handlers as Record<string, FrameHandler | undefined>)) {
      if (typeof handler !== 'function') continue
      if (owner[type]) throw new Error(`frame type "${type}" is handled twice: ${owner[type]} and ${module}`)
      owner[type] = module
      merged[type] = handler
    }
  }
  return merged as FrameHandlers
}
