// Parsing Ollama's model lists. GET /api/tags → `{"models":[{"name","model","modified_at",
// "size","digest","details":{…}},…]}` (installed models); GET /api/ps → `{"models":[{"name",
// "model","size","size_vram","digest","details","expires_at"},…]}` (models loaded in memory).
// Both accept a parsed body of any shape: whatever is not a well-formed entry is skipped.

import type { LoadedModel } from './endpoint'

function entriesOf(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null) return []
  const models = (body as { models?: unknown }).models
  return Array.isArray(models) ? models : []
}

function nameOf(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null) return null
  const { name, model } = entry as { name?: unknown; model?: unknown }
  if (typeof name === 'string' && name !== '') return name
  return typeof model === 'string' && model !== '' ? model : null
}

/** Installed model names in Ollama's order, each once. */
export function parseTagsModels(body: unknown): string[] {
  const names: string[] = []
  for (const entry of entriesOf(body)) {
    const name = nameOf(entry)
    if (name !== null && !names.includes(name)) names.push(name)
  }
  return names
}

/** Loaded models with their VRAM use (`size_vram`, 0 when absent or not a number). */
export function parsePsModels(body: unknown): LoadedModel[] {
  const loaded: LoadedModel[] = []
  for (const entry of entriesOf(body)) {
    const name = nameOf(entry)
    if (name === null || loaded.some((m) => m.name === name)) continue
    const vram = (entry as { size_vram?: unknown }).size_vram
    loaded.push({ name, size_vram: typeof vram === 'number' && Number.isFinite(vram) && vram >= 0 ? vram : 0 })
  }
  return loaded
}

/** JSON.parse that answers undefined instead of throwing (an unparseable body is not an error). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
