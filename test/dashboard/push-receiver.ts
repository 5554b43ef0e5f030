// A local stand-in for a browser push service (RFC 8030) on 127.0.0.1: it records each push
// request, answers the status the test sets per subscription, and can decrypt the aes128gcm
// payload (RFC 8188/8291) with the subscription's private key and check the VAPID JWT (RFC 8292).
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedPush {
  path: string
  headers: IncomingMessage['headers']
  body: Buffer
}

export interface BrowserSubscription {
  endpoint: string
  expirationTime: null
  keys: { p256dh: string; auth: string }
  /** the browser side's secrets, to decrypt what arrives */
  ecdh: ECDH
  authSecret: Buffer
}

export interface PushReceiver {
  url: string
  received: ReceivedPush[]
  /** status answered per path (default 201) */
  statusFor: Map<string, number>
  subscription(path: string): BrowserSubscription
  /** resolves when `n` pushes have arrived in total */
  waitFor(n: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

const b64url = (b: Buffer): string => b.toString('base64url')

export async function startPushReceiver(): Promise<PushReceiver> {
  const received: ReceivedPush[] = []
  const statusFor = new Map<string, number>()
  const waiters: Array<() => void> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(statusFor.get(req.url ?? '') ?? 201)
      res.end()
      for (const wake of waiters.splice(0)) wake()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    received,
    statusFor,
    subscription(path) {
      const ecdh = createECDH('prime256v1')
      ecdh.generateKeys()
      const authSecret = randomBytes(16)
      return { endpoint: `${url}${path}`, expirationTime: null, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(authSecret) }, ecdh, authSecret }
    },
    async waitFor(n, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} pushes, got ${received.length}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** RFC 8291 decryption of one aes128gcm record. */
export function decryptPush(body: Buffer, sub: BrowserSubscription): string {
  const salt = body.subarray(0, 16)
  const idLength = body.readUInt8(20)
  const senderPublic = body.subarray(21, 21 + idLength)
  const ciphertext = body.subarray(21 + idLength)
  const shared = sub.ecdh.computeSecret(senderPublic)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), sub.ecdh.getPublicKey(), senderPublic])
  const ikm = Buffer.from(hkdfSync('sha256', shared, sub.authSecret, keyInfo, 32))
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16))
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()])
  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end--
  if (padded[end] !== 2) throw new Error('missing last-record delimiter')
  return padded.subarray(0, end).toString('utf8')
}

/** Checks `Authorization: vapid t=<jwt>, k=<key>`: signed by `publicKey`, audience = the push service origin. */
export function verifyVapid(header: string | undefined, publicKey: string, audience: string): { ok: boolean; claims: Record<string, unknown> } {
  const match = /^vapid t=([^,]+),\s*k=(.+)$/.exec(header ?? '')
  if (!match || match[2] !== publicKey) return { ok: false, claims: {} }
  const [h, p, s] = match[1]!.split('.')
  const raw = Buffer.from(publicKey, 'base64url')
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33, 65)) }, format: 'jwk' })
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'))
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>
  return { ok: ok && claims.aud === audience, claims }
}
