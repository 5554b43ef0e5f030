// The pure helpers under the benchmarks and scenarios: quantiles, env knobs, bench discovery,
// counting completions in a task's history.
import t from 'tap'
import { benchNames } from '../../bench/all'
import { completionsIn } from '../../bench/sim/hub-api'
import { envInt, quantile, round } from '../../bench/sim/report'

t.test('quantile: nearest rank over unsorted values', async (t) => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
  t.equal(quantile(values, 0.5), 5)
  t.equal(quantile(values, 0.99), 10)
  t.equal(quantile(values, 1), 10)
  t.equal(quantile(values, 0), 1)
  t.ok(Number.isNaN(quantile([], 0.5)), 'no samples: NaN, not a made-up number')
  t.same(values, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 'input left unsorted')
})

t.test('round: whole numbers from 100 up, two decimals below', async (t) => {
  t.equal(round(1234.56), 1235)
  t.equal(round(12.3456), 12.35)
  t.equal(round(-150.4), -150)
})

t.test('envInt: default, parsed value, clear error for junk', async (t) => {
  const name = 'E1_TEST_KNOB'
  delete process.env[name]
  t.equal(envInt(name, 7), 7)
  process.env[name] = '250'
  t.equal(envInt(name, 7), 250)
  process.env[name] = '2.5'
  t.throws(() => envInt(name, 7), /E1_TEST_KNOB must be a positive integer, got "2.5"/)
  process.env[name] = '0'
  t.throws(() => envInt(name, 7), /positive integer/)
  delete process.env[name]
})

t.test('benchNames: known benches in order, unknown ones after, maps and all.js left out', async (t) => {
  const files = ['scale.js', 'all.js', 'storage.js', 'zeta.js', 'latency.js.map', 'latency.js', 'e2e-throughput.js', 'alpha.js', 'sim']
  t.same(benchNames(files), ['storage', 'e2e-throughput', 'latency', 'scale', 'alpha', 'zeta'])
})

t.test('completionsIn counts completed events only', async (t) => {
  t.equal(
    completionsIn([
      { event: 'completed', timestamp: 3 },
      { event: 'assigned', timestamp: 2 },
      { event: 'reclaimed', timestamp: 1 },
    ]),
    1,
  )
  t.equal(completionsIn([]), 0)
})
