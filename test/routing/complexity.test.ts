import t from 'tap'
import fc from 'fast-check'
import { Value } from '@sinclair/typebox/value'
import {
  classifyComplexity,
  countWords,
  extractSignals,
  inferComplexity,
  isDisagreement,
  parseExplicitTier,
  type ComplexityInput,
} from '../../actors/routing/complexity'
import { ComplexitySchema } from '../../actors/task-queue/task'

const words = (n: number, word = 'item'): string => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ')
const hints = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `src/file${i}.ts` }))
const steps = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'file_exists', target: `out${i}` }))

const FOURTEEN = 'Add a new endpoint that returns the list of active users sorted by name'
const SIXTY = words(60)

t.test('spec §3.5 worked examples', async (t) => {
  const table: Array<[string, ComplexityInput, string, number]> = [
    ['empty input', {}, 'unknown', 0.0],
    ['fix typo in readme', { description: 'fix typo in readme' }, 'trivial', 0.9],
    ['information triggers format', { description: 'Update the information panel' }, 'trivial', 0.9],
    ['14 words, nothing else', { description: FOURTEEN }, 'trivial', 2 / 3],
    ['14 words + 2 hints', { description: FOURTEEN, file_hints: hints(2) }, 'standard', 2 / 3],
    ['60 words, nothing else (the bias)', { description: SIXTY }, 'trivial', 2 / 3],
    ['three-way tie → standard', { description: 'Add caching layer to the API', file_hints: hints(4), verification_steps: steps(1) }, 'standard', 1 / 3],
    ['complex keyword', { description: 'refactor the authentication architecture of the hub' }, 'complex', 0.7],
  ]
  t.equal(countWords(FOURTEEN), 14)
  for (const [name, input, tier, confidence] of table) {
    const c = classifyComplexity(input)
    t.equal(c.inferred.tier, tier, `${name}: tier`)
    t.equal(c.inferred.confidence, confidence, `${name}: confidence`)
    t.equal(c.effective_tier, tier, `${name}: effective`)
    t.equal(c.source, 'inferred')
    t.equal(c.explicit_tier, null)
  }
})

t.test('explicit tier wins; disagreement is detected once', async (t) => {
  const c = classifyComplexity({ description: 'rewrite the security layer', complexity_tier: 'trivial' })
  t.same(c, {
    effective_tier: 'trivial',
    explicit_tier: 'trivial',
    source: 'explicit',
    inferred: { tier: 'complex', confidence: 0.7, signals: { word_count: 4, file_count: 0, verification_count: 0, keywords: { complex: true, trivial: false } } },
  })
  t.ok(isDisagreement(c))
  t.notOk(isDisagreement(classifyComplexity({ description: 'rewrite it', complexity_tier: 'complex' })))
  t.notOk(isDisagreement(classifyComplexity({ description: 'rewrite it' })), 'no explicit tier, no disagreement')

  const unknownExplicit = classifyComplexity({ description: 'refactor', complexity_tier: 'unknown' })
  t.equal(unknownExplicit.effective_tier, 'unknown', 'explicit unknown is a valid tier')
  t.equal(unknownExplicit.source, 'explicit')

  const bogus = classifyComplexity({ description: 'refactor', complexity_tier: 'huge' })
  t.equal(bogus.source, 'inferred', 'an unrecognised tier counts as absent')
  t.equal(bogus.explicit_tier, null)
  t.equal(parseExplicitTier('Complex'), null, 'case-sensitive')
  t.equal(parseExplicitTier(3), null)
})

t.test('rule 2: complex keyword, confidence 0.7 + 0.1 per supporting signal (raw floats)', async (t) => {
  const table: Array<[ComplexityInput, number]> = [
    [{ description: 'migrate db' }, 0.7],
    [{ description: 'migrate db', file_hints: hints(3) }, 0.7],
    [{ description: 'migrate db', file_hints: hints(4) }, 0.7999999999999999],
    [{ description: 'migrate db', file_hints: hints(4), verification_steps: steps(4) }, 0.8999999999999999],
    [{ description: `migrate ${SIXTY}`, file_hints: hints(4), verification_steps: steps(4) }, 1.0],
    [{ description: `migrate ${words(49)}` }, 0.7],
    [{ description: `migrate ${words(50)}` }, 0.7999999999999999],
  ]
  for (const [input, confidence] of table) {
    const r = inferComplexity(extractSignals(input))
    t.equal(r.tier, 'complex')
    t.equal(r.confidence, confidence, JSON.stringify({ files: (input.file_hints as unknown[] | undefined)?.length, words: countWords(input.description) }))
  }
})

t.test('rule 3: trivial keyword only with ≤ 3 files and ≤ 3 steps', async (t) => {
  t.same(inferComplexity(extractSignals({ description: 'bump version' })), { tier: 'trivial', confidence: 0.9 })
  t.same(inferComplexity(extractSignals({ description: `bump version ${words(8)}` })), { tier: 'trivial', confidence: 0.75 }, '10 words → 0.75')
  t.same(inferComplexity(extractSignals({ description: `lint ${words(8)}` })), { tier: 'trivial', confidence: 0.9 }, '9 words → 0.9')
  t.same(inferComplexity(extractSignals({ description: 'rename', file_hints: hints(3), verification_steps: steps(3) })), { tier: 'trivial', confidence: 0.9 })
  // 4 files: rule 3 does not apply → votes: words trivial, files complex, steps trivial
  t.same(inferComplexity(extractSignals({ description: 'rename', file_hints: hints(4) })), { tier: 'trivial', confidence: 2 / 3 })
  t.same(inferComplexity(extractSignals({ description: 'rename', file_hints: hints(4), verification_steps: steps(4) })), { tier: 'complex', confidence: 2 / 3 })
  t.same(inferComplexity(extractSignals({ description: 'rewrite and fix typo' })), { tier: 'complex', confidence: 0.7 }, 'complex keyword rule comes first')
})

t.test('keywords are lower-cased substrings', async (t) => {
  const table: Array<[string, boolean, boolean]> = [
    ['REFACTOR THE HUB', true, false],
    ['Our architecture', true, false],
    ['Migration plan', true, false],
    ['Overhauled', true, false],
    ['Securityless', true, false],
    ['Add information', false, true],
    ['Splinter', false, true],
    ['Fix Typo', false, true],
    ['Update README', false, true],
    ['version bump please', false, true],
    ['renamed things', false, true],
    ['update read me', false, false],
    ['add a cache', false, false],
  ]
  for (const [text, complex, trivial] of table) t.same(extractSignals({ description: text }).keywords, { complex, trivial }, text)
})

t.test('rule 4 votes and thresholds', async (t) => {
  const table: Array<[number, number, number, string, number]> = [
    // words, files, steps → tier, confidence
    [9, 0, 0, 'trivial', 1.0],
    [10, 0, 0, 'trivial', 2 / 3],
    [10, 1, 0, 'standard', 2 / 3],
    [50, 3, 3, 'standard', 1.0],
    [51, 3, 3, 'standard', 2 / 3],
    [51, 4, 3, 'complex', 2 / 3],
    [51, 4, 4, 'complex', 1.0],
    [0, 2, 0, 'trivial', 2 / 3],
    [0, 4, 1, 'standard', 1 / 3],
    [60, 0, 2, 'standard', 1 / 3],
    [5, 4, 0, 'trivial', 2 / 3],
  ]
  for (const [w, f, s, tier, confidence] of table) {
    const r = inferComplexity(extractSignals({ description: words(w), file_hints: hints(f), verification_steps: steps(s) }))
    t.same(r, { tier, confidence }, `${w} words, ${f} files, ${s} steps`)
  }
})

t.test('signals from odd input', async (t) => {
  t.same(extractSignals({ description: 42, file_hints: 'x', verification_steps: { a: 1 } }), {
    word_count: 0, file_count: 0, verification_count: 0, keywords: { complex: false, trivial: false },
  })
  t.equal(countWords('  a\tb\nc  \u00a0 d '), 4, 'any whitespace separates, leading/trailing ignored')
  t.same(classifyComplexity({ description: '   \n ' }).inferred.tier, 'unknown', 'whitespace-only is empty')
  t.same(classifyComplexity({ file_hints: [{}] }).inferred, {
    tier: 'trivial', confidence: 2 / 3, signals: { word_count: 0, file_count: 1, verification_count: 0, keywords: { complex: false, trivial: false } },
  }, 'hints without a description: not unknown')
})

t.test('property: the record always fits the stored schema and explicit wins', async () => {
  const tier = fc.constantFrom('trivial', 'standard', 'complex', 'unknown', 'bogus', undefined)
  fc.assert(
    fc.property(fc.string(), fc.nat(8), fc.nat(8), tier, (description, f, s, explicit) => {
      const c = classifyComplexity({ description, file_hints: hints(f), verification_steps: steps(s), complexity_tier: explicit })
      if (!Value.Check(ComplexitySchema, c)) return false
      if (c.inferred.confidence < 0 || c.inferred.confidence > 1) return false
      const valid = explicit !== undefined && explicit !== 'bogus'
      return valid ? c.effective_tier === explicit && c.source === 'explicit' : c.effective_tier === c.inferred.tier
    }),
    { numRuns: 300 },
  )
})
