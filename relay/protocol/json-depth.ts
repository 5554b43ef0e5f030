// Nesting limit for inbound JSON (frames and bodies). Deeply nested values are valid JSON, but
// code further in walks them recursively (the storage encoder, merges, validation) and a few
// thousand levels overflow the stack: they are refused at the door with the parse error.

export const MAX_JSON_DEPTH = 64

/** True when `value` nests objects/arrays more than `max` levels deep. Iterative: never recurses. */
export function exceedsJsonDepth(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== 'object' || current === null) continue
    if (depth > max) return true
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}
