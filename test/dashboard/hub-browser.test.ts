// The dashboard page in headless Chromium against the REAL hub (relay/hub/start-hub.ts, real
// clock, real sockets on 127.0.0.1): log in with the admin token, see an agent connect, submit a
// task from the page, watch it complete (counted once), retry a dead letter by click; screenshot
// to test-artifacts/. Skips with a message where Chromium is not installed.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import t from 'tap'
import { Actor, silentLogger } from '../../actors/runtime'
import { ACTOR, TOPIC } from '../../actors/names'
import { metricsSnapshot } from '../ui/fake-dashboard-server'
import { startHub } from '../../relay/hub/start-hub'
import { terminateChild } from '../../supervisors'
import { createToken, http, type TestHub } from '../hub/harness'
import { SidecarClient } from '../hub/sidecar-client'

const CHROMIUM = '/usr/bin/chromium'
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: run scripts/setup-test-env.sh (apt-get install chromium) to enable the dashboard browser tests`
const ARTIFACTS = resolve(__dirname, '../../test-artifacts')
const WAIT_MS = 8000

/**
 * Stand-in for the alerter, speaking the calls the dashboard uses (relay/hub/dashboard/README.md)
 * and publishing on topic `alerts` as the real one does: the real alerter keeps a 30 s start-up
 * grace on the hub's (here real) clock, too long to wait for in a browser test.
 */
class AlerterStandIn extends Actor<{ type: string; rule_id?: string }, never, never, void> {
  private readonly active = new Map<string, Record<string, unknown>>()
  fire(alert: Record<string, unknown>): void {
    this.active.set(String(alert.rule_id), alert)
    this.ctx.publish(TOPIC.alerts, { type: 'alert_fired', alert })
  }
  override handleCall(msg: { type: string; rule_id?: string; alert?: Record<string, unknown> }): unknown {
    if (msg.type === 'fire') return this.fire(msg.alert!)
    if (msg.type === 'active_alerts') return [...this.active.values()]
    if (msg.type === 'acknowledge') {
      const alert = this.active.get(String(msg.rule_id))
      if (!alert) return { found: false }
      alert.acknowledged = true
      this.ctx.publish(TOPIC.alerts, { type: 'alert_acknowledged', rule_id: msg.rule_id })
      return { found: true }
    }
    return null
  }
}

function byTestId(page: Page, testid: string, attributes: Record<string, string> = {}) {
  const extra = Object.entries(attributes).map(([name, value]) => `[${name}=${JSON.stringify(value)}]`).join('')
  return page.locator(`[data-testid=${JSON.stringify(testid)}]${extra}`)
}

t.test('the real hub in Chromium: login, agent connects, a task submitted from the page completes, retry by click', { skip: SKIP }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dash-browser-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const running = await startHub({ dataDir, port: 0, logger: silentLogger })
  t.teardown(() => running.close())
  const adminToken = running.newAdminToken!.token
  const hub = { port: running.port, adminToken } as TestHub
  const port = running.port // the hub serves /dashboard and /ws/dashboard itself

  const profileDir = mkdtempSync(join(tmpdir(), 'agentcom-ui-'))
  const context: BrowserContext = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1600, height: 1000 },
  })
  t.teardown(async () => {
    await context.close()
    rmSync(profileDir, { recursive: true, force: true })
  })
  const page = await context.newPage()
  const consoleErrors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(String(e)))

  await page.goto(`http://127.0.0.1:${port}/dashboard`)
  await byTestId(page, 'login-token').fill('certainly-not-a-token')
  await byTestId(page, 'login-submit').click()
  await byTestId(page, 'login-error').filter({ hasText: /rejected/i }).waitFor({ timeout: WAIT_MS })
  consoleErrors.length = 0 // the browser logs the refused socket

  await byTestId(page, 'login-token').fill(adminToken)
  await byTestId(page, 'login-submit').click()
  await byTestId(page, 'connection-status', { 'data-state': 'live' }).waitFor({ timeout: WAIT_MS })
  t.equal(await byTestId(page, 'role-badge').getAttribute('data-role'), 'admin')

  const sidecar = await SidecarClient.start(t, hub, 'forge', await createToken(hub, 'forge'), { capabilities: ['code'] })
  await byTestId(page, 'agent-row-forge').waitFor({ timeout: WAIT_MS })
  t.pass('the agent shows up')

  await byTestId(page, 'task-description').fill('Render the queue chart from real data')
  await byTestId(page, 'task-priority').selectOption('high')
  await byTestId(page, 'task-submit').click()
  const task = await sidecar.takeAssignment(WAIT_MS)
  t.ok(task, 'the page submitted a task the agent got')
  const taskId = task!.task_id
  await byTestId(page, `task-status-${taskId}`, { 'data-status': 'working' }).waitFor({ timeout: WAIT_MS })
  sidecar.send({ type: 'task_progress', task_id: taskId, execution_event: { event_type: 'token', text: 'Reading ui/view/charts.js… ', tokens_so_far: 40, model: 'qwen2.5-coder:7b', timestamp: Date.now() } })
  await byTestId(page, 'exec-log-text').filter({ hasText: /Reading ui\/view\/charts\.js/ }).waitFor({ timeout: WAIT_MS })
  t.same(await sidecar.complete({ status: 'success', tokens_used: 640 }), { type: 'task_ack', task_id: taskId, status: 'complete' })
  await byTestId(page, `task-status-${taskId}`, { 'data-status': 'completed' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, `completion-row-${taskId}`).waitFor({ timeout: WAIT_MS })
  await page.waitForTimeout(1200) // more flushes and the debounced snapshot refresh: nothing may count twice
  t.equal((await byTestId(page, 'throughput-count').first().innerText()).trim(), '1', 'the completion is counted once')

  // a task that fails into the dead letter, retried by click
  const doomed = await http(running.port, 'POST', '/api/tasks', { token: adminToken, body: { description: 'Doomed task', max_retries: 1 } })
  t.equal(doomed.status, 201)
  const doomedId = doomed.body.task_id as string
  await sidecar.takeAssignment(WAIT_MS)
  await sidecar.fail('npm test exited 1')
  await byTestId(page, `retry-button-${doomedId}`).waitFor({ timeout: WAIT_MS })
  await byTestId(page, `retry-button-${doomedId}`).click()
  await byTestId(page, 'toast').filter({ hasText: `Task ${doomedId} requeued` }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, `dead-letter-row-${doomedId}`).waitFor({ state: 'detached', timeout: WAIT_MS })
  const back = await http(running.port, 'GET', `/api/tasks/${doomedId}`, { token: adminToken })
  t.not(back.body.status, 'dead_letter', 'the click requeued the task in the real queue')
  t.ok(back.body.history.some((h: { details: unknown }) => h.details === 'retried from dead-letter'), 'history records the retry')

  const state = await running.hub.system.byName(ACTOR.dashboardState).call<{ throughput: { completed_last_hour: number } }>({ type: 'snapshot' })
  t.equal(state.throughput.completed_last_hour, 1, 'hub-side throughput: one completion')
  t.equal((await byTestId(page, 'throughput-count').first().innerText()).trim(), '1', 'page and hub agree')

  // metrics snapshots on the hub's bus grow the charts
  const chartPoints = async () => Number(await byTestId(page, 'chart-queue').getAttribute('data-points'))
  const pointsBefore = await chartPoints()
  const base = Date.now()
  for (let i = 1; i <= 3; i++) {
    running.hub.system.bus.publish(TOPIC.metrics, { type: 'metrics_snapshot', data: metricsSnapshot(base + i * 10_000, { queue: i, p50: 20_000 + i * 1000, p90: 40_000, p99: 60_000, utilization: 30 * i, agents: ['forge'] }) })
  }
  for (let waited = 0; (await chartPoints()) < pointsBefore + 3 && waited < WAIT_MS; waited += 100) await page.waitForTimeout(100)
  t.ok((await chartPoints()) >= pointsBefore + 3, `the queue chart grew by 3 points (from ${pointsBefore})`)
  t.pass('the queue chart updated from metrics_snapshot events')

  // an alert fired on the hub, acknowledged by click
  // the real alerter fires from its rules on timers; for a deterministic alert it is stopped and a
  // stand-in speaking the same calls takes its name
  if (running.hub.system.whereis(ACTOR.alerter)) await terminateChild(running.hub.system.byName('observability'), ACTOR.alerter)
  const alerter = await running.hub.system.spawn(AlerterStandIn, undefined, { name: ACTOR.alerter })
  await alerter.call({ type: 'fire', alert: { rule_id: 'stuck_tasks', severity: 'critical', message: '1 task stuck for more than 5 minutes', details: {}, fired_at: Date.now(), acknowledged: false } })
  await byTestId(page, 'alert-row-stuck_tasks', { 'data-acknowledged': 'false' }).waitFor({ timeout: WAIT_MS })
  await byTestId(page, 'ack-button-stuck_tasks').click()
  await byTestId(page, 'alert-row-stuck_tasks', { 'data-acknowledged': 'true' }).waitFor({ timeout: WAIT_MS })
  t.pass('acknowledged by click')

  mkdirSync(ARTIFACTS, { recursive: true })
  const file = join(ARTIFACTS, 'dashboard-real-hub.png')
  await page.screenshot({ path: file, fullPage: true })
  t.ok(existsSync(file), `screenshot saved to ${file}`)
  t.same(consoleErrors, [], 'no errors in the page console')
})
