// Culture ship names for agents onboarded without --name (spec sidecar.md §15.3): "gcu-" + one
// of 65 names. The original's collision check never matched (it expected an array where the hub
// answers {"agents":[…]}); pickFreeName takes the names already in use as a plain set.

export const CULTURE_NAMES: readonly string[] = [
  'sleeper-service', 'grey-area', 'just-read-the-instructions', 'so-much-for-subtlety',
  'no-more-mr-nice-guy', 'very-little-gravitas-indeed', 'of-course-i-still-love-you', 'problem-child',
  'gunboat-diplomat', 'sense-amid-madness-wit-amidst-folly', 'honest-mistake', 'contents-may-differ',
  'lightly-seared-on-the-reality-grill', 'mistake-not', 'passing-by-and-thought-id-say-hello',
  'experiencing-a-significant-gravitas-shortfall', 'rapid-random-happiness', 'death-and-gravity',
  'frank-exchange-of-views', 'youthful-indiscretion', 'zero-gravitas', 'limiting-factor',
  'use-of-weapons', 'xenophobe', 'quietly-confident', 'trade-surplus', 'bora-horza-gobuchul',
  'what-are-the-alarm-signals', 'irregular-apocalypse', 'killing-time', 'happy-idiot-talk',
  'reasonable-excuse', 'prosthetic-conscience', 'bad-for-business', 'size-isnt-everything',
  'anticipation-of-a-new-lovers-arrival', 'fate-amenable-to-change',
  'a-series-of-unlikely-explanations', 'tactical-grace', 'pure-big-mad-boat-thing', 'steely-glint',
  'attitude-adjuster', 'determinist', 'ends-of-invention', 'it-wishes', 'subtle-shift-in-emphasis',
  'i-thought-he-was-with-you', 'break-even', 'no-fixed-abode', 'the-nervously-optimistic',
  'refreshingly-unconcerned-with-conventional-approach', 'value-judgment', 'lasting-damage',
  'just-testing', 'serious-callers-only', 'falling-outside-the-normal-moral-constraints',
  'shoot-them-later', 'jaundiced-outlook', 'different-tan', 'not-invented-here',
  'eighth-arc-in-progression', 'room-with-a-view', 'what-is-the-answer-and-why', 'only-slightly-bent',
  'bias-cut',
]

export const CULTURE_PREFIX = 'gcu-'

/** `random` returns a float in [0, 1) like Math.random (injected so tests choose the draw). */
export function generateName(random: () => number = Math.random): string {
  const index = Math.min(CULTURE_NAMES.length - 1, Math.floor(random() * CULTURE_NAMES.length))
  return CULTURE_PREFIX + CULTURE_NAMES[index]
}

/**
 * A generated name not in `taken`: up to `attempts` random draws (as the original), then the
 * first free name in list order, so a nearly full fleet still gets a name; undefined only when
 * all 65 are taken.
 */
export function pickFreeName(taken: ReadonlySet<string>, random: () => number = Math.random, attempts = 10): string | undefined {
  for (let i = 0; i < attempts; i++) {
    const name = generateName(random)
    if (!taken.has(name)) return name
  }
  return CULTURE_NAMES.map((n) => CULTURE_PREFIX + n).find((n) => !taken.has(n))
}
