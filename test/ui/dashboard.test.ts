// The dashboard page in real Chromium (playwright-core, headless) against a fake hub feed that
// speaks the exact dashboard frames (test/ui/fake-dashboard-server.ts).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { metricsSnapshot, startFakeDashboardServer, type FakeDashboard } from './fake-dashboard-server'

const CHROMIUM = '/usr/bin/chromium'
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: run scripts/setup-test-env.sh (apt-get install chromium) to enable the dashboard browser tests`
const ARTIFACTS = resolve(__dirname, '../../test-artifacts')
const WAIT_MS = 6000

let context: BrowserContext | null = null
let profileDir: string | null = null

t.before(async () => {
  if (SKIP) return
  profileDir = mkdtempSync(join(tmpdir(), 'agentcom-ui-'))
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1600, height: 1000 },
  })
})

t.teardown(async () => {
  if (context) await context.close()
  if (profileDir) rmSync(profileDir, { recursive: true, force: true })
})

// ---- helpers ---------------------------------------------------------------------------------

async function startFake(tap: Test): Promise<FakeDashboard> {
  const fake = await startFakeDashboardServer()
  tap.teardown(() => fake.close())
  return fake
}

async function openPage(tap: Test, fake: FakeDashboard): Promise<{ page: Page; consoleErrors: string[] }> {
  if (!context) throw new Error('browser not started')
  const page = await context.newPage()
  const consoleErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  page.on('pageerror', (error) => consoleErrors.push(String(error)))
  tap.teardown(() => page.close())
  await page.goto(`${fake.url}/dashboard`)
  return { page, consoleErrors }
}

async function logIn(page: Page, token: string): Promise<void> {
  await page.getByTestId('login-token').fill(token)
  await page.getByTestId('login-submit').click()
}

async function logInAndWait(page: Page, token: string): Promise<void> {
  await logIn(page, token)
  await byTestId(page, 'connection-status', { 'data-state': 'live' }).waitFor({ timeout: WAIT_MS })
}

function byTestId(page: Page, testid: string, attributes: Record<string, string> = {}) {
  const extra = Object.entries(attributes)
    .map(([name, value]) => `[${name}=${JSON.stringify(value)}]`)
    .join('')
  return page.locator(`[data-testid=${JSON.stringify(testid)}]${extra}`)
}

async function textOf(page: Page, testid: string): Promise<string> {
  return (await byTestId(page, testid).first().innerText()).trim()
}

async function waitForText(page: Page, testid: string, pattern: RegExp): Promise<void> {
  await byTestId(page, testid).filter({ hasText: pattern }).first().waitFor({ timeout: WAIT_MS })
}

async function chartPoints(page: Page, chart: string): Promise<number> {
  return Number(await byTestId(page, `chart-${chart}`).getAttribute('data-points'))
}

function seedFleet(fake: FakeDashboard): void {
  const now = Date.now()
  fake.state.agents.push(
    { agent_id: 'agent-alpha', name: 'alpha', fsm_state: 'idle', current_task_id: null, capabilities: [{ name: 'code' }, { name: 'review' }], connected_at: now - 3600000, last_state_change: now - 120000 },
    { agent_id: 'agent-gamma', name: 'gamma', fsm_state: 'idle', current_task_id: null, capabilities: [{ name: 'docs' }], connected_at: now - 7200000, last_state_change: now - 600000 },
  )
  for (let i = 3; i >= 1; i -= 1) {
    fake.state.completions.push({
      task_id: `task-done-${i}`,
      agent_id: 'agent-alpha',
      description: `Earlier task number ${i}: tidy the changelog`,
      duration_ms: 40000 + i * 9000,
      tokens_used: 1800 + i * 250,
      completed_at: now - i * 600000,
      verification_report: { status: i === 2 ? 'fail' : 'pass' },
      routing_decision: { effective_tier: 'standard', target_type: 'ollama', selected_model: 'qwen2.5-coder:7b', fallback_used: false },
      execution_meta: { model_used: 'qwen2.5-coder:7b', tokens_in: 900, tokens_out: 1200, estimated_cost_usd: 0, equivalent_claude_cost_usd: 0.0123, execution_ms: 40000 },
    })
  }
  fake.state.completedThisHour = 3
  fake.state.tokensThisHour = 6150
  fake.state.queued.push(
    { id: 'task-q-urgent', description: 'Hotfix: scheduler skips paused repos', priority: 0, submitted_by: 'ops', created_at: now - 30000, complexity_tier: 'standard' },
    { id: 'task-q-low', description: 'Refresh README screenshots', priority: 3, submitted_by: 'docs-bot', created_at: now - 900000, complexity_tier: 'trivial' },
  )
  fake.state.deadLetter.push({ id: 'task-dead-1', description: 'Migrate CI to the new runner image', last_error: 'verification failed: npm test exited 1', retry_count: 3, created_at: now - 7200000, priority: 1 })
  fake.state.health = { status: 'warning', conditions: ['DETS backup: never run', 'DETS fragmentation >50%: llm_registry'] }
  fake.state.llmEndpoints.push({ id: 'gpu-1.lan:11434', host: 'gpu-1.lan', port: 11434, name: 'gpu-1', source: 'auto', status: 'healthy', models: ['qwen2.5-coder:7b', 'llama3.1:8b'], registered_at: now - 86400000, last_checked_at: now - 20000, consecutive_failures: 0 })
  fake.state.resources['agent-alpha'] = { cpu_percent: 37.5, ram_used_bytes: 11 * 2 ** 30, ram_total_bytes: 32 * 2 ** 30, vram_used_bytes: 6.2 * 2 ** 30, vram_total_bytes: 8 * 2 ** 30, source_agent_id: null, reported_at: now - 15000 }
  fake.state.repos.push({ id: 'notno-AgentCom', url: 'https://github.com/notno/AgentCom', name: 'AgentCom', status: 'active', added_at: now - 86400000, added_by: 'admin' })
}

// ---- scenarios -------------------------------------------------------------------------------

t.test('a bad token shows an error and opens no session', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  const { page, consoleErrors } = await openPage(t, fake)
  t.equal(await page.getByTestId('login-token').getAttribute('name'), null, 'the token field has no name, so a native submit cannot carry it')
  await logIn(page, 'not-a-valid-token')
  await waitForText(page, 'login-error', /rejected/i)
  t.equal(await byTestId(page, 'app-view').isHidden(), true, 'dashboard stays hidden')
  t.equal(fake.authenticatedConnections(), 0, 'the fake accepted no socket')
  t.equal(fake.commands[0]?.frame.type, 'auth', 'the first frame was the auth frame')
  t.equal(await page.evaluate('sessionStorage.length'), 0, 'the rejected token is not kept')
  await page.waitForTimeout(1500)
  t.equal(fake.commands.length, 1, 'no reconnect loop after auth_failed')
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('admin logs in, sees agents, follows a task to completed, counts it once', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)
  await byTestId(page, 'agent-row-agent-alpha').waitFor()
  t.equal(await byTestId(page, 'role-badge').getAttribute('data-role'), 'admin')
  t.equal(await textOf(page, 'throughput-count'), '3', 'snapshot throughput shown')
  t.equal(await textOf(page, 'queue-count-urgent'), '1')
  t.equal(await byTestId(page, 'health-banner').getAttribute('data-status'), 'warning')
  t.match(await textOf(page, 'health-banner'), /DETS backup: never run/)

  fake.agentJoins({ agent_id: 'agent-beta', name: 'beta', capabilities: ['code'] })
  await byTestId(page, 'agent-row-agent-beta', { 'data-state': 'idle' }).waitFor({ timeout: WAIT_MS })

  // From here on only events move the page: snapshot requests go unanswered.
  fake.knobs.answerSnapshotRequests = false
  fake.submitTask({ id: 'task-live-1', description: 'Add retry jitter to the webhook client', priority: 1 })
  await byTestId(page, 'task-status-task-live-1', { 'data-status': 'queued' }).waitFor({ timeout: WAIT_MS })
  fake.assignTask('task-live-1', 'agent-beta')
  await byTestId(page, 'task-status-task-live-1', { 'data-status': 'working' }).waitFor({ timeout: WAIT_MS })

  fake.streamExecution('task-live-1', { event_type: 'token', text: 'Reading src/webhook.ts… ', tokens_so_far: 24, model: 'qwen2.5-coder:7b' })
  fake.streamExecution('task-live-1', { event_type: 'token', text: 'adding exponential backoff with jitter.', tokens_so_far: 63 })
  fake.streamExecution('task-live-1', { event_type: 'status', text: 'running verification: npm test' })
  await waitForText(page, 'exec-log-text', /Reading src\/webhook\.ts… adding exponential backoff with jitter\.\s*\[status\] running verification: npm test/)
  t.equal(await textOf(page, 'exec-log-tokens'), '63', 'tokens_so_far shown')

  fake.completeTask('task-live-1', { tokens: 2400, durationMs: 52000 })
  await byTestId(page, 'task-status-task-live-1', { 'data-status': 'completed' }).waitFor({ timeout: WAIT_MS })
  await page.waitForTimeout(400) // a few more 100 ms flushes: nothing else may be counted
  t.equal(await textOf(page, 'throughput-count'), '4', 'task_complete + task_completed count as one completion')

  // A redelivered completion and a snapshot that already contains the task change nothing.
  const before = fake.commands.length
  fake.emit({ type: 'task_event', task_id: 'task-live-1', event: 'task_completed', agent_id: 'agent-beta', timestamp: Date.now() })
  await page.waitForTimeout(300)
  t.equal(await textOf(page, 'throughput-count'), '4', 'a duplicate task_completed is not counted')
  fake.knobs.answerSnapshotRequests = true
  fake.emit({ type: 'task_event', task_id: 'task-live-1', event: 'task_completed', agent_id: 'agent-beta', timestamp: Date.now() })
  await fake.waitForCommand('request_snapshot', { fromIndex: before })
  await byTestId(page, 'completion-row-task-live-1').waitFor({ timeout: WAIT_MS })
  t.equal(await textOf(page, 'throughput-count'), '4', 'after the fresh snapshot the count is still 4')
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('Retry on a dead-letter task sends retry_task and shows the result', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  fake.state.deadLetter.push({ id: 'task-dead-2', description: 'Already retried elsewhere', last_error: 'timeout', retry_count: 3, created_at: Date.now() - 3600000, priority: 2 })
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)

  await byTestId(page, 'retry-button-task-dead-1').click()
  const command = await fake.waitForCommand('retry_task')
  t.same(command.frame, { type: 'retry_task', task_id: 'task-dead-1' })
  await byTestId(page, 'toast').filter({ hasText: 'Task task-dead-1 requeued' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, 'dead-letter-row-task-dead-1').waitFor({ state: 'detached', timeout: WAIT_MS })
  await byTestId(page, 'task-status-task-dead-1', { 'data-status': 'queued' }).waitFor({ timeout: WAIT_MS })

  // Someone else retried it meanwhile: the hub answers not_found.
  fake.state.deadLetter = fake.state.deadLetter.filter((task) => task.id !== 'task-dead-2')
  const from = fake.commands.length
  await byTestId(page, 'retry-button-task-dead-2').click()
  await fake.waitForCommand('retry_task', { fromIndex: from })
  await byTestId(page, 'toast').filter({ hasText: 'task-dead-2 not found' }).waitFor({ timeout: WAIT_MS })
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('Acknowledge sends acknowledge_alert and marks the alert', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  fake.state.alerts.push({ rule_id: 'stuck_tasks', severity: 'critical', message: '1 task stuck for more than 5 minutes: task-x', details: { task_ids: ['task-x'] }, fired_at: Date.now() - 90000, acknowledged: false })
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)
  await byTestId(page, 'alert-row-stuck_tasks', { 'data-acknowledged': 'false' }).waitFor()

  await byTestId(page, 'ack-button-stuck_tasks').click()
  const command = await fake.waitForCommand('acknowledge_alert')
  t.same(command.frame, { type: 'acknowledge_alert', rule_id: 'stuck_tasks' })
  await byTestId(page, 'alert-row-stuck_tasks', { 'data-acknowledged': 'true' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, 'toast').filter({ hasText: 'Alert stuck_tasks acknowledged' }).waitFor({ timeout: WAIT_MS })

  fake.fireAlert({ rule_id: 'high_error_rate', severity: 'warning', message: '12 task failures in the last hour', details: {}, fired_at: Date.now(), acknowledged: false })
  await byTestId(page, 'ack-button-high_error_rate').waitFor({ timeout: WAIT_MS })
  fake.emit({ type: 'alert_cleared', rule_id: 'high_error_rate' })
  await byTestId(page, 'alert-row-high_error_rate').waitFor({ state: 'detached', timeout: WAIT_MS })
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('a failed backup shows as an error in the storage activity', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)
  fake.emit({ type: 'backup_failed', timestamp: Date.now(), reason: 'ENOSPC: no space left on device', backup_dir: '/data/backups', trigger: 'scheduled' })
  await waitForText(page, 'storage-activity', /Backup FAILED \(scheduled\): ENOSPC: no space left on device/)
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('metrics_snapshot events grow the uPlot charts', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)
  await byTestId(page, 'chart-queue', { 'data-points': '1' }).waitFor({ timeout: WAIT_MS })
  const start = Date.now()
  fake.publishMetrics(metricsSnapshot(start + 10000, { queue: 4, p50: 42000, p90: 81000, p99: 120000, utilization: 50, agents: ['agent-alpha', 'agent-gamma'] }))
  await byTestId(page, 'chart-queue', { 'data-points': '2' }).waitFor({ timeout: WAIT_MS })
  fake.publishMetrics(metricsSnapshot(start + 20000, { queue: 6, p50: 39000, p90: 76000, p99: 118000, utilization: 100, failed: 1, agents: ['agent-alpha', 'agent-gamma'] }))
  await byTestId(page, 'chart-latency', { 'data-points': '3' }).waitFor({ timeout: WAIT_MS })
  for (const chart of ['queue', 'latency', 'throughput', 'utilization']) t.equal(await chartPoints(page, chart), 3, `${chart} chart holds 3 points`)
  t.equal(await page.evaluate('document.querySelectorAll("[data-testid=chart-queue] canvas").length'), 1, 'uPlot drew a canvas')
  t.equal(await textOf(page, 'metric-queue-depth'), '6')
  t.equal(await textOf(page, 'metric-utilization'), '100.0%')
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('a dropped socket reconnects with backoff, re-authenticates, then asks for a snapshot', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)
  const before = fake.commands.length
  const droppedAt = Date.now()
  fake.dropConnections()
  await byTestId(page, 'connection-status', { 'data-state': 'waiting' }).waitFor({ timeout: WAIT_MS })
  const auth = await fake.waitForCommand('auth', { fromIndex: before, timeoutMs: WAIT_MS })
  const reconnectMs = Date.now() - droppedAt
  t.ok(reconnectMs >= 950, `waited for the 1 s backoff (${reconnectMs} ms)`)
  t.ok(reconnectMs < 4000, `reconnected promptly (${reconnectMs} ms)`)
  const request = await fake.waitForCommand('request_snapshot', { fromIndex: before })
  t.equal(request.connection, auth.connection, 'request_snapshot on the new connection')
  t.ok(fake.commands.indexOf(request) > fake.commands.indexOf(auth), 'after re-auth')
  t.equal(auth.connection, 2)
  await byTestId(page, 'connection-status', { 'data-state': 'live' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, 'agent-row-agent-alpha').waitFor()
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('a viewer sees everything but gets no commands', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  fake.state.alerts.push({ rule_id: 'queue_growing', severity: 'warning', message: 'Queue growing: 2 -> 3 -> 5', details: {}, fired_at: Date.now(), acknowledged: false })
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.viewer)
  await byTestId(page, 'dead-letter-row-task-dead-1').waitFor()
  t.equal(await byTestId(page, 'role-badge').getAttribute('data-role'), 'viewer')
  t.equal(await byTestId(page, 'retry-button-task-dead-1').count(), 0, 'no Retry button')
  t.equal(await byTestId(page, 'ack-button-queue_growing').count(), 0, 'no Acknowledge button')
  t.equal(await byTestId(page, 'repo-remove-notno-AgentCom').count(), 0, 'no repo commands')
  t.equal(await byTestId(page, 'task-form').isHidden(), true, 'no task form')
  t.equal(await byTestId(page, 'llm-form').isHidden(), true, 'no endpoint form')
  t.equal(fake.commands.filter((command) => command.frame.type !== 'auth' && command.frame.type !== 'request_snapshot' && command.frame.type !== 'ping').length, 0)
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('LLM endpoint and repository commands', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)

  await page.getByTestId('llm-host').fill('http://gpu-2.lan')
  await page.getByTestId('llm-port').fill('11500')
  await page.getByTestId('llm-name').fill('gpu-2')
  await page.getByTestId('llm-register').click()
  t.same((await fake.waitForCommand('register_llm_endpoint')).frame, { type: 'register_llm_endpoint', host: 'http://gpu-2.lan', port: 11500, name: 'gpu-2' })
  await byTestId(page, 'llm-row-gpu-2.lan:11500', { 'data-status': 'unknown' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, 'llm-remove-gpu-1.lan:11434').click()
  t.same((await fake.waitForCommand('remove_llm_endpoint')).frame, { type: 'remove_llm_endpoint', id: 'gpu-1.lan:11434' })
  await byTestId(page, 'llm-row-gpu-1.lan:11434').waitFor({ state: 'detached', timeout: WAIT_MS })

  await page.getByTestId('repo-url').fill('https://github.com/notno/sidecar.git')
  await page.getByTestId('repo-add').click()
  t.same((await fake.waitForCommand('add_repo')).frame, { type: 'add_repo', url: 'https://github.com/notno/sidecar.git' })
  await byTestId(page, 'repo-row-notno-sidecar', { 'data-position': '1' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, 'repo-up-notno-sidecar').click()
  t.same((await fake.waitForCommand('move_repo_up')).frame, { type: 'move_repo_up', repo_id: 'notno-sidecar' })
  await byTestId(page, 'repo-row-notno-sidecar', { 'data-position': '0' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, 'repo-pause-notno-sidecar').click()
  await byTestId(page, 'repo-row-notno-sidecar', { 'data-status': 'paused' }).waitFor({ timeout: WAIT_MS })

  await page.getByTestId('repo-url').fill('https://github.com/notno/AgentCom')
  await page.getByTestId('repo-add').click()
  await byTestId(page, 'toast').filter({ hasText: 'repo already exists' }).waitFor({ timeout: WAIT_MS })
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('task submission uses the Bearer header; the token never appears in a URL', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)

  await page.getByTestId('task-description').fill('Write release notes for 1.3')
  await page.getByTestId('task-priority').selectOption('high')
  await page.getByTestId('task-submit').click()
  await byTestId(page, 'toast').filter({ hasText: /Task task-[0-9a-f]+ queued/ }).waitFor({ timeout: WAIT_MS })
  const post = fake.requests.find((request) => request.method === 'POST' && request.url === '/api/tasks')
  t.equal(post?.authorization, `Bearer ${fake.tokens.admin}`)
  t.same(JSON.parse(post?.body ?? '{}'), { description: 'Write release notes for 1.3', priority: 'high' })
  await byTestId(page, 'queue-count-high').filter({ hasText: '1' }).waitFor({ timeout: WAIT_MS })

  t.equal(await page.evaluate('sessionStorage.length'), 1, 'token kept in sessionStorage')
  t.equal(await page.evaluate('localStorage.length'), 0, 'nothing in localStorage')
  for (const token of Object.values(fake.tokens)) {
    t.notOk(fake.requests.some((request) => request.url.includes(token)), 'no request URL carries a token')
  }
  t.notOk(page.url().includes(fake.tokens.admin), 'the page URL carries no token')
  await byTestId(page, 'logout-button').click()
  await byTestId(page, 'login-view').waitFor()
  t.equal(await page.evaluate('sessionStorage.length'), 0, 'sign-out forgets the token')
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('push: subscribe with the Bearer header, degrade quietly without a push service; the worker shows pushes', { skip: SKIP }, async (t) => {
  if (!context) throw new Error('browser not started')
  const fake = await startFake(t)
  await context.grantPermissions(['notifications'], { origin: fake.url })
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)
  await byTestId(page, 'push-button').click()
  // Headless Chromium has no push service: subscribe() never settles and the page gives up.
  await byTestId(page, 'push-status').filter({ hasText: /Notifications on|Push unavailable/ }).waitFor({ timeout: 15000 })
  const keyRequest = fake.requests.find((request) => request.url === '/api/dashboard/vapid-key')
  t.equal(keyRequest?.authorization, `Bearer ${fake.tokens.admin}`, 'VAPID key fetched with the Bearer header')
  const status = await textOf(page, 'push-status')
  if (status === 'Notifications on') {
    const subscribe = fake.requests.find((request) => request.url === '/api/dashboard/push-subscribe')
    t.equal(subscribe?.authorization, `Bearer ${fake.tokens.admin}`, 'subscription posted with the Bearer header')
  } else {
    t.match(await byTestId(page, 'push-status').getAttribute('title'), /push service did not answer/, 'the reason is kept in the tooltip')
  }
  t.equal(await byTestId(page, 'connection-status').getAttribute('data-state'), 'live', 'the page keeps working')

  const worker = context.serviceWorkers().find((candidate) => candidate.url() === `${fake.url}/sw.js`)
  if (!worker) throw new Error('the service worker did not register')
  const shown = await worker.evaluate(`(async () => {
    self.dispatchEvent(new PushEvent('push', { data: JSON.stringify({ title: 'AgentCom CRITICAL', body: 'stuck_tasks: 2 tasks stuck', icon: '/favicon.ico', data: { rule_id: 'stuck_tasks', severity: 'critical' } }) }))
    self.dispatchEvent(new PushEvent('push', { data: 'plain text body' }))
    for (let i = 0; i < 50 && (await self.registration.getNotifications()).length < 2; i += 1) await new Promise((r) => setTimeout(r, 20))
    const notes = await self.registration.getNotifications()
    return notes.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }))
  })()`)
  t.same(shown, [{ title: 'AgentCom', body: 'plain text body', tag: 'agentcom-alert', data: {} }], 'same tag: the second push replaces the first')
  const afterClick = await worker.evaluate(`(async () => {
    const [note] = await self.registration.getNotifications()
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: note }))
    await new Promise((r) => setTimeout(r, 100))
    return (await self.registration.getNotifications()).length
  })()`)
  t.equal(afterClick, 0, 'a click closes the notification')
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('pure page logic: backoff delays and the completion counter', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  const { page, consoleErrors } = await openPage(t, fake)
  const delays = (await page.evaluate(`import('/ui/net/reconnect-backoff.js').then(({ reconnectDelay }) => [
    [0, 1, 2, 3, 4, 5, 6, 12].map((attempt) => reconnectDelay(attempt, () => 0)),
    [0, 3, 12].map((attempt) => reconnectDelay(attempt, () => 0.999999)),
  ])`)) as number[][]
  t.same(delays[0], [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000], 'doubling from 1 s, capped at 30 s')
  t.same(delays[1], [1300, 10400, 39000], 'at most 30 % jitter on top')

  const counted = (await page.evaluate(`import('/ui/state/completion-counter.js').then((m) => {
    const now = Date.now()
    let counter = m.resetFromSnapshot({ throughput: { completed_last_hour: 2 }, recent_completions: [{ task_id: 'a' }, { task_id: 'b' }] })
    const events = [
      { event: 'task_complete', task_id: 'c' },
      { event: 'task_completed', task_id: 'c', timestamp: now },
      { event: 'task_completed', task_id: 'c', timestamp: now },
      { event: 'task_completed', task_id: 'b', timestamp: now },
      { event: 'task_failed', task_id: 'd' },
      { event: 'task_dead_letter', task_id: 'd' },
      { event: 'task_completed', task_id: 'old', timestamp: now - 3600001 },
    ]
    const after = events.map((event) => { counter = m.countTaskEvent(counter, event, now); return m.completedLastHour(counter, now) })
    return after
  })`)) as number[]
  t.same(counted, [2, 3, 3, 3, 3, 3, 3], 'only the queue event counts, each task once, within the hour')
  t.same(consoleErrors, [], 'no errors in the page console')
})

t.test('screenshot of a busy dashboard', { skip: SKIP }, async (t) => {
  const fake = await startFake(t)
  seedFleet(fake)
  fake.state.alerts.push({ rule_id: 'high_failure_rate', severity: 'warning', message: 'Failure rate 54.5% over the last hour (6/11 tasks)', details: {}, fired_at: Date.now() - 240000, acknowledged: false })
  const { page, consoleErrors } = await openPage(t, fake)
  await logInAndWait(page, fake.tokens.admin)
  fake.agentJoins({ agent_id: 'agent-beta', name: 'beta', capabilities: ['code', 'tests'] })
  fake.submitTask({ id: 'task-live-7', description: 'Add pagination to GET /api/tasks', priority: 2 })
  await byTestId(page, 'agent-row-agent-beta').waitFor({ timeout: WAIT_MS })
  fake.assignTask('task-live-7', 'agent-beta')
  const base = Date.now() - 60 * 10000
  for (let i = 0; i < 60; i += 1) {
    fake.publishMetrics(metricsSnapshot(base + i * 10000, {
      queue: Math.max(0, Math.round(3 + 3 * Math.sin(i / 6) + (i % 7) / 3)),
      p50: 30000 + 8000 * Math.sin(i / 9),
      p90: 62000 + 12000 * Math.sin(i / 8),
      p99: 98000 + 20000 * Math.cos(i / 10),
      utilization: Math.round(50 + 45 * Math.sin(i / 11)),
      failed: Math.floor(i / 15),
      agents: ['agent-alpha', 'agent-beta', 'agent-gamma'],
    }))
  }
  const chunks = ['I will add `limit` and `cursor` query parameters. ', 'Updating relay/hub/routes/tasks.ts… ', 'Writing tests for the cursor encoding.']
  for (const [index, text] of chunks.entries()) fake.streamExecution('task-live-7', { event_type: 'token', text, tokens_so_far: 60 * (index + 1), model: 'qwen2.5-coder:7b' })
  fake.streamExecution('task-live-7', { event_type: 'status', text: 'running verification: npm test (2 steps)' })
  await byTestId(page, 'chart-queue', { 'data-points': '61' }).waitFor({ timeout: WAIT_MS })
  await page.waitForTimeout(1300) // let the debounced snapshot refresh land
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = join(ARTIFACTS, 'dashboard.png')
  await page.screenshot({ path: file, fullPage: true })
  t.ok(existsSync(file), `screenshot saved to ${file}`)
  const top = join(ARTIFACTS, 'dashboard-top.png')
  await page.screenshot({ path: top })
  t.ok(existsSync(top), `first screen saved to ${top}`)
  t.same(consoleErrors, [], 'no errors in the page console')
})
