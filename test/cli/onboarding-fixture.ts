// Shared by the onboarding CLI tests: a real hub on 127.0.0.1:0 (real clock: the CLIs under test
// are real processes), a local bare git repo as the agents' remote, a counting HTTP proxy in
// front of the hub (to see from the hub side which calls a CLI made), and long-running CLI
// children whose output can be awaited. (Fixture, no tests of its own.)
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { silentLogger } from '../../actors/runtime'
import { startHub, type RunningHub } from '../../relay/hub/start-hub'
import { cliEnv, nodeArgs, ROOT } from './cli-process'

export function tempDir(t: Test, prefix = 'c2-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface RealHub {
  running: RunningHub
  url: string
  adminToken: string
  adminTokenFile: string
  /** an HTTP call with the admin token */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>
}

export async function startRealHub(t: Test): Promise<RealHub> {
  const dataDir = tempDir(t, 'c2-hub-')
  const running = await startHub({ dataDir, port: 0, logger: silentLogger })
  t.teardown(() => running.close())
  const url = `http://127.0.0.1:${running.port}`
  const adminToken = readFileSync(running.adminTokenFile, 'utf8').trim()
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
  return { running, url, adminToken, adminTokenFile: running.adminTokenFile, admin }
}

/** A bare repo with one commit on main, as a file path git can clone. */
export function bareRepo(t: Test): string {
  const dir = tempDir(t, 'c2-git-')
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  }
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', 'origin.git')
  git(dir, 'init', '--quiet', '--initial-branch=main', 'work')
  writeFileSync(join(dir, 'work', 'README.md'), '# the agents\' repo\n')
  git(join(dir, 'work'), 'add', 'README.md')
  git(join(dir, 'work'), 'commit', '--quiet', '-m', 'first')
  git(join(dir, 'work'), 'push', '--quiet', join(dir, 'origin.git'), 'main')
  return join(dir, 'origin.git')
}

export interface CountingProxy {
  url: string
  /** "METHOD /path" → how many requests went through */
  counts: Map<string, number>
  count(method: string, path: string): number
}

/** Forwards every request to `target` unchanged and counts them. */
export async function countingProxy(t: Test, target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>()
  const targetUrl = new URL(target)
  const server: Server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
    const upstream = request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, counts, count: (m, p) => counts.get(`${m} ${p}`) ?? 0 }
}

export interface CliChild {
  child: ChildProcessWithoutNullStreams
  stdout(): string
  stderr(): string
  /** resolves with the exit code */
  exited: Promise<number | null>
  /** resolves once stdout matches */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>
}

/** An `agentcom` child that may run for a while (the sidecar, add-agent's verify step). */
export function spawnCli(t: Test, args: string[], env: NodeJS.ProcessEnv = {}): CliChild {
  const child = spawn(process.execPath, [...nodeArgs(), ...args], { cwd: ROOT, env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  child.stdin.end()
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
  })
  const waitForStdout = async (pattern: RegExp, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs
    while (!pattern.test(out)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${out}\n--- stderr:\n${err}`)
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${pattern}:\n${out}\n--- stderr:\n${err}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return { child, stdout: () => out, stderr: () => err, exited, waitForStdout }
}
