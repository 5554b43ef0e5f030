import t from 'tap'
import { canonicalModelName, estimateCost, priceKeyFor, PRICE_TABLE } from '../../relay/sidecar/cost/price-table'

t.test('exact keys price per million tokens, no equivalent figure', async (t) => {
  t.same(estimateCost('claude-sonnet-4.5', { tokens_in: 1_000_000, tokens_out: 1_000_000 }), {
    price_key: 'claude-sonnet-4.5',
    estimated_cost_usd: 18,
    equivalent_claude_cost_usd: null,
  })
  t.equal(estimateCost('claude-opus-4.5', { tokens_in: 2000, tokens_out: 1000 }).estimated_cost_usd, 0.035)
  t.equal(estimateCost('claude-haiku-4.5', { tokens_in: 1000, tokens_out: 1000 }).estimated_cost_usd, 0.006)
  t.equal(estimateCost('claude-opus-4.6', { tokens_in: 0, tokens_out: 1_000_000 }).estimated_cost_usd, 25)
  t.notOk('_claude_equivalent' in PRICE_TABLE, 'the internal baseline is not a lookup key')
})

t.test('prefix matching, and the hyphenated ids Claude Code reports', async (t) => {
  t.equal(priceKeyFor('claude-sonnet-4.5:latest'), 'claude-sonnet-4.5')
  t.equal(priceKeyFor('claude-sonnet-4-5-20250929'), 'claude-sonnet-4.5')
  t.equal(priceKeyFor('claude-opus-4-6'), 'claude-opus-4.6')
  t.equal(priceKeyFor('CLAUDE-HAIKU-4-5'), 'claude-haiku-4.5')
  t.equal(canonicalModelName('claude-sonnet-4-20250514'), 'claude-sonnet-4-20250514', 'a date is not a minor version')
  t.equal(priceKeyFor('llama3.2:latest'), null)
})

t.test('the hub model name "claude" (defect: costed at $0) gets the default model price', async (t) => {
  const cost = estimateCost('claude', { tokens_in: 1000, tokens_out: 1000 })
  t.equal(cost.price_key, 'claude-sonnet-4.5')
  t.equal(cost.estimated_cost_usd, 0.018)
  t.equal(cost.equivalent_claude_cost_usd, null, 'no fake savings figure')
  t.equal(estimateCost('sonnet', { tokens_in: 1000, tokens_out: 0 }).estimated_cost_usd, 0.003)
})

t.test('an unknown claude-* model is priced at the Sonnet baseline, never $0', async (t) => {
  const cost = estimateCost('claude-3-5-sonnet-20241022', { tokens_in: 1000, tokens_out: 1000 })
  t.equal(cost.price_key, 'claude_fallback')
  t.equal(cost.estimated_cost_usd, 0.018)
})

t.test('local models cost 0 with a Sonnet-equivalent figure only when tokens were used', async (t) => {
  t.same(estimateCost('llama3.2:latest', { tokens_in: 1000, tokens_out: 1000 }), {
    price_key: null,
    estimated_cost_usd: 0,
    equivalent_claude_cost_usd: 0.018,
  })
  t.same(estimateCost('none', { tokens_in: 0, tokens_out: 0 }), { price_key: null, estimated_cost_usd: 0, equivalent_claude_cost_usd: null })
})

t.test('cache writes cost 1.25x and cache reads 0.1x the input price', async (t) => {
  // 1M plain + 1M cache write + 1M cache read on Sonnet: 3 + 3.75 + 0.3
  const cost = estimateCost('claude-sonnet-4.5', {
    tokens_in: 3_000_000,
    tokens_out: 0,
    cache_creation_input_tokens: 1_000_000,
    cache_read_input_tokens: 1_000_000,
  })
  t.equal(cost.estimated_cost_usd, 7.05)
})
