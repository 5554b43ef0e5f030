// A tiny element builder. Everything from the hub goes in as text (textContent), never as HTML:
// task descriptions and agent names come from agents and must not be able to inject markup.

/**
 * h('td', { class: 'num', testid: 'x', 'data-action': 'retry' }, 'text', childNode, [more])
 * Props: class, text, testid, hidden, disabled, value, type, title and any attribute.
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue
    if (key === 'class') element.className = value
    else if (key === 'text') element.textContent = String(value)
    else if (key === 'testid') element.setAttribute('data-testid', value)
    else if (key === 'hidden' || key === 'disabled') element[key] = true
    else if (key === 'value') element.value = value
    else element.setAttribute(key, value === true ? '' : String(value))
  }
  appendChildren(element, children)
  return element
}

function appendChildren(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) appendChildren(element, child)
    else if (child instanceof Node) element.appendChild(child)
    else element.appendChild(document.createTextNode(String(child)))
  }
}

/** A table with a header row; `rows` are arrays of cells (nodes or text) or ready <tr>s. */
export function table(headers, rows, { testid, empty = 'Nothing here', className = 'data-table' } = {}) {
  if (!rows.length) return h('p', { class: 'empty', testid: testid ? `${testid}-empty` : null }, empty)
  return h(
    'table',
    { class: className, testid },
    h('thead', null, h('tr', null, headers.map((header) => h('th', null, header)))),
    h('tbody', null, rows.map((row) => (row instanceof Node ? row : h('tr', null, row.map((cell) => (cell instanceof Node && cell.tagName === 'TD' ? cell : h('td', null, cell))))))),
  )
}

export function pill(text, tone, extra = {}) {
  return h('span', { class: `pill pill-${tone}`, ...extra }, text)
}

export function stat(label, value, { testid, hint } = {}) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-value', testid }, value), h('div', { class: 'stat-label' }, label), hint ? h('div', { class: 'stat-hint' }, hint) : null)
}

/** A horizontal bar for a 0..100 percentage. */
export function meter(percent, { label, tone } = {}) {
  const clamped = Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0))
  const shade = tone || (clamped >= 90 ? 'bad' : clamped >= 70 ? 'warn' : 'good')
  const fill = h('div', { class: `meter-fill meter-${shade}` })
  fill.style.width = `${clamped}%` // CSSOM, not a style attribute: allowed under a strict CSP
  return h(
    'div',
    { class: 'meter', title: label || `${clamped.toFixed(0)}%` },
    fill,
    h('span', { class: 'meter-text' }, label || `${clamped.toFixed(0)}%`),
  )
}
