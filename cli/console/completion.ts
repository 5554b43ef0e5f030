// Tab completion for the console REPL (pure): inside a string literal, registered actor names
// (`state('sch⇥` → `state('scheduler`); elsewhere, helper names and the session's variables.

export interface CompletionSource {
  helpers: string[]
  actors: string[]
  globals: string[]
}

/** node:repl completer result: [candidates, the part of the line they replace]. */
export type CompleterResult = [string[], string]

export function completeLine(line: string, source: CompletionSource): CompleterResult {
  const quoted = openStringLiteral(line)
  if (quoted !== undefined) return [matching(source.actors, quoted), quoted]
  const word = /[A-Za-z_$][\w$]*$/.exec(line)?.[0] ?? ''
  if (word === '' && /[\w$.)\]'"`]$/.test(line)) return [[], '']
  const names = [...source.helpers, ...source.globals, 'system', 'ACTOR']
  return [matching(names, word), word]
}

/** The text after the opening quote when `line` ends inside a '…' or "…" string, else undefined. */
export function openStringLiteral(line: string): string | undefined {
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quote) {
      if (ch === '\\') i++
      else if (ch === quote) quote = undefined
    } else if (ch === "'" || ch === '"') {
      quote = ch
      start = i + 1
    }
  }
  return quote ? line.slice(start) : undefined
}

function matching(candidates: string[], prefix: string): string[] {
  return [...new Set(candidates)].filter((c) => c.startsWith(prefix)).sort()
}
