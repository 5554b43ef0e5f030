// The login token lives in sessionStorage only: it dies with the tab, is never written to a URL,
// and is sent to the hub only inside the socket's first frame or an Authorization header.
const TOKEN_KEY = 'agentcom.dashboard.token'

export function loadToken(storage = globalThis.sessionStorage) {
  try {
    const token = storage.getItem(TOKEN_KEY)
    return token && token.trim() ? token.trim() : null
  } catch {
    return null
  }
}

export function saveToken(token, storage = globalThis.sessionStorage) {
  storage.setItem(TOKEN_KEY, token.trim())
}

export function clearToken(storage = globalThis.sessionStorage) {
  try {
    storage.removeItem(TOKEN_KEY)
  } catch {
    // storage disabled: nothing was kept either
  }
}

export function bearerHeaders(token, extra = {}) {
  return { ...extra, Authorization: `Bearer ${token}` }
}
