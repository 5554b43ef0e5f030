// Every /ws frame handler, merged from the modules in ./handlers: each exports one or more
// `<area>Handlers: FrameHandlers` objects (core, tasks, reports here; messaging from the
// messaging area). Two modules handling the same type is a startup error.
import { join } from 'node:path'
import { exportsEndingWith, loadOptionalModule, moduleFilesIn } from '../module-discovery'
import type { FrameHandler, FrameHandlers } from './frame-context'

export const HANDLERS_DIR = join(__dirname, 'handlers')

export function loadFrameHandlers(dir: string = HANDLERS_DIR): FrameHandlers {
  const merged: Record<string, { handler: FrameHandler; from: string }> = {}
  for (const file of moduleFilesIn(dir)) {
    const mod = loadOptionalModule(file)
    if (!mod) continue
    for (const [exportName, value] of exportsEndingWith(mod, 'Handlers')) {
      if (typeof value !== 'object' || value === null) continue
      for (const [type, handler] of Object.entries(value as Record<string, unknown>)) {
        if (typeof handler !== 'function') continue
        const from = `${file}#${exportName}`
        const existing = merged[type]
        if (existing) throw new Error(`frame type "${type}" is handled twice: ${existing.from} and ${from}`)
        merged[type] = { handler: handler as FrameHandler, from }
      }
    }
  }
  const handlers: Record<string, FrameHandler> = {}
  for (const [type, entry] of Object.entries(merged)) handlers[type] = entry.handler
  return handlers as FrameHandlers
}
