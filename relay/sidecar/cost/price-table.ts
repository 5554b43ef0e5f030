// Cost per execution (sidecar.md §9.6): USD per million tokens, exact key then prefix match.
// Defects fixed: the hub routes complex work with the model name "claude" (and Claude Code
// reports dated, hyphenated ids such as "claude-sonnet-4-5-20250929"); the original priced both
// at $0 and reported a fake "savings" figure. Any Claude model now gets a real price, and cache
// reads/writes are priced at Anthropic's cache rates.

export interface ModelPrice {
  input: number
  output: number
}

export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = {
  'claude-sonnet-4.5': { input: 3.0, output: 15.0 },
  'claude-opus-4.5': { input: 5.0, output: 25.0 },
  'claude-haiku-4.5': { input: 1.0, output: 5.0 },
  'claude-opus-4.6': { input: 5.0, output: 25.0 },
}

/** the internal Sonnet baseline for "what this would have cost on Claude" */
export const CLAUDE_EQUIVALENT_PRICE: ModelPrice = { input: 3.0, output: 15.0 }

/** the model a "claude" routing decision (or no model at all) runs and is priced as */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-4.5'

/** generic names the hub and the Claude Code CLI use for a model family */
export const CLAUDE_MODEL_ALIASES: Readonly<Record<string, string>> = {
  claude: DEFAULT_CLAUDE_MODEL,
  sonnet: 'claude-sonnet-4.5',
  opus: 'claude-opus-4.6',
  haiku: 'claude-haiku-4.5',
}

export const CACHE_WRITE_MULTIPLIER = 1.25
export const CACHE_READ_MULTIPLIER = 0.1

export interface TokenUsage {
  /** all prompt tokens, cache reads and writes included */
  tokens_in: number
  tokens_out: number
  cache_creation_input_tokens?: number
  cache_read_input_tokens?: number
}

export interface CostEstimate {
  /** which table entry priced the run: a key, "claude_fallback", or null (free/local) */
  price_key: string | null
  estimated_cost_usd: number
  equivalent_claude_cost_usd: number | null
}

/** `claude-sonnet-4-5-20250929` → `claude-sonnet-4.5-20250929`; other names unchanged. */
export function canonicalModelName(model: string): string {
  const lower = model.trim().toLowerCase()
  const alias = CLAUDE_MODEL_ALIASES[lower]
  if (alias) return alias
  return lower.replace(/^(claude-[a-z]+-\d+)-(\d)(?=$|[-:@])/, '$1.$2')
}

/** The price-table key for a model: exact, else the first key that prefixes it, else null. */
export function priceKeyFor(model: string): string | null {
  const name = canonicalModelName(model)
  if (PRICE_TABLE[name]) return name
  return Object.keys(PRICE_TABLE).find((key) => name.startsWith(key)) ?? null
}

export function isClaudeModel(model: string): boolean {
  return canonicalModelName(model).startsWith('claude')
}

function priced(usage: TokenUsage, price: ModelPrice): number {
  const cacheWrite = usage.cache_creation_input_tokens ?? 0
  const cacheRead = usage.cache_read_input_tokens ?? 0
  const plainIn = Math.max(0, usage.tokens_in - cacheWrite - cacheRead)
  const usd =
    (plainIn * price.input +
      cacheWrite * price.input * CACHE_WRITE_MULTIPLIER +
      cacheRead * price.input * CACHE_READ_MULTIPLIER +
      usage.tokens_out * price.output) /
    1e6
  return roundUsd(usd)
}

/** to 1e-9 USD: keeps sums of many small runs free of float noise in reports */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9
}

/**
 * Known Claude models are priced from the table (an unknown `claude-*` name at the Sonnet
 * baseline rather than $0); anything else is local (Ollama, shell) and costs 0, with the
 * Sonnet-equivalent figure when tokens were used.
 */
export function estimateCost(model: string, usage: TokenUsage): CostEstimate {
  const key = priceKeyFor(model)
  if (key) return { price_key: key, estimated_cost_usd: priced(usage, PRICE_TABLE[key]), equivalent_claude_cost_usd: null }
  if (isClaudeModel(model)) {
    return { price_key: 'claude_fallback', estimated_cost_usd: priced(usage, CLAUDE_EQUIVALENT_PRICE), equivalent_claude_cost_usd: null }
  }
  const tokens = usage.tokens_in + usage.tokens_out
  return {
    price_key: null,
    estimated_cost_usd: 0,
    equivalent_claude_cost_usd: tokens > 0 ? priced(usage, CLAUDE_EQUIVALENT_PRICE) : null,
  }
}
