// The complexity heuristic of smart-pipeline.md §3, exactly as the original computes it: the
// same signals, substring keyword matching, thresholds, rule order, tie order and confidence
// arithmetic (raw floats such as 0.7999999999999999 included).
//
// Known bias kept on purpose (DIGEST behaviour 6): a description-only task without a keyword is
// always `trivial`, whatever its length. Trivial must therefore never mean "run the description
// as a shell command" — that decision belongs to the executor side, not to this classifier.

import {
  COMPLEXITY_TIERS,
  type Complexity,
  type ComplexityTier,
} from '../task-queue/task'

export type { Complexity, ComplexityTier }

/** Tiers a vote or a keyword rule can produce (`unknown` only comes from rule 1). */
export type VotedTier = Exclude<ComplexityTier, 'unknown'>

export interface ComplexitySignals {
  word_count: number
  file_count: number
  verification_count: number
  keywords: { complex: boolean; trivial: boolean }
}

export interface InferredComplexity {
  tier: ComplexityTier
  confidence: number
  signals: ComplexitySignals
}

/** The submit fields the heuristic reads; untyped because they come straight off the wire. */
export interface ComplexityInput {
  description?: unknown
  file_hints?: unknown
  verification_steps?: unknown
  complexity_tier?: unknown
}

export const COMPLEX_KEYWORDS = [
  'refactor', 'architect', 'migration', 'redesign', 'migrate', 'security', 'overhaul', 'rewrite',
] as const

export const TRIVIAL_KEYWORDS = [
  'fix typo', 'update readme', 'bump version', 'rename', 'typo', 'format', 'lint', 'version bump',
] as const

/** Word-count thresholds: trivial below, complex above. */
export const TRIVIAL_WORDS_BELOW = 10
export const COMPLEX_WORDS_ABOVE = 50
/** File-hint and verification-step thresholds: 0 trivial, 1..3 standard, ≥ 4 complex. */
export const TRIVIAL_COUNT_AT_MOST = 0
export const STANDARD_COUNT_AT_MOST = 3

/** Vote ties resolve in this order. */
const TIE_ORDER: readonly VotedTier[] = ['standard', 'complex', 'trivial']

/** Whitespace-separated tokens, as Elixir's String.split/1 counts them. */
export function countWords(description: unknown): number {
  if (typeof description !== 'string') return 0
  return description.split(/\s+/u).filter((w) => w !== '').length
}

function listLength(v: unknown): number {
  return Array.isArray(v) ? v.length : 0
}

function containsAny(text: string, keywords: readonly string[]): boolean {
  return keywords.some((k) => text.includes(k))
}

export function extractSignals(input: ComplexityInput): ComplexitySignals {
  const text = typeof input.description === 'string' ? input.description.toLowerCase() : ''
  return {
    word_count: countWords(input.description),
    file_count: listLength(input.file_hints),
    verification_count: listLength(input.verification_steps),
    keywords: { complex: containsAny(text, COMPLEX_KEYWORDS), trivial: containsAny(text, TRIVIAL_KEYWORDS) },
  }
}

function voteByWords(words: number): VotedTier {
  if (words < TRIVIAL_WORDS_BELOW) return 'trivial'
  if (words > COMPLEX_WORDS_ABOVE) return 'complex'
  return 'standard'
}

function voteByCount(count: number): VotedTier {
  if (count <= TRIVIAL_COUNT_AT_MOST) return 'trivial'
  if (count <= STANDARD_COUNT_AT_MOST) return 'standard'
  return 'complex'
}

function allSignalsEmpty(s: ComplexitySignals): boolean {
  return s.word_count === 0 && s.file_count === 0 && s.verification_count === 0 &&
    !s.keywords.complex && !s.keywords.trivial
}

/** Rule 2's supporting signals: files > 3, steps > 3, words > 50. */
function complexSupport(s: ComplexitySignals): number {
  return [s.file_count > STANDARD_COUNT_AT_MOST, s.verification_count > STANDARD_COUNT_AT_MOST, s.word_count > COMPLEX_WORDS_ABOVE]
    .filter(Boolean).length
}

function classifyByVotes(s: ComplexitySignals): { tier: VotedTier; confidence: number } {
  const votes: VotedTier[] = [voteByWords(s.word_count), voteByCount(s.file_count), voteByCount(s.verification_count)]
  let best: VotedTier = TIE_ORDER[0]!
  let bestCount = -1
  for (const tier of TIE_ORDER) {
    const count = votes.filter((v) => v === tier).length
    if (count > bestCount) {
      best = tier
      bestCount = count
    }
  }
  return { tier: best, confidence: bestCount / 3 }
}

/** The inferred tier: first matching rule of §3.3. */
export function inferComplexity(signals: ComplexitySignals): { tier: ComplexityTier; confidence: number } {
  if (allSignalsEmpty(signals)) return { tier: 'unknown', confidence: 0.0 }
  if (signals.keywords.complex) return { tier: 'complex', confidence: 0.7 + 0.1 * complexSupport(signals) }
  if (signals.keywords.trivial && signals.file_count <= STANDARD_COUNT_AT_MOST && signals.verification_count <= STANDARD_COUNT_AT_MOST) {
    return { tier: 'trivial', confidence: signals.word_count < TRIVIAL_WORDS_BELOW ? 0.9 : 0.75 }
  }
  return classifyByVotes(signals)
}

/** A recognised `complexity_tier`, or null (unrecognised strings count as absent). */
export function parseExplicitTier(value: unknown): ComplexityTier | null {
  return typeof value === 'string' && (COMPLEXITY_TIERS as readonly string[]).includes(value)
    ? (value as ComplexityTier)
    : null
}

/**
 * The stored complexity record (§3.1). The heuristic always runs; a valid explicit tier always
 * wins. Computed once at submit.
 */
export function classifyComplexity(input: ComplexityInput): Complexity {
  const signals = extractSignals(input)
  const inferred = inferComplexity(signals)
  const explicit = parseExplicitTier(input.complexity_tier)
  return {
    effective_tier: explicit ?? inferred.tier,
    explicit_tier: explicit,
    source: explicit === null ? 'inferred' : 'explicit',
    inferred: { tier: inferred.tier, confidence: inferred.confidence, signals },
  }
}

/**
 * True when an explicit tier contradicts the heuristic: the one `complexity.disagreement`
 * telemetry event (the original emitted it twice per submit).
 */
export function isDisagreement(c: Pick<Complexity, 'explicit_tier' | 'inferred'>): boolean {
  return c.explicit_tier !== null && c.explicit_tier !== c.inferred.tier
}
