// Channel names are normalised on every input (protocol.md §3.3): leading `#` stripped,
// lower-cased, every char outside [a-z0-9-_] removed. "#Dev Ops!" → "devops".

export function normalizeChannelName(name: string): string {
  return name
    .replace(/^#+/, '')
    .toLowerCase()
    .replace(/[^a-z0-9\-_]/g, '')
}
