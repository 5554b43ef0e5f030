// Security checks: every admin route and the console refuse agent tokens; a revoked (or reset)
// token loses its socket within a second; no token appears in any log line the hub wrote while
// tokens were created, used, refused, revoked and reset; traversal in repo names, branch names,
// task ids (workspace dirs) and file hints is refused or never reaches the file system.
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { nameProblem } from '../../actors/repo-registry/repo-entry'
import { validateBranchName } from '../../relay/sidecar/git-workflow'
import { contextLines } from '../../relay/sidecar/executors/task-prompt'
import { repoSlug, taskDirName, validateRepoUrl } from '../../relay/sidecar/workspace'
import { HubRouter } from '../../relay/hub/routing'
import { registerRouteModules } from '../../relay/hub/routes'
import { KINDS, connectAgent, createToken, http } from '../hub/harness'
import { jsonOrUndefined, linesWithSecrets, logLinesUnder, rawHttp, startLoggedHub } from './fault-kit'
import { VALID_BODIES } from './fuzz-arbitraries'

/** Sends one line on the console socket and returns the first reply line and whether the server closed. */
function consoleAuth(socketPath: string, token: string): Promise<{ reply: unknown; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath)
    let buffer = ''
    let reply: unknown = undefined
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ reply, closed: false })
    }, 3000)
    socket.on('data', (d) => {
      buffer += d.toString()
      const nl = buffer.indexOf('\n')
      if (nl >= 0 && reply === undefined) reply = jsonOrUndefined(buffer.slice(0, nl))
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ reply, closed: true })
    })
    socket.on('error', reject)
    socket.write(JSON.stringify({ type: 'auth', token }) + '\n')
  })
}

for (const kind of KINDS) {
  t.test(`${kind}: security`, async (t) => {
    const hub = await startLoggedHub(t, kind)
    const secrets: string[] = [hub.adminToken]
    const agentToken = await createToken(hub, 'plain-agent')
    secrets.push(agentToken)

    t.test('every admin route refuses an agent token', async (t) => {
      const router = new HubRouter()
      registerRouteModules(router, hub.running.hub)
      const adminRoutes = router.routes().filter((r) => r.path.startsWith('/api/admin') || r.path.startsWith('/admin'))
      t.ok(adminRoutes.length >= 20, `${adminRoutes.length} admin routes enumerated`)
      for (const route of adminRoutes) {
        const body = VALID_BODIES[`${route.method} ${route.path}`]
        const path = route.path.replace(/:[a-z_]+/g, 'plain-agent')
        const res = await rawHttp(hub.port, route.method, path, { token: agentToken, body: body === undefined ? undefined : JSON.stringify(body) })
        const parsed = jsonOrUndefined(res.text) as { error?: string } | undefined
        t.ok(res.status === 403 || res.status === 401, `${route.method} ${route.path}: ${res.status} ${parsed?.error}`)
        const anonymous = await rawHttp(hub.port, route.method, path, { body: body === undefined ? undefined : JSON.stringify(body) })
        t.equal(anonymous.status, 401, `${route.method} ${route.path} without a token: 401`)
      }
      t.equal((await http(hub.port, 'GET', '/admin/tokens', { token: hub.adminToken })).status, 200, 'the admin token is accepted (the check can fail)')
    })

    t.test('the console refuses agent tokens and accepts the admin token', async (t) => {
      const socketPath = join(hub.dataDir, 'console.sock')
      const refused = await consoleAuth(socketPath, agentToken)
      t.match(refused.reply, { type: 'error', error: 'unauthorized' })
      t.ok(refused.closed, 'and closes the connection')
      const garbage = await consoleAuth(socketPath, 'not-a-token')
      t.match(garbage.reply, { type: 'error', error: 'unauthorized' })
      const admin = await consoleAuth(socketPath, hub.adminToken)
      t.match(admin.reply, { type: 'ready' }, 'the admin token opens it (the refusal is not blanket)')
    })

    t.test('a revoked token loses its socket within a second; so does a reset one', async (t) => {
      const token = await createToken(hub, 'doomed')
      secrets.push(token)
      const client = await connectAgent(t, hub, 'doomed', token)
      const started = Date.now()
      const revoke = await http(hub.port, 'DELETE', '/admin/tokens/doomed', { token: hub.adminToken })
      t.equal(revoke.status, 200)
      const closed = await client.waitClosed(1000)
      const tookMs = Date.now() - started
      t.same(closed, { code: 1008, reason: 'token revoked' })
      t.ok(tookMs < 1000, `closed after ${tookMs} ms`)
      t.comment(`revoked socket closed after ${tookMs} ms`)
      const again = await http(hub.port, 'GET', '/api/tasks', { token })
      t.equal(again.status, 401, 'the revoked token is refused on HTTP too')

      const resetToken = await createToken(hub, 'resettable')
      secrets.push(resetToken)
      const second = await connectAgent(t, hub, 'resettable', resetToken)
      const reset = await http(hub.port, 'POST', '/api/admin/agents/resettable/reset-token', { token: hub.adminToken })
      t.ok(reset.status === 200 || reset.status === 201, `reset-token answered ${reset.status}`)
      const fresh = JSON.stringify(reset.body).match(/[0-9a-f]{64}/)?.[0]
      if (fresh) secrets.push(fresh)
      t.same(await second.waitClosed(1000), { code: 1008, reason: 'token revoked' }, 'the old token of a reset agent is cut off')
    })

    t.test('refused and accepted tokens leave no trace in the log', async (t) => {
      // refused identify, wrong bearer, a token in a query string and in a bad body
      const bad = `${agentToken.slice(0, 60)}beef`
      secrets.push(bad)
      const client = await connectAgent(t, hub, 'plain-agent', agentToken)
      client.send({ type: 'identify', agent_id: 'plain-agent', token: agentToken })
      await client.next()
      await http(hub.port, 'GET', '/api/tasks', { token: bad })
      await http(hub.port, 'GET', `/api/tasks?token=${agentToken}`, { token: agentToken })
      await rawHttp(hub.port, 'POST', '/admin/tokens', { token: hub.adminToken, body: `{"agent_id": 5, "token": "${agentToken}"` })
      await http(hub.port, 'POST', '/api/tasks', { token: agentToken, body: { description: 'no secrets here' } })
      client.close()
      await hub.fileLogger.close()
      const lines = logLinesUnder(hub.dataDir)
      t.ok(lines.length > 10, `${lines.length} log lines written`)
      t.same(linesWithSecrets(lines, secrets), [], `none of ${secrets.length} tokens (nor their first 16 characters) is in the log`)
    })
  })
}

t.test('path traversal in repo names, branch names, task ids and file hints', async (t) => {
  for (const name of ['..', '.', '../x', 'a/../b', 'a\\..\\b']) t.ok(nameProblem(name), `repo name ${JSON.stringify(name)} refused: ${nameProblem(name)}`)
  t.equal(nameProblem('fine-repo'), null)
  for (const branch of ['../main', 'a/../../b', '/abs', '-x', 'a/.hidden', 'x.lock', 'a//b', 'a b', 'a\0b']) t.ok(validateBranchName(branch), `branch ${JSON.stringify(branch)} refused`)
  t.equal(validateBranchName('agent/fix-thing'), null)
  for (const id of ['../x', '..', '.hidden', 'a/b', 'a\\b', '']) t.throws(() => taskDirName(id), { code: 'invalid_task_id' }, `task id ${JSON.stringify(id)} refused as a workspace dir`)
  for (const url of ['-uhack', 'ext::sh -c x', 'file:///etc', 'a b']) {
    let refused = false
    try {
      validateRepoUrl(url)
    } catch {
      refused = true
    }
    t.ok(refused || !repoSlug(url).includes('..'), `repo url ${JSON.stringify(url)} refused or slugged safely`)
  }
  for (const url of ['https://h/../../etc', 'git@h:../../x', 'https://h/a/..']) t.notMatch(repoSlug(url), /(^|[/\\])\.\.([/\\]|$)|[/\\]/, `slug of ${url} is one safe path component`)
  // file hints are prompt text only: they never become a path the sidecar opens
  const lines = contextLines({ task_id: 't', description: 'd', file_hints: [{ path: '../../etc/passwd' }] } as never)
  t.same(lines, ['Relevant files: ../../etc/passwd'])

  // and through the front door: the repo registry refuses a traversing name
  const hub = await startLoggedHub(t, KINDS[0]!)
  const res = await http(hub.port, 'POST', '/api/admin/repo-registry', { token: hub.adminToken, body: { url: 'https://github.com/o/r', name: '../../etc' } })
  t.ok(res.status === 422 || res.status === 400, `POST repo-registry with name ../../etc → ${res.status} ${res.body?.error}`)
  const ui = await rawHttp(hub.port, 'GET', '/ui/..%2f..%2f..%2fetc%2fpasswd')
  t.notMatch(ui.text, /root:/, 'static files do not serve outside ui/')
  t.ok(ui.status === 404 || ui.status === 400 || ui.status === 403, `/ui traversal → ${ui.status}`)
})
