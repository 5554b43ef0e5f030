// Hub URLs as the onboarding CLIs take them: the HTTP base the operator typed, and the agent
// WebSocket URL derived from it when the hub gave none (spec sidecar.md §15.1).

export class HubUrlError extends Error {
  override readonly name = 'HubUrlError'
}

/** The http(s) origin plus path, without a trailing "/"; HubUrlError for anything else. */
export function normalizeHubUrl(input: string): string {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw new HubUrlError(`--hub ${JSON.stringify(input)} is not a URL (e.g. http://127.0.0.1:4000)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HubUrlError(`--hub must be an http:// or https:// URL, got ${JSON.stringify(input)}`)
  }
  return url.toString().replace(/\/+$/, '')
}

/**
 * ws:/wss: by the HTTP scheme, the same host and port, path /ws. The original built
 * `//<hostname>:<port>/ws` by hand and produced `ws://host:/ws` for a default port; URL.host
 * carries the port only when there is one.
 */
export function deriveWsUrl(hubUrl: string): string {
  const url = new URL(hubUrl)
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}/ws`
}
