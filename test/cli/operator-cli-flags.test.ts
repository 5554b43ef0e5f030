// add-agent, remove-agent, submit: bad flags and flag combinations give one `error: ...` line and
// exit 1 before anything touches a hub or the disk. A few per subcommand run as real child
// processes; the rest go through the same commander program in-process (each child costs a
// node start on a shared 2-core machine).
import t from 'tap'
import { CommanderError, type Command } from 'commander'
import { buildProgram } from '../../cli/agentcom'
import { checkAddAgentFlags, type AddAgentOptions } from '../../cli/commands/add-agent'
import { checkSubmitFlags, type SubmitOptions } from '../../cli/commands/submit'
import { closedPort, runCli } from './cli-process'
import { tempDir } from './onboarding-fixture'

// real child processes on a shared 2-core machine: the 120 s default budget is too tight under load
t.setTimeout(300_000)

const HUB = 'http://127.0.0.1:4000'

t.test('as child processes: one line, exit 1', async (t) => {
  const home = tempDir(t, 'c2-home-')
  const env = { HOME: home, AGENTCOM_ADMIN_TOKEN: '', AGENTCOM_TOKEN: '', AGENTCOM_HUB: '', AGENTCOM_SERVICE_MANAGER: '' }
  const cases: Array<[string[], string | RegExp]> = [
    [['add-agent'], "error: required option '--hub <url>' not specified"],
    [['add-agent', '--hub', HUB, '--rejoin'], 'error: --rejoin needs --name (the agent to re-provision)'],
    [['add-agent', '--hub', HUB, '--service-manager', 'upstart'], "error: option '--service-manager <name>' argument 'upstart' is invalid. Allowed choices are pm2, systemd, none."],
    [['remove-agent', '--name', 'a'], "error: required option '--hub <url>' not specified"],
    [['remove-agent', '--name', 'a', '--hub', HUB], /^error: no admin token: pass --admin-token/],
    [['remove-agent', '--name', 'a', '--hub', HUB, '--admin-token-file', '/nonexistent/t'], 'error: cannot read the admin token from /nonexistent/t: ENOENT'],
    [['submit', '--hub', HUB, '--token', 't'], 'error: a task description is required (argument or --description)'],
    [['submit', 'x', '--hub', HUB], 'error: --token (or --token-file, or AGENTCOM_TOKEN) is required'],
    [['submit', 'x', '--metadata', '[1]'], "error: option '--metadata <json>' argument '[1]' is invalid. must be a JSON object"],
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(t, args, { env })))
  for (const [i, [args, reason]] of cases.entries()) {
    t.equal(results[i].code, 1, `${args.join(' ')} exits 1`)
    const first = results[i].stderr.split('\n')[0]
    if (typeof reason === 'string') t.equal(first, reason, args.join(' '))
    else t.match(first, reason, args.join(' '))
  }
})

/** Parses argv with the real program; the first line commander would print, or undefined. */
function parseError(argv: string[]): string | undefined {
  const program = buildProgram()
  let err = ''
  const quiet = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => undefined })
    cmd.commands.forEach(quiet)
  }
  quiet(program)
  for (const cmd of program.commands) cmd.action(() => undefined) // only parsing is under test
  try {
    program.parse(argv, { from: 'user' })
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e
    return err.split('\n')[0]
  }
  return undefined
}

t.test('flag values commander refuses', async (t) => {
  const cases: Array<[string[], string | RegExp]> = [
    [['add-agent', '--hub', HUB, '--name', 'no spaces'], /^error: option '-n, --name <name>' argument 'no spaces' is invalid\. letters, digits/],
    [['add-agent', '--hub', HUB, '--name', '-x'], /^error: option '-n, --name <name>' argument '-x' is invalid/],
    [['add-agent', '--hub', HUB, '--verify-timeout', 'soon'], "error: option '--verify-timeout <seconds>' argument 'soon' is invalid. a positive number of seconds"],
    [['add-agent', '--hub', HUB, '--verify-poll-interval', '5'], "error: option '--verify-poll-interval <ms>' argument '5' is invalid. at least 100 (milliseconds)"],
    [['remove-agent', '--hub', HUB], "error: required option '-n, --name <name>' not specified"],
    [['remove-agent', '--name', 'a', '--hub', HUB, '--service-manager', 'x'], "error: option '--service-manager <name>' argument 'x' is invalid. Allowed choices are pm2, systemd, none."],
    [['submit', 'x', '--priority', 'asap'], "error: option '--priority <priority>' argument 'asap' is invalid. Allowed choices are urgent, high, normal, low."],
    [['submit', 'x', '--verification-step', 'nocolon'], /^error: option '--verification-step <type:target>' argument 'nocolon' is invalid\. expected TYPE:TARGET/],
    [['submit', 'x', '--verification-step', '{"type":"file_exists"}'], /argument '\{"type":"file_exists"\}' is invalid\. the object needs non-empty "type" and "target" strings$/],
    [['submit', 'x', '--metadata', '{oops'], /^error: option '--metadata <json>' argument '\{oops' is invalid\. not valid JSON/],
    [['submit', 'x', '--max-retries', '-1'], "error: option '--max-retries <n>' argument '-1' is invalid. a non-negative integer"],
    [['submit', 'x', '--complexity-tier', 'unknown'], "error: option '--complexity-tier <tier>' argument 'unknown' is invalid. Allowed choices are trivial, standard, complex."],
    [['submit', 'x', '--poll-interval', '10'], "error: option '--poll-interval <ms>' argument '10' is invalid. at least 100 (milliseconds)"],
    [['submit', 'x', 'y'], "error: too many arguments for 'submit'. Expected 1 argument but got 2."],
  ]
  for (const [argv, reason] of cases) {
    const got = parseError(argv)
    if (typeof reason === 'string') t.equal(got, reason, argv.join(' '))
    else t.match(got, reason, argv.join(' '))
  }
  t.equal(parseError(['submit', 'x', '--verification-step', 'test_passes:npm test', '--capability', 'a', '--capability', 'b']), undefined, 'good flags parse')
})

t.test('flag combinations refused in the action', async (t) => {
  const add = (o: Partial<AddAgentOptions>) => () => checkAddAgentFlags({ hub: HUB, ...o })
  t.throws(add({ name: 'a', rejoin: true, resume: true }), { name: 'UsageError', message: '--rejoin and --resume cannot be used together' })
  t.throws(add({ resume: true }), { message: '--resume needs --name (which onboarding to continue)' })
  t.throws(add({ name: 'a', token: 'x' }), { message: '--token is the agent token for --rejoin; register with --admin-token' })
  t.throws(add({ hub: 'ftp://x' }), { message: '--hub must be an http:// or https:// URL, got "ftp://x"' })
  t.throws(add({ hub: 'nonsense' }), { message: '--hub "nonsense" is not a URL (e.g. http://127.0.0.1:4000)' })
  t.equal(add({ hub: 'http://hub:4000/' })(), 'http://hub:4000', 'trailing / removed')

  const base: SubmitOptions = { priority: 'normal', capability: [], successCriteria: [], verificationStep: [], pollInterval: 1000 }
  const submit = (positional: string | undefined, o: Partial<SubmitOptions>, env: NodeJS.ProcessEnv = {}) => () => checkSubmitFlags(positional, { ...base, ...o }, env)
  t.throws(submit('x', { description: 'y', hub: HUB, token: 't' }), { message: 'give the description once: as the argument or with --description' })
  t.throws(submit('x', { token: 't' }), { message: '--hub (or AGENTCOM_HUB) is required' })
  t.throws(submit('x', { hub: HUB, token: 't', timeout: 5 }), { message: '--timeout only applies with --wait' })
  t.throws(submit('  ', { hub: HUB, token: 't' }), { message: 'a task description is required (argument or --description)' })
  const fromEnv = submit(undefined, { description: 'd' }, { AGENTCOM_HUB: HUB + '/', AGENTCOM_TOKEN: 'tok' })()
  t.equal(fromEnv.hub.baseUrl, HUB)
  t.equal(fromEnv.description, 'd')
})

t.test('help: every flag and the exit status', async (t) => {
  const [add, submit] = await Promise.all([runCli(t, ['add-agent', '--help']), runCli(t, ['submit', '--help'])])
  for (const r of [add, submit]) t.equal(r.code, 0)
  for (const flag of ['--hub <url>', '--name <name>', '--resume', '--rejoin', '--token <token>', '--admin-token <token>', '--dir <dir>', '--repo <url>', '--service-manager <name>', '--no-verify']) {
    t.ok(add.stdout.includes(flag), `add-agent ${flag}`)
  }
  for (const flag of ['--priority <priority>', '--capability <name>', '--repo <url>', '--success-criteria <text>', '--verification-step <type:target>', '--wait', '--timeout <seconds>']) {
    t.ok(submit.stdout.includes(flag), `submit ${flag}`)
  }
  t.match(submit.stdout, /Exit status: 0 submitted \(with --wait: completed\), 1 error, 2 failed or dead-lettered, 3 --timeout elapsed\./)
})

t.test('unreachable hub: one line, exit 1', async (t) => {
  const closed = await closedPort()
  const hub = `http://127.0.0.1:${closed}`
  const home = tempDir(t, 'c2-home-')
  const [submit, add] = await Promise.all([
    runCli(t, ['submit', 'x', '--hub', hub, '--token', 't']),
    runCli(t, ['add-agent', '--hub', hub, '--name', 'a', '--admin-token', 'x'], { env: { HOME: home, AGENTCOM_SERVICE_MANAGER: 'none' } }),
  ])
  t.equal(submit.code, 1)
  t.match(submit.stderr, new RegExp(`^agentcom: cannot reach the hub at ${hub}: .*ECONNREFUSED.*\\n$`))
  t.equal(add.code, 1)
  t.match(add.stdout, new RegExp(`^\\[1/7\\] Pre-flight checks\\.\\.\\. FAILED\\nFATAL: pre-flight found 1 problem\\(s\\):\\n {2}1\\. cannot reach the hub at ${hub}: .*ECONNREFUSED`))
  t.notMatch(add.stdout, /--resume/, 'nothing recorded yet: no resume hint')
})

