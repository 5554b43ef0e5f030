// Dashboard entry point: login, the socket, the render loop and the user's commands.
import { DashboardSocket, dashboardSocketUrl } from './net/dashboard-socket.js'
import { bearerHeaders, clearToken, loadToken, saveToken } from './net/session-token.js'
import { enablePush, pushUnsupportedReason } from './net/web-push.js'
import { applyServerFrame, createDashboardState, markRetryPending, selectLogTask, withNotice, withoutExpiredNotices } from './state/dashboard-store.js'
import { MetricsCharts, metricCards } from './view/charts.js'
import { h } from './view/dom.js'
import { formatClock } from './view/format.js'
import { agentsPanel } from './view/panels/agents.js'
import { executionLogPanel } from './view/panels/execution-log.js'
import { llmFleetPanel, repoPanel } from './view/panels/fleet.js'
import { rateLimitPanel, storagePanel, validationPanel } from './view/panels/operations.js'
import { alertsPanel, headerStats, healthBadge, healthBanner, routingBar } from './view/panels/overview.js'
import { deadLetterPanel, queuePanel } from './view/panels/queue.js'
import { completionsPanel, taskEventsPanel, trackerPanel } from './view/panels/tasks.js'

const SNAPSHOT_REFRESH_DEBOUNCE_MS = 1000
const CLOCK_TICK_MS = 30000
const NOTICE_LIFETIME_MS = 6000
const REPO_COMMANDS = new Set(['move_repo_up', 'move_repo_down', 'pause_repo', 'unpause_repo', 'remove_repo'])

const connectionPanel = {
  mount: 'connection-slot',
  deps: (s) => [s.connection, s.lastUpdate],
  render(s) {
    const connection = s.connection || { state: 'connecting' }
    const labels = {
      connecting: 'Connecting…',
      authenticating: 'Signing in…',
      live: 'Live',
      reconnecting: 'Reconnecting…',
      waiting: `Offline · retry in ${Math.ceil((connection.retryInMs || 0) / 1000)} s`,
      auth_failed: 'Signed out',
    }
    return h(
      'div',
      { class: `connection connection-${connection.state}`, testid: 'connection-status', 'data-state': connection.state, title: connection.detail || '' },
      h('span', { class: 'dot' }),
      h('span', null, labels[connection.state] || connection.state),
      s.lastUpdate ? h('span', { class: 'connection-updated', testid: 'last-update' }, `updated ${formatClock(s.lastUpdate)}`) : null,
    )
  },
}

const toastPanel = {
  mount: 'toasts',
  deps: (s) => [s.notices],
  render(s) {
    return h('div', null, s.notices.map((notice) => h('div', { class: `toast toast-${notice.level}`, testid: 'toast', 'data-level': notice.level }, notice.text)))
  },
}

const PANELS = [
  connectionPanel,
  healthBadge,
  headerStats,
  healthBanner,
  alertsPanel,
  routingBar,
  metricCards,
  agentsPanel,
  queuePanel,
  trackerPanel,
  executionLogPanel,
  completionsPanel,
  taskEventsPanel,
  deadLetterPanel,
  llmFleetPanel,
  repoPanel,
  storagePanel,
  rateLimitPanel,
  validationPanel,
  toastPanel,
]

const view = {
  login: document.getElementById('login-view'),
  app: document.getElementById('app-view'),
  loginForm: document.getElementById('login-form'),
  loginToken: document.getElementById('login-token'),
  loginStatus: document.getElementById('login-status'),
  loginError: document.getElementById('login-error'),
  pushButton: document.getElementById('push-button'),
  pushStatus: document.getElementById('push-status'),
  roleBadge: document.getElementById('role-badge'),
}

let state = createDashboardState()
let socket = null
let token = null
let charts = null
let renderPending = false
let refreshTimer = null
const renderedDeps = new Map()

function setState(next) {
  if (next === state) return
  state = next
  scheduleRender()
}

// Background tabs get no animation frames; a timer keeps a hidden dashboard current.
function scheduleRender() {
  if (renderPending) return
  renderPending = true
  if (document.hidden) setTimeout(render, 100)
  else requestAnimationFrame(render)
}

function sameDeps(previous, next) {
  return previous && previous.length === next.length && previous.every((value, index) => value === next[index])
}

function render() {
  renderPending = false
  if (view.app.hidden) return
  const context = { now: Date.now(), isAdmin: state.role === 'admin' }
  for (const panel of PANELS) {
    const deps = panel.deps(state)
    if (sameDeps(renderedDeps.get(panel), deps)) continue
    const mount = document.getElementById(panel.mount)
    const saved = panel.beforeRender ? panel.beforeRender(mount) : null
    mount.replaceChildren(panel.render(state, context))
    if (panel.afterRender) panel.afterRender(mount, saved)
    renderedDeps.set(panel, deps)
  }
  if (!charts) charts = new MetricsCharts(document.getElementById('charts'))
  charts.update(state.metrics)
  applyRole()
}

function applyRole() {
  const admin = state.role === 'admin'
  document.body.classList.toggle('role-admin', admin)
  document.body.classList.toggle('role-viewer', !admin)
  for (const element of document.querySelectorAll('[data-admin-only]')) element.hidden = !admin
  view.roleBadge.textContent = admin ? 'admin' : 'viewer'
  view.roleBadge.dataset.role = state.role
}

function notify(level, text) {
  setState(withNotice(state, level, text, Date.now()))
}

// ---- session -------------------------------------------------------------------------------

function showLogin(error) {
  view.app.hidden = true
  view.login.hidden = false
  view.loginStatus.hidden = true
  view.loginError.textContent = error || ''
  view.loginError.hidden = !error
  view.loginForm.querySelector('button').disabled = false
  view.loginToken.focus()
}

function showApp() {
  view.login.hidden = true
  view.app.hidden = false
  renderedDeps.clear()
  scheduleRender()
}

function startSession(sessionToken) {
  token = sessionToken
  state = createDashboardState()
  renderedDeps.clear()
  socket = new DashboardSocket({ url: dashboardSocketUrl(), token, onFrame: handleFrame, onStatus: handleStatus })
  socket.start()
}

function endSession(error) {
  if (socket) socket.stop()
  socket = null
  token = null
  clearTimeout(refreshTimer)
  refreshTimer = null
  clearToken()
  showLogin(error)
}

function handleStatus(status) {
  setState({ ...state, connection: status })
  if (status.state === 'auth_failed') {
    socket = null
    endSession(status.detail === 'auth_failed' || !status.detail ? 'The hub rejected this token. Check it and sign in again.' : `Signed out by the hub: ${status.detail}`)
    return
  }
  if (!view.login.hidden) {
    if (status.state === 'live') showApp()
    else {
      view.loginStatus.hidden = false
      view.loginStatus.textContent = status.state === 'waiting' ? `Cannot reach the hub (${status.detail || 'no answer'}); retrying in ${Math.ceil(status.retryInMs / 1000)} s…` : 'Signing in…'
    }
  }
}

function handleFrame(frame) {
  const { state: next, refreshSnapshot } = applyServerFrame(state, frame, Date.now())
  setState(next)
  if (refreshSnapshot) scheduleSnapshotRefresh()
}

// Event items tell what changed but not the whole picture (queue lists, agents' tasks): ask for
// a fresh snapshot, at most once a second, instead of after every event as the original did.
function scheduleSnapshotRefresh() {
  if (refreshTimer !== null) return
  refreshTimer = setTimeout(() => {
    refreshTimer = null
    if (socket) socket.send({ type: 'request_snapshot' })
  }, SNAPSHOT_REFRESH_DEBOUNCE_MS)
}

function sendCommand(frame) {
  if (state.role !== 'admin') {
    notify('error', 'Your token is read-only.')
    return false
  }
  if (!socket || !socket.send(frame)) {
    notify('error', `Not connected: ${frame.type.replace(/_/g, ' ')} was not sent.`)
    return false
  }
  return true
}

// ---- user actions --------------------------------------------------------------------------

function handleAction(target) {
  const action = target.dataset.action
  if (action === 'retry-task') {
    if (sendCommand({ type: 'retry_task', task_id: target.dataset.taskId })) setState(markRetryPending(state, target.dataset.taskId))
  } else if (action === 'ack-alert') {
    sendCommand({ type: 'acknowledge_alert', rule_id: target.dataset.ruleId })
  } else if (action === 'remove-llm') {
    sendCommand({ type: 'remove_llm_endpoint', id: target.dataset.endpointId })
  } else if (REPO_COMMANDS.has(action)) {
    sendCommand({ type: action, repo_id: target.dataset.repoId })
  } else if (action === 'select-log') {
    setState(selectLogTask(state, target.dataset.taskId))
  } else if (action === 'toggle-health') {
    setState({ ...state, healthExpanded: !state.healthExpanded })
  }
}

function formValues(form) {
  return Object.fromEntries([...new FormData(form).entries()].map(([key, value]) => [key, String(value).trim()]))
}

function registerLlmEndpoint(form) {
  const values = formValues(form)
  const frame = { type: 'register_llm_endpoint', host: values.host }
  if (values.port) frame.port = Number.parseInt(values.port, 10)
  if (values.name) frame.name = values.name
  if (sendCommand(frame)) form.reset()
}

function addRepo(form) {
  const values = formValues(form)
  const frame = { type: 'add_repo', url: values.url }
  if (values.name) frame.name = values.name
  if (sendCommand(frame)) form.reset()
}

async function submitTask(form) {
  const values = formValues(form)
  const button = form.querySelector('button')
  button.disabled = true
  try {
    const response = await fetch('/api/tasks', {
      method: 'POST',
      headers: bearerHeaders(token, { 'Content-Type': 'application/json' }),
      body: JSON.stringify({ description: values.description, priority: values.priority || 'normal' }),
    })
    const body = await response.json().catch(() => ({}))
    if (response.status === 201) {
      notify('ok', `Task ${body.task_id} queued`)
      form.reset()
    } else {
      notify('error', `Task not submitted: ${body.error || `HTTP ${response.status}`}`)
    }
  } catch (error) {
    notify('error', `Task not submitted: ${error.message}`)
  } finally {
    button.disabled = false
  }
}

async function setUpPush() {
  const reason = pushUnsupportedReason(window)
  if (reason) {
    showPushStatus('Push unavailable', reason)
    return
  }
  view.pushButton.hidden = false
}

function showPushStatus(text, title) {
  view.pushButton.hidden = true
  view.pushStatus.hidden = false
  view.pushStatus.textContent = text
  view.pushStatus.title = title || ''
}

async function turnOnPush() {
  view.pushButton.disabled = true
  view.pushButton.textContent = 'Enabling…'
  try {
    const outcome = await enablePush(token, window)
    if (outcome === 'subscribed') showPushStatus('Notifications on', 'This browser receives hub alerts')
    else showPushStatus('Notifications blocked', 'Allow notifications for this site to receive alerts')
  } catch (error) {
    showPushStatus('Push unavailable', error && error.message ? error.message : String(error))
  } finally {
    view.pushButton.disabled = false
    view.pushButton.textContent = 'Enable notifications'
  }
}

// ---- wiring --------------------------------------------------------------------------------

view.loginForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const entered = view.loginToken.value.trim()
  if (!entered) return
  view.loginToken.value = ''
  view.loginError.hidden = true
  view.loginForm.querySelector('button').disabled = true
  saveToken(entered)
  startSession(entered)
})

document.getElementById('logout-button').addEventListener('click', () => endSession(null))
view.pushButton.addEventListener('click', () => turnOnPush())

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-action]') : null
  if (target && !target.disabled) handleAction(target)
})

document.getElementById('llm-form').addEventListener('submit', (event) => {
  event.preventDefault()
  registerLlmEndpoint(event.currentTarget)
})
document.getElementById('repo-form').addEventListener('submit', (event) => {
  event.preventDefault()
  addRepo(event.currentTarget)
})
document.getElementById('task-form').addEventListener('submit', (event) => {
  event.preventDefault()
  submitTask(event.currentTarget)
})

document.addEventListener('visibilitychange', () => scheduleRender())
setInterval(() => setState({ ...state, clock: Date.now() }), CLOCK_TICK_MS)
setInterval(() => setState(withoutExpiredNotices(state, Date.now(), NOTICE_LIFETIME_MS)), 1000)

setUpPush()
const storedToken = loadToken()
if (storedToken) {
  view.loginStatus.hidden = false
  view.loginStatus.textContent = 'Signing in…'
  startSession(storedToken)
} else {
  showLogin(null)
}
