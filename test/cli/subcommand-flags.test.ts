// Every subcommand, as a real child process: --help exits 0 with its usage; an unknown flag and
// a bad value exit non-zero with a one-line reason.
import t from 'tap'
import type { Command } from 'commander'
import { buildProgram } from '../../cli/agentcom'
import { runCli } from './cli-process'

// real child processes on a shared 2-core machine: the 120 s default budget is too tight under load
t.setTimeout(300_000)

/** Leaf command paths, e.g. ['token', 'create']. */
function leaves(cmd: Command, path: string[] = []): string[][] {
  if (cmd.commands.length === 0) return [path]
  return cmd.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]))
}

const paths = leaves(buildProgram())

t.test('the program has the subcommands of this issue that exist today', async (t) => {
  const names = paths.map((p) => p.join(' '))
  for (const expected of ['hub', 'console', 'token create', 'token list', 'token revoke', 'add-agent', 'remove-agent', 'submit']) t.ok(names.includes(expected), expected)
})

for (const path of paths) {
  t.test(`agentcom ${path.join(' ')}`, async (t) => {
    const [help, bad] = await Promise.all([runCli(t, [...path, '--help']), runCli(t, [...path, '--no-such-flag'])])
    t.equal(help.code, 0, help.stderr)
    t.match(help.stdout, new RegExp(`^Usage: agentcom ${path.join(' ')} `))
    t.match(help.stdout, /\n {2}-h, --help +display help for command\n/)

    t.equal(bad.code, 1, 'exit 1')
    const [reason] = bad.stderr.split('\n')
    // commander reports a missing required option (sidecar --config) before an unknown one
    t.match(reason, /^error: (unknown option '--no-such-flag'|required option '.+' not specified)$/)
  })
}

t.test('bad values and missing arguments: one line, exit 1', async (t) => {
  const cases: Array<[string[], string]> = [
    [['hub', '--port', 'abc'], `error: option '--port <port>' argument 'abc' is invalid. "abc" is not a port number (0-65535)`],
    [['token', 'create'], "error: missing required argument 'agent_id'"],
    [['token', 'create', 'x', '--role', 'boss'], "error: option '--role <role>' argument 'boss' is invalid. Allowed choices are agent, admin."],
    [['token', 'revoke', 'a', 'b'], "error: too many arguments for 'revoke'. Expected 1 argument but got 2."],
    [['console', '--socket'], "error: option '--socket <path>' argument missing"],
    [['no-such-command'], "error: unknown command 'no-such-command'"],
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(t, args)))
  for (const [i, [args, reason]] of cases.entries()) {
    const r = results[i]
    t.equal(r.code, 1, `${args.join(' ')} exits 1`)
    t.equal(r.stderr.split('\n')[0], reason)
  }
})
