// A structural check of an LMDB data file, in plain JS over positioned reads, so a damaged
// file yields a list of problems instead of a crash. It follows every tree from the newest
// meta page (the free list, the table directory, each table) and checks that each page says
// it is the page we asked for, has the type its parent promises, keeps its node offsets inside
// the page and its keys in order, that no page is reachable twice or both used and free, and
// that the per-tree page and record counts in the meta data match what was found.
//
// Layout (lmdb-js's LMDB 1.0 fork, 64-bit): page header = pgno u64, txnid u64, pad u16,
// flags u16, lower u16, upper u16 (overflow: page count u32) = 24 bytes. Meta body at 24:
// magic, version, address, mapsize, 2 × MDB_db (48 bytes), last_pg, txnid, boot_id.
// Free-list records use lmdb-js's block IDL: [length, entries…], 0 = empty slot,
// a negative entry −n followed by p = pages p … p+n−1.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

const PAGE_HEADER = 24
const NODE_HEADER = 8
const MDB_MAGIC = 0xbeefc0de
const MDB_DATA_VERSION = 2
const DB_RECORD_BYTES = 48

const P_BRANCH = 0x01
const P_LEAF = 0x02
const P_OVERFLOW = 0x04
const P_META = 0x08
const P_LEAF2 = 0x20
const P_SUBP = 0x40
const PAGE_TYPE_BITS = P_BRANCH | P_LEAF | P_OVERFLOW | P_META | P_LEAF2 | P_SUBP

const F_BIGDATA = 0x01
const F_SUBDATA = 0x02
const F_DUPDATA = 0x04

// MDB_db flags that change key order or layout.
const MDB_REVERSEKEY = 0x02
const MDB_DUPSORT = 0x04
const MDB_INTEGERKEY = 0x08

const NO_ROOT = 0xffffffffffffffffn
const MAX_PROBLEMS = 50

export interface TreeReport {
  /** `(free list)`, `(tables)` or the table's name. */
  name: string
  recordCount: number
  branchPages: number
  leafPages: number
  overflowPages: number
  depth: number
}

export interface PageWalkReport {
  ok: boolean
  problems: string[]
  pageSize: number
  fileSizeBytes: number
  lastPage: number
  txnId: number
  totalPages: number
  /** Pages reached from a tree, plus the 2 meta pages. */
  usedPages: number
  freePages: number
  /** Pages up to the last page that are neither used nor listed free. */
  unaccountedPages: number
  trees: TreeReport[]
}

interface DbRecord {
  flags: number
  depth: number
  branchPages: number
  leafPages: number
  overflowPages: number
  entries: number
  root: bigint
}

interface Meta {
  pageSize: number
  version: number
  magic: number
  lastPage: number
  txnId: number
  free: DbRecord
  main: DbRecord
}

interface Counts {
  branchPages: number
  leafPages: number
  overflowPages: number
  entries: number
  leafLevel: number
  /** The last leaf key seen, in tree order: keys must rise across pages too. */
  lastKey: Buffer | null
}

type TreeKind = 'free' | 'main' | 'table'

class Damage extends Error {}

/** Walks the file at `path`. Never throws for a damaged file: damage becomes `problems`. */
export function walkLmdbFile(path: string): PageWalkReport {
  const fd = openSync(path, 'r')
  try {
    return new Walker(fd, fstatSync(fd).size).run()
  } finally {
    closeSync(fd)
  }
}

class Walker {
  private readonly problems: string[] = []
  private readonly trees: TreeReport[] = []
  private pageSize = 0
  private lastPage = 0
  private states = new Uint8Array(0) // 0 unseen, 1 used, 2 free

  constructor(
    private readonly fd: number,
    private readonly fileSize: number,
  ) {}

  run(): PageWalkReport {
    let meta: Meta | null = null
    try {
      meta = this.newestMeta()
      if (meta !== null) this.walkAll(meta)
    } catch (error) {
      if (!(error instanceof Damage)) this.problem(`walker stopped: ${(error as Error).message}`)
    }
    let used = 0
    let free = 0
    let unaccounted = 0
    for (let pgno = 0; pgno < this.states.length; pgno++) {
      const state = this.states[pgno]
      if (state === 1) used++
      else if (state === 2) free++
      else unaccounted++
    }
    const pageSize = this.pageSize || 4096
    return {
      ok: this.problems.length === 0,
      problems: this.problems,
      pageSize,
      fileSizeBytes: this.fileSize,
      lastPage: this.lastPage,
      txnId: meta?.txnId ?? 0,
      totalPages: Math.max(Math.ceil(this.fileSize / pageSize), this.lastPage + 1),
      usedPages: used,
      freePages: free,
      unaccountedPages: unaccounted,
      trees: this.trees,
    }
  }

  private problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(text)
    if (this.problems.length >= MAX_PROBLEMS) throw new Damage('too many problems')
  }

  private read(offset: number, length: number): Buffer {
    const buffer = Buffer.alloc(length)
    const got = readSync(this.fd, buffer, 0, length, offset)
    if (got < length) {
      this.problem(`file ends at byte ${this.fileSize}, needed bytes ${offset}..${offset + length}`)
      throw new Damage('short read')
    }
    return buffer
  }

  private newestMeta(): Meta | null {
    if (this.fileSize < 2 * PAGE_HEADER + 160) {
      this.problem(`file is ${this.fileSize} bytes, too small for an LMDB environment`)
      return null
    }
    const first = parseMeta(this.read(0, PAGE_HEADER + 168))
    const pageSize = first.pageSize
    if (!validPageSize(pageSize)) {
      this.problem(`meta page 0 names page size ${pageSize}`)
      return null
    }
    this.pageSize = pageSize
    const second = parseMeta(this.read(pageSize, PAGE_HEADER + 168))
    const metas = [first, second]
    for (const [index, meta] of metas.entries()) {
      if (meta.magic !== MDB_MAGIC) this.problem(`meta page ${index} has magic ${meta.magic.toString(16)}, not beefc0de`)
      else if (meta.version !== MDB_DATA_VERSION) this.problem(`meta page ${index} has format version ${meta.version}`)
      else if (meta.pageSize !== pageSize) this.problem(`meta page ${index} names page size ${meta.pageSize}, meta 0 says ${pageSize}`)
    }
    if (this.problems.length > 0) return null
    const newest = second.txnId > first.txnId ? second : first
    this.lastPage = newest.lastPage
    const filePages = Math.floor(this.fileSize / pageSize)
    if (newest.lastPage + 1 > filePages) {
      this.problem(`meta says the last page is ${newest.lastPage} but the file holds only ${filePages} pages`)
      return null
    }
    this.states = new Uint8Array(newest.lastPage + 1)
    this.states[0] = 1
    this.states[1] = 1
    return newest
  }

  private walkAll(meta: Meta): void {
    this.walkTree('(free list)', meta.free, 'free')
    this.walkTree('(tables)', meta.main, 'main')
  }

  private walkTree(name: string, db: DbRecord, kind: TreeKind): void {
    const counts: Counts = { branchPages: 0, leafPages: 0, overflowPages: 0, entries: 0, leafLevel: -1, lastKey: null }
    if (db.root !== NO_ROOT) this.visit(name, Number(db.root), 1, db, kind, counts)
    const depth = counts.leafLevel === -1 ? 0 : counts.leafLevel
    this.trees.push({ name, recordCount: counts.entries, branchPages: counts.branchPages, leafPages: counts.leafPages, overflowPages: counts.overflowPages, depth })
    const expect = (what: string, found: number, recorded: number) => {
      if (found !== recorded) this.problem(`${name}: found ${found} ${what}, the tree record says ${recorded}`)
    }
    expect('branch pages', counts.branchPages, db.branchPages)
    expect('leaf pages', counts.leafPages, db.leafPages)
    expect('overflow pages', counts.overflowPages, db.overflowPages)
    expect('records', counts.entries, db.entries)
    expect('levels', depth, db.depth)
  }

  private claim(name: string, pgno: number, state: 1 | 2): boolean {
    if (!Number.isSafeInteger(pgno) || pgno < 2 || pgno > this.lastPage) {
      this.problem(`${name}: page number ${pgno} is outside 2..${this.lastPage}`)
      return false
    }
    const previous = this.states[pgno]
    if (previous !== 0) {
      this.problem(`${name}: page ${pgno} is ${previous === 1 ? 'already in use' : 'listed free'} and ${state === 1 ? 'reached again' : 'listed free again'}`)
      return false
    }
    this.states[pgno] = state
    return true
  }

  private visit(name: string, pgno: number, level: number, db: DbRecord, kind: TreeKind, counts: Counts): void {
    if (level > 64) {
      this.problem(`${name}: tree deeper than 64 levels at page ${pgno}`)
      return
    }
    if (!this.claim(name, pgno, 1)) return
    const page = this.read(pgno * this.pageSize, this.pageSize)
    const headerPgno = page.readBigUInt64LE(0)
    if (headerPgno !== BigInt(pgno)) {
      this.problem(`${name}: page ${pgno} says it is page ${headerPgno}`)
      return
    }
    const type = page.readUInt16LE(18) & PAGE_TYPE_BITS
    if (type === P_BRANCH) {
      counts.branchPages++
      this.visitBranch(name, page, pgno, level, db, kind, counts)
    } else if (type === P_LEAF || type === (P_LEAF | P_LEAF2)) {
      counts.leafPages++
      if (counts.leafLevel === -1) counts.leafLevel = level
      else if (counts.leafLevel !== level) this.problem(`${name}: leaf page ${pgno} at level ${level}, other leaves at ${counts.leafLevel}`)
      this.visitLeaf(name, page, pgno, db, kind, counts)
    } else {
      this.problem(`${name}: page ${pgno} has type flags 0x${type.toString(16)} where a branch or leaf page belongs`)
    }
  }

  /** Offsets of the page's nodes, after checking lower/upper and every pointer. */
  private nodeOffsets(name: string, page: Buffer, pgno: number): number[] | null {
    const lower = page.readUInt16LE(20)
    const upper = page.readUInt16LE(22)
    const room = this.pageSize - PAGE_HEADER
    if (lower % 2 !== 0 || lower > upper || upper > room) {
      this.problem(`${name}: page ${pgno} has free-space bounds ${lower}..${upper} (page body ${room} bytes)`)
      return null
    }
    const offsets: number[] = []
    for (let i = 0; i < lower / 2; i++) {
      const pointer = page.readUInt16LE(PAGE_HEADER + 2 * i)
      if (pointer < upper || pointer + NODE_HEADER > room) {
        this.problem(`${name}: page ${pgno} node ${i} points to ${pointer}, outside ${upper}..${room}`)
        return null
      }
      offsets.push(PAGE_HEADER + pointer)
    }
    return offsets
  }

  private visitBranch(name: string, page: Buffer, pgno: number, level: number, db: DbRecord, kind: TreeKind, counts: Counts): void {
    const offsets = this.nodeOffsets(name, page, pgno)
    if (offsets === null) return
    if (offsets.length === 0) {
      this.problem(`${name}: branch page ${pgno} has no children`)
      return
    }
    let previousKey: Buffer | null = null
    for (const [i, at] of offsets.entries()) {
      const child = page.readUInt16LE(at) + page.readUInt16LE(at + 2) * 0x10000 + page.readUInt16LE(at + 4) * 0x100000000
      const keySize = page.readUInt16LE(at + 6)
      if (at + NODE_HEADER + keySize > this.pageSize) {
        this.problem(`${name}: branch page ${pgno} node ${i} key runs past the page end`)
        return
      }
      if (i > 0) {
        const key = page.subarray(at + NODE_HEADER, at + NODE_HEADER + keySize)
        if (previousKey !== null && !this.inOrder(previousKey, key, db, kind)) this.problem(`${name}: branch page ${pgno} keys out of order at node ${i}`)
        previousKey = key
      }
      this.visit(name, child, level + 1, db, kind, counts)
    }
  }

  private visitLeaf(name: string, page: Buffer, pgno: number, db: DbRecord, kind: TreeKind, counts: Counts): void {
    if ((page.readUInt16LE(18) & P_LEAF2) !== 0) {
      counts.entries += page.readUInt16LE(20) / 2
      return
    }
    const offsets = this.nodeOffsets(name, page, pgno)
    if (offsets === null) return
    let previousKey: Buffer | null = counts.lastKey
    for (const [i, at] of offsets.entries()) {
      const dataSize = page.readUInt16LE(at) + page.readUInt16LE(at + 2) * 0x10000
      const nodeFlags = page.readUInt16LE(at + 4)
      const keySize = page.readUInt16LE(at + 6)
      const dataAt = at + NODE_HEADER + keySize
      const inlineSize = nodeFlags & F_BIGDATA ? 8 : dataSize
      if (dataAt + inlineSize > this.pageSize) {
        this.problem(`${name}: leaf page ${pgno} node ${i} (key ${keySize} bytes, data ${inlineSize}) runs past the page end`)
        return
      }
      const key = page.subarray(at + NODE_HEADER, dataAt)
      if (previousKey !== null && !this.inOrder(previousKey, key, db, kind)) this.problem(`${name}: leaf page ${pgno} keys out of order at node ${i}`)
      previousKey = key
      counts.lastKey = key
      let data: Buffer | null = page.subarray(dataAt, dataAt + inlineSize)
      if (nodeFlags & F_BIGDATA) data = this.visitOverflow(name, Number(page.readBigUInt64LE(dataAt)), dataSize, counts, kind === 'free')
      if (kind === 'main' && nodeFlags & F_SUBDATA && !(nodeFlags & F_DUPDATA)) {
        if (data === null || data.length !== DB_RECORD_BYTES) this.problem(`${name}: table record ${JSON.stringify(key.toString())} is ${data?.length ?? 0} bytes, not ${DB_RECORD_BYTES}`)
        else this.walkTree(key.toString('utf8').replace(/\0$/, ''), parseDbRecord(data, 0), 'table')
        counts.entries++
      } else if (nodeFlags & F_DUPDATA) {
        counts.entries += this.countDuplicates(name, nodeFlags, data, pgno, counts)
      } else {
        counts.entries++
        if (kind === 'free' && data !== null) this.claimFreeList(name, data)
      }
    }
  }

  private countDuplicates(name: string, nodeFlags: number, data: Buffer | null, pgno: number, counts: Counts): number {
    if (data === null) return 0
    if (nodeFlags & F_SUBDATA) {
      if (data.length !== DB_RECORD_BYTES) {
        this.problem(`${name}: duplicate sub-tree record on page ${pgno} is ${data.length} bytes`)
        return 0
      }
      const sub = parseDbRecord(data, 0)
      const subCounts: Counts = { branchPages: 0, leafPages: 0, overflowPages: 0, entries: 0, leafLevel: -1, lastKey: null }
      if (sub.root !== NO_ROOT) this.visit(`${name} (duplicates)`, Number(sub.root), 1, sub, 'table', subCounts)
      counts.branchPages += subCounts.branchPages
      counts.leafPages += subCounts.leafPages
      counts.overflowPages += subCounts.overflowPages
      return subCounts.entries
    }
    if (data.length < PAGE_HEADER) {
      this.problem(`${name}: inline duplicates on page ${pgno} are ${data.length} bytes`)
      return 0
    }
    return data.readUInt16LE(20) / 2
  }

  /** Claims the pages of an overflow run; returns its bytes when `wanted` (free-list records). */
  private visitOverflow(name: string, pgno: number, dataSize: number, counts: Counts, wanted: boolean): Buffer | null {
    if (!this.claim(name, pgno, 1)) return null
    const header = this.read(pgno * this.pageSize, PAGE_HEADER)
    const headerPgno = header.readBigUInt64LE(0)
    if (headerPgno !== BigInt(pgno)) {
      this.problem(`${name}: overflow page ${pgno} says it is page ${headerPgno}`)
      return null
    }
    if ((header.readUInt16LE(18) & PAGE_TYPE_BITS) !== P_OVERFLOW) {
      this.problem(`${name}: page ${pgno} should start an overflow run but has type flags 0x${header.readUInt16LE(18).toString(16)}`)
      return null
    }
    const pages = header.readUInt32LE(20)
    const needed = Math.floor((PAGE_HEADER - 1 + dataSize) / this.pageSize) + 1
    if (pages < needed || pgno + pages - 1 > this.lastPage) {
      this.problem(`${name}: overflow run at page ${pgno} has ${pages} pages; its ${dataSize}-byte value needs ${needed}, last page is ${this.lastPage}`)
      return null
    }
    counts.overflowPages += pages
    for (let next = pgno + 1; next < pgno + pages; next++) if (!this.claim(name, next, 1)) return null
    return wanted ? this.read(pgno * this.pageSize + PAGE_HEADER, dataSize) : null
  }

  private claimFreeList(name: string, data: Buffer): void {
    if (data.length < 8) return
    const slots = Math.min(Number(data.readBigUInt64LE(0)), Math.floor(data.length / 8) - 1)
    for (let i = 1; i <= slots; i++) {
      const entry = data.readBigInt64LE(i * 8)
      if (entry === 0n) continue
      if (entry > 0n) {
        this.claim(name, Number(entry), 2)
        continue
      }
      const length = Number(-entry)
      i++
      if (i > slots) {
        this.problem(`${name}: free-list block of ${length} pages has no start page`)
        return
      }
      const start = Number(data.readBigInt64LE(i * 8))
      for (let pgno = start; pgno < start + length; pgno++) if (!this.claim(name, pgno, 2)) return
    }
  }

  private inOrder(previous: Buffer, key: Buffer, db: DbRecord, kind: TreeKind): boolean {
    if (kind === 'free' || db.flags & (MDB_REVERSEKEY | MDB_INTEGERKEY | MDB_DUPSORT)) return true
    return Buffer.compare(previous, key) < 0
  }
}

function validPageSize(size: number): boolean {
  return size >= 512 && size <= 65536 && (size & (size - 1)) === 0
}

function parseMeta(buffer: Buffer): Meta {
  const body = PAGE_HEADER
  return {
    magic: buffer.readUInt32LE(body),
    version: buffer.readUInt32LE(body + 4),
    pageSize: buffer.readUInt32LE(body + 24),
    free: parseDbRecord(buffer, body + 24),
    main: parseDbRecord(buffer, body + 24 + DB_RECORD_BYTES),
    lastPage: Number(buffer.readBigUInt64LE(body + 24 + 2 * DB_RECORD_BYTES)),
    txnId: Number(buffer.readBigUInt64LE(body + 24 + 2 * DB_RECORD_BYTES + 8)),
  }
}

function parseDbRecord(buffer: Buffer, at: number): DbRecord {
  return {
    flags: buffer.readUInt16LE(at + 4),
    depth: buffer.readUInt16LE(at + 6),
    branchPages: Number(buffer.readBigUInt64LE(at + 8)),
    leafPages: Number(buffer.readBigUInt64LE(at + 16)),
    overflowPages: Number(buffer.readBigUInt64LE(at + 24)),
    entries: Number(buffer.readBigUInt64LE(at + 32)),
    root: buffer.readBigUInt64LE(at + 40),
  }
}
