// One side's snapshots and bookmarks as columns: no object per version while a listing is read and held.
//
// A listing at scale has millions of versions. Held as one object each (and a GUID string each), every one outlived
// the young generation and was copied by the scavenger, then promoted: about as much CPU as parsing them, and most
// of the heap. As columns in chunks of typed arrays, a listing holds no object per version, and no memory is
// touched twice: a chunk is filled once, never grown or copied (on the benchmark machine, fresh memory costs about
// 3 ms per MiB in page faults: bench/01 prints it); a table of several listings (the slices listed at once) keeps
// their segments as they are. A dataset's records are made when the planner asks for that dataset, and die young.
// For the same reason a row is narrow, 38 bytes: a GUID is its decimal digits two to a byte; createtxg, creation
// and written are 32 bits, a value that does not fit (written past 4 GiB, a time past 2106, a txg past 2^32) kept in
// its chunk's `wide` map. A 32-bit column also makes a record's value a small integer where it fits, not a boxed
// double: a createtxg read from a Float64Array was a heap number in every record (16 bytes each, two million of
// them in a plan at 10,000 x 100).
import type { Listing, VersionRecord } from './types.js';

const SNAPSHOT = 1;
const BOOKMARK = 2;

/** Within one dataset: createtxg, bookmark before snapshot at equal txg, then name. */
export function compareInDataset(a: VersionRecord, b: VersionRecord): number {
  return a.createtxg - b.createtxg || (a.kind === b.kind ? 0 : a.kind === 'bookmark' ? -1 : 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function compareSorted(a: VersionRecord, b: VersionRecord): number {
  return a.dataset === b.dataset ? compareInDataset(a, b) : a.dataset < b.dataset ? -1 : 1;
}

/** Versions by dataset, then createtxg, bookmark before snapshot at equal txg, then name. Sorted per dataset and
 *  then by dataset name (the same total order as one sort, without comparing dataset names a million times). */
export function computeSortedVersions(versions: VersionRecord[]): VersionRecord[] {
  let sorted = true;
  for (let i = 1; i < versions.length && sorted; i++) sorted = compareSorted(versions[i - 1]!, versions[i]!) <= 0;
  if (sorted) return [...versions];
  const byDataset = new Map<string, VersionRecord[]>();
  for (const v of versions) {
    const list = byDataset.get(v.dataset);
    if (list) list.push(v);
    else byDataset.set(v.dataset, [v]);
  }
  const out: VersionRecord[] = [];
  for (const name of [...byDataset.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const v of byDataset.get(name)!.sort(compareInDataset)) out.push(v);
  }
  return out;
}

/** Rows per chunk: a chunk is one ArrayBuffer of CHUNK_ROWS * 38 bytes (304 KiB). */
const CHUNK_BITS = 13;
const CHUNK_ROWS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ROWS - 1;

/** The widest GUID (uint64: 20 decimal digits), two digits to a byte. */
const GUID_BYTES = 10;

/** In a 32-bit column: the value is in the chunk's `wide` map. */
const WIDE = 0xffffffff;
/** Where a column's wide values are in `wide`: at base + row. */
const CREATION = 0;
const WRITTEN = CHUNK_ROWS;
const CREATETXG = 2 * CHUNK_ROWS;

/** One chunk's columns, views of one buffer. A GUID (uint64) is its decimal digits, two to a byte (the first in the
 *  high half), GUID_BYTES per row, and their count: a record's GUID string is one decode of them. */
class Chunk {
  readonly createtxgs: Uint32Array;
  readonly creations: Uint32Array;
  readonly writtens: Uint32Array;
  readonly guids: Uint8Array;
  readonly guidLengths: Uint8Array;
  readonly datasetIds: Int32Array;
  readonly nameIds: Int32Array;
  readonly userrefs: Uint32Array;
  readonly kinds: Uint8Array;
  /** numclones, at most 65535 (only whether it is 0 matters to the planner) */
  readonly clones: Uint16Array;
  /** the createtxgs, creations and writtens at WIDE, by CREATETXG, CREATION or WRITTEN + row (null until one is) */
  wide: Map<number, number> | null = null;

  constructor() {
    const n = CHUNK_ROWS;
    const buffer = new ArrayBuffer(n * (6 * 4 + GUID_BYTES + 2 + 2));
    this.createtxgs = new Uint32Array(buffer, 0, n);
    this.creations = new Uint32Array(buffer, 4 * n, n);
    this.writtens = new Uint32Array(buffer, 8 * n, n);
    this.datasetIds = new Int32Array(buffer, 12 * n, n);
    this.nameIds = new Int32Array(buffer, 16 * n, n);
    this.userrefs = new Uint32Array(buffer, 20 * n, n);
    this.guids = new Uint8Array(buffer, 24 * n, GUID_BYTES * n);
    this.guidLengths = new Uint8Array(buffer, (24 + GUID_BYTES) * n, n);
    this.kinds = new Uint8Array(buffer, (25 + GUID_BYTES) * n, n);
    this.clones = new Uint16Array(buffer, (26 + GUID_BYTES) * n, n);
  }

  /** Row r's value in a 32-bit column whose wide values are in `wide` at base + row. */
  private read(column: Uint32Array, base: number, r: number): number {
    const x = column[r]!;
    return x !== WIDE ? x : this.wide!.get(base + r)!;
  }

  /** Row r's value: in the 32-bit column where it fits (an integer from 0 below WIDE), else in `wide` (an entry left
   *  there by a wide value before is not read: the column says WIDE or not). */
  private write(column: Uint32Array, base: number, r: number, value: number): void {
    if (value >>> 0 === value && value !== WIDE) column[r] = value;
    else { column[r] = WIDE; (this.wide ??= new Map()).set(base + r, value); }
  }

  createtxg(r: number): number { return this.read(this.createtxgs, CREATETXG, r); }
  creation(r: number): number { return this.read(this.creations, CREATION, r); }
  written(r: number): number { return this.read(this.writtens, WRITTEN, r); }

  setCreatetxg(r: number, createtxg: number): void { this.write(this.createtxgs, CREATETXG, r, createtxg); }

  setCreationWritten(r: number, creation: number, written: number): void {
    this.write(this.creations, CREATION, r, creation);
    this.write(this.writtens, WRITTEN, r, written);
  }

  /** Row r's GUID string. */
  guid(r: number): string {
    const len = this.guidLengths[r]!;
    const bytes = this.guids;
    const at = r * GUID_BYTES;
    // most GUIDs (random uint64) have 19 or 20 digits: one call with the digits as arguments makes the string in
    // about half the time of a decode of them from a buffer (2 million GUIDs: ~70 ms against ~150 ms); a 20-digit
    // one in one call too, not 19 digits and one more (a concatenation of them is a second object, flattened into a
    // third when the string is hashed or compared)
    if (len >= 19) {
      const h = (k: number) => 48 + (bytes[at + k]! >>> 4);
      const l = (k: number) => 48 + (bytes[at + k]! & 15);
      return len === 19
        ? String.fromCharCode(h(0), l(0), h(1), l(1), h(2), l(2), h(3), l(3), h(4), l(4), h(5), l(5), h(6), l(6), h(7), l(7), h(8), l(8), h(9))
        : String.fromCharCode(h(0), l(0), h(1), l(1), h(2), l(2), h(3), l(3), h(4), l(4), h(5), l(5), h(6), l(6), h(7), l(7), h(8), l(8), h(9), l(9));
    }
    for (let k = 0; k < len; k += 2) {
      const b = bytes[at + (k >>> 1)]!;
      DIGITS[k] = 48 + (b >>> 4);
      DIGITS[k + 1] = 48 + (b & 15);
    }
    return DIGITS.toString('latin1', 0, len);
  }
}

/** A GUID's digits as they are decoded. */
const DIGITS = Buffer.alloc(GUID_BYTES * 2);

/** The columns a row is moved by as they are (sortRange, swap); createtxg, creation and written move through
 *  setCreatetxg and setCreationWritten. */
const NUMERIC: readonly ('guidLengths' | 'datasetIds' | 'nameIds' | 'userrefs' | 'kinds' | 'clones')[] = ['guidLengths', 'datasetIds', 'nameIds', 'userrefs', 'kinds', 'clones'];

/** The rows of one listing (one parser's, or records'), in chunks; ids of datasets and names index its own lists. */
export class Segment {
  length = 0;
  readonly chunks: Chunk[] = [];
  /** `guidStrings`: GUIDs that came as strings (VersionTable.from), kept as they are whatever their text; else
   *  null and the GUIDs are in the chunks */
  constructor(readonly datasetNames: string[], readonly names: string[], readonly guidStrings: string[] | null) {}

  isSnapshot(i: number): boolean {
    return this.chunks[i >>> CHUNK_BITS]!.kinds[i & CHUNK_MASK] === SNAPSHOT;
  }
  dataset(i: number): string {
    return this.datasetNames[this.chunks[i >>> CHUNK_BITS]!.datasetIds[i & CHUNK_MASK]!]!;
  }
  /** The id of row i's dataset in this segment: rows of one id are one run of one dataset, in order (the same name
   *  may have more than one id, e.g. two datasets renamed into one). */
  datasetId(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]!.datasetIds[i & CHUNK_MASK]!;
  }
  name(i: number): string {
    return this.names[this.chunks[i >>> CHUNK_BITS]!.nameIds[i & CHUNK_MASK]!]!;
  }
  /** Where the run of rows with row `from`'s dataset id ends (the first row after it, or the length): one scan of the
   *  id column, not two look-ups per row (ListingIndex finds every dataset's run this way). */
  runEnd(from: number): number {
    const id = this.datasetId(from);
    let i = from + 1;
    while (i < this.length) {
      const ids = this.chunks[i >>> CHUNK_BITS]!.datasetIds;
      const last = Math.min(this.length - (i & ~CHUNK_MASK), CHUNK_ROWS);
      let r = i & CHUNK_MASK;
      while (r < last && ids[r] === id) r++;
      i = (i & ~CHUNK_MASK) + r;
      if (r < last) break;
    }
    return i;
  }
  userrefsAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]!.userrefs[i & CHUNK_MASK]!;
  }

  /** The record of row i (a new object). */
  at(i: number): VersionRecord {
    const c = this.chunks[i >>> CHUNK_BITS]!;
    const r = i & CHUNK_MASK;
    return {
      kind: c.kinds[r] === SNAPSHOT ? 'snapshot' : 'bookmark', dataset: this.datasetNames[c.datasetIds[r]!]!, name: this.names[c.nameIds[r]!]!,
      guid: this.guidStrings !== null ? this.guidStrings[i]! : c.guid(r),
      createtxg: c.createtxg(r), creation: c.creation(r), userrefs: c.userrefs[r]!, written: c.written(r), clones: c.clones[r]!,
    };
  }

  /** Records of rows [from, to), appended to out. */
  records(from: number, to: number, out: VersionRecord[] = []): VersionRecord[] {
    for (let i = from; i < to; i++) out.push(this.at(i));
    return out;
  }

  /** The same rows under other dataset names (sharing the chunks). */
  withDatasets(rename: (dataset: string) => string): Segment {
    const s = new Segment(this.datasetNames.map(rename), this.names, this.guidStrings);
    s.length = this.length;
    s.chunks.push(...this.chunks);
    return s;
  }

  /** A new row, its columns to be filled (GUID strings pushed by the caller): its index. */
  protected row(): number {
    const i = this.length++;
    if ((i & CHUNK_MASK) === 0) this.chunks.push(new Chunk());
    return i;
  }
}

/** The versions of one side in the listing's order (by dataset, then createtxg, a bookmark before the snapshot at
 *  the same txg, then name), as segments one after another. Never changed once built. */
export class VersionTable {
  readonly length: number;

  constructor(readonly segments: readonly Segment[]) {
    this.length = segments.reduce((n, s) => n + s.length, 0);
  }

  /** A table of no versions. */
  static readonly EMPTY = new VersionTable([]);

  /** A table of these records, sorted into the listing's order. */
  static from(records: readonly VersionRecord[]): VersionTable {
    const b = new VersionTableBuilder(true);
    const datasets = new Map<string, number>();
    const names = new Map<string, number>();
    for (const v of computeSortedVersions([...records])) {
      let d = datasets.get(v.dataset);
      if (d === undefined) datasets.set(v.dataset, (d = b.addDataset(v.dataset)));
      let n = names.get(v.name);
      if (n === undefined) names.set(v.name, (n = b.addName(v.name)));
      b.pushRecord(v.kind === 'snapshot', d, n, v.guid, v.createtxg, v.creation, v.userrefs, v.written, v.clones);
    }
    return b.finish();
  }

  /** The tables one after another (each in order, their datasets in order and apart): their segments, not copied. */
  static concat(tables: readonly VersionTable[]): VersionTable {
    return tables.length === 1 ? tables[0]! : new VersionTable(tables.flatMap((t) => t.segments));
  }

  /** Every record, in order. */
  records(): VersionRecord[] {
    const out: VersionRecord[] = [];
    for (const s of this.segments) s.records(0, s.length, out);
    return out;
  }

  /** The same versions under other dataset names (e.g. renames the plan makes): one call per distinct dataset. */
  withDatasets(rename: (dataset: string) => string): VersionTable {
    return new VersionTable(this.segments.map((s) => s.withDatasets(rename)));
  }
}

/** A segment being filled by a parser (push) or from records (pushRecord); finish() makes it a table. */
export class VersionTableBuilder extends Segment {
  /** `guidStrings`: GUIDs come as strings (pushRecord) instead of digits (push) */
  constructor(guidStrings = false) {
    super([], [], guidStrings ? [] : null);
  }

  /** The id of a dataset name for push (a name may get more than one id). */
  addDataset(name: string): number {
    return this.datasetNames.push(name) - 1;
  }

  /** The id of a short name for push. */
  addName(name: string): number {
    return this.names.push(name) - 1;
  }

  /** A version whose GUID is the ASCII digits buf[from, to): 1 to 20, no leading zero unless it is 0. */
  push(snapshot: boolean, dataset: number, name: number, buf: Buffer, from: number, to: number, createtxg: number, creation: number, userrefs: number, written: number, clones: number): void {
    const i = this.row();
    const c = this.chunks[i >>> CHUNK_BITS]!;
    const r = i & CHUNK_MASK;
    const bytes = c.guids;
    const at = r * GUID_BYTES;
    // two digits to a byte; an odd count's last half is 0 (guidLengths says where the digits end)
    for (let k = from; k < to; k += 2) bytes[at + ((k - from) >>> 1)] = ((buf[k]! - 48) << 4) | (k + 1 < to ? buf[k + 1]! - 48 : 0);
    c.guidLengths[r] = to - from;
    fill(c, r, snapshot, dataset, name, createtxg, creation, userrefs, written, clones);
  }

  /** A version whose GUID is a string (a builder made with guidStrings). */
  pushRecord(snapshot: boolean, dataset: number, name: number, guid: string, createtxg: number, creation: number, userrefs: number, written: number, clones: number): void {
    const i = this.row();
    this.guidStrings!.push(guid);
    const c = this.chunks[i >>> CHUNK_BITS]!;
    const r = i & CHUNK_MASK;
    fill(c, r, snapshot, dataset, name, createtxg, creation, userrefs, written, clones);
  }

  /** createtxg, then kind (a bookmark first), then name, of the rows i and j of one dataset. */
  compareInDataset(i: number, j: number): number {
    const a = this.chunks[i >>> CHUNK_BITS]!;
    const ra = i & CHUNK_MASK;
    const b = this.chunks[j >>> CHUNK_BITS]!;
    const rb = j & CHUNK_MASK;
    const t = a.createtxg(ra) - b.createtxg(rb);
    if (t !== 0) return t;
    const ka = a.kinds[ra]!;
    const kb = b.kinds[rb]!;
    if (ka !== kb) return ka === BOOKMARK ? -1 : 1;
    const na = this.names[a.nameIds[ra]!]!;
    const nb = this.names[b.nameIds[rb]!]!;
    return na < nb ? -1 : na > nb ? 1 : 0;
  }

  /** Puts the rows of [from, to) (one dataset's, in order up to `descent`, the first row less than the one before it)
   *  in createtxg order. Only the tail that moves is sorted: zfs lists a dataset's bookmarks after its snapshots, and
   *  a bookmark mostly belongs among the newest. */
  sortRun(from: number, descent: number, to: number): void {
    let least = descent;
    for (let i = descent + 1; i < to; i++) if (this.compareInDataset(i, least) < 0) least = i;
    // the first row of the ordered part [from, descent) after the least of the rest: everything before it stays
    let lo = from;
    let hi = descent;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareInDataset(mid, least) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.sortRange(lo, to);
  }

  /** Puts the rows of [from, to) (one dataset's) in createtxg order: a few rows by moving them one place at a time
   *  (a cursor bookmark among the newest snapshots: one move), more by one sort. */
  sortRange(from: number, to: number): void {
    if (to - from <= 16) {
      for (let k = from + 1; k < to; k++) for (let j = k; j > from && this.compareInDataset(j - 1, j) > 0; j--) this.swap(j - 1, j);
      return;
    }
    const order = Array.from({ length: to - from }, (_, k) => from + k).sort((a, b) => this.compareInDataset(a, b) || a - b);
    for (const key of NUMERIC) {
      const values = order.map((k) => (this.chunks[k >>> CHUNK_BITS]![key] as Uint32Array)[k & CHUNK_MASK]!);
      for (let at = 0; at < values.length; at++) {
        const i = from + at;
        (this.chunks[i >>> CHUNK_BITS]![key] as Uint32Array)[i & CHUNK_MASK] = values[at]!;
      }
    }
    const times = order.map((k) => {
      const c = this.chunks[k >>> CHUNK_BITS]!;
      return [c.createtxg(k & CHUNK_MASK), c.creation(k & CHUNK_MASK), c.written(k & CHUNK_MASK)] as const;
    });
    for (let at = 0; at < times.length; at++) {
      const i = from + at;
      const c = this.chunks[i >>> CHUNK_BITS]!;
      c.setCreatetxg(i & CHUNK_MASK, times[at]![0]);
      c.setCreationWritten(i & CHUNK_MASK, times[at]![1], times[at]![2]);
    }
    if (this.guidStrings === null) {
      // the run's digits copied once, then put back in the new order
      const rows = new Uint8Array((to - from) * GUID_BYTES);
      for (let i = from; i < to; i++) rows.set(this.chunks[i >>> CHUNK_BITS]!.guids.subarray((i & CHUNK_MASK) * GUID_BYTES, ((i & CHUNK_MASK) + 1) * GUID_BYTES), (i - from) * GUID_BYTES);
      for (let at = 0; at < order.length; at++) {
        const i = from + at;
        this.chunks[i >>> CHUNK_BITS]!.guids.set(rows.subarray((order[at]! - from) * GUID_BYTES, (order[at]! - from + 1) * GUID_BYTES), (i & CHUNK_MASK) * GUID_BYTES);
      }
    }
    const strings = this.guidStrings;
    if (strings !== null) {
      const values = order.map((k) => strings[k]!);
      for (let at = 0; at < values.length; at++) strings[from + at] = values[at]!;
    }
  }

  /** Exchanges rows i and j, every column. */
  private swap(i: number, j: number): void {
    const a = this.chunks[i >>> CHUNK_BITS]!;
    const ra = i & CHUNK_MASK;
    const b = this.chunks[j >>> CHUNK_BITS]!;
    const rb = j & CHUNK_MASK;
    for (const key of NUMERIC) {
      const x = a[key] as Uint32Array;
      const y = b[key] as Uint32Array;
      const t = x[ra]!;
      x[ra] = y[rb]!;
      y[rb] = t;
    }
    const createtxg = a.createtxg(ra);
    const creation = a.creation(ra);
    const written = a.written(ra);
    a.setCreatetxg(ra, b.createtxg(rb));
    a.setCreationWritten(ra, b.creation(rb), b.written(rb));
    b.setCreatetxg(rb, createtxg);
    b.setCreationWritten(rb, creation, written);
    if (this.guidStrings !== null) {
      const t = this.guidStrings[i]!;
      this.guidStrings[i] = this.guidStrings[j]!;
      this.guidStrings[j] = t;
    } else {
      const x = a.guids;
      const y = b.guids;
      for (let k = 0; k < GUID_BYTES; k++) {
        const t = x[ra * GUID_BYTES + k]!;
        x[ra * GUID_BYTES + k] = y[rb * GUID_BYTES + k]!;
        y[rb * GUID_BYTES + k] = t;
      }
    }
  }

  finish(): VersionTable {
    return new VersionTable(this.length === 0 ? [] : [this]);
  }
}

function fill(c: Chunk, r: number, snapshot: boolean, dataset: number, name: number, createtxg: number, creation: number, userrefs: number, written: number, clones: number): void {
  c.kinds[r] = snapshot ? SNAPSHOT : BOOKMARK;
  c.datasetIds[r] = dataset;
  c.nameIds[r] = name;
  c.setCreatetxg(r, createtxg);
  c.setCreationWritten(r, creation, written);
  c.userrefs[r] = userrefs;
  c.clones[r] = Math.min(clones, 0xffff);
}

const TABLE = Symbol('zform.versionTable');
type WithTable = Listing & { [TABLE]?: VersionTable };
const built = new WeakMap<Listing, VersionTable>();

/** A Listing whose versions are held as a table: `versions` (the records, for tests and small tools) is made on
 *  first read; zform itself reads the table (versionTable) and never asks for it. */
export function makeListing(datasets: Listing['datasets'], table: VersionTable, holds: Listing['holds']): Listing {
  let records: VersionRecord[] | null = null;
  const listing = { datasets } as WithTable;
  Object.defineProperty(listing, 'versions', {
    enumerable: true,
    get: () => (records ??= table.records()),
  });
  listing.holds = holds;
  Object.defineProperty(listing, TABLE, { value: table, enumerable: false });
  return listing;
}

/** The versions of a listing as a table: the one it was listed into, or one made (once) from its records. */
export function versionTable(listing: Listing): VersionTable {
  const own = (listing as WithTable)[TABLE];
  if (own) return own;
  let t = built.get(listing);
  if (!t) {
    t = listing.versions.length === 0 ? VersionTable.EMPTY : VersionTable.from(listing.versions);
    built.set(listing, t);
  }
  return t;
}
