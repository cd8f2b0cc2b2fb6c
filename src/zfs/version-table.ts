// One side's snapshots and bookmarks as columns: no object per version while a listing is read and held.
//
// A listing at scale has millions of versions. Held as one object each, every one of them outlived the young
// generation and was copied by the scavenger, then promoted: about as much CPU as parsing them, and half the heap.
// As columns (typed arrays for the numbers; arrays of strings for the names and GUIDs, the names shared), a listing
// is a handful of large arrays; a dataset's records are made when the planner asks for that dataset, and die young.
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

/** The versions of one side in the listing's order (by dataset, then createtxg, a bookmark before the snapshot at
 *  the same txg, then name), one column per field. Never changed once built. */
export class VersionTable {
  static readonly EMPTY = new VersionTable(0, new Uint8Array(0), [], [], [], new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0));

  private constructor(
    readonly length: number,
    private readonly kinds: Uint8Array,
    private readonly datasets: string[],
    private readonly names: string[],
    private readonly guids: string[],
    private readonly createtxgs: Float64Array,
    private readonly creations: Float64Array,
    private readonly userrefs: Float64Array,
    private readonly writtens: Float64Array,
  ) {}

  /** A table of these records, sorted into the listing's order. */
  static from(records: readonly VersionRecord[]): VersionTable {
    const b = new VersionTableBuilder(records.length);
    for (const v of computeSortedVersions([...records])) b.push(v.kind === 'snapshot', v.dataset, v.name, v.guid, v.createtxg, v.creation, v.userrefs, v.written);
    return b.finish();
  }

  /** The tables one after another (each already in order, their datasets in order and apart). */
  static concat(tables: readonly VersionTable[]): VersionTable {
    if (tables.length === 1) return tables[0]!;
    const n = tables.reduce((s, t) => s + t.length, 0);
    const b = new VersionTableBuilder(n);
    for (const t of tables) b.append(t);
    return b.finish();
  }

  isSnapshot(i: number): boolean {
    return this.kinds[i] === SNAPSHOT;
  }
  dataset(i: number): string {
    return this.datasets[i]!;
  }
  name(i: number): string {
    return this.names[i]!;
  }
  userrefsAt(i: number): number {
    return this.userrefs[i]!;
  }

  /** The record of version i (a new object). */
  at(i: number): VersionRecord {
    const snapshot = this.kinds[i] === SNAPSHOT;
    return {
      kind: snapshot ? 'snapshot' : 'bookmark', dataset: this.datasets[i]!, name: this.names[i]!, guid: this.guids[i]!,
      createtxg: this.createtxgs[i]!, creation: this.creations[i]!, userrefs: this.userrefs[i]!, written: this.writtens[i]!,
    };
  }

  /** Records of [from, to). */
  records(from = 0, to = this.length): VersionRecord[] {
    const out = new Array<VersionRecord>(to - from);
    for (let i = from; i < to; i++) out[i - from] = this.at(i);
    return out;
  }

  /** The same versions under other dataset names (e.g. renames the plan makes). */
  withDatasets(rename: (dataset: string) => string): VersionTable {
    const datasets = new Array<string>(this.length);
    let last: string | null = null;
    let renamed = '';
    for (let i = 0; i < this.length; i++) {
      const d = this.datasets[i]!;
      if (d !== last) { last = d; renamed = rename(d); }
      datasets[i] = renamed;
    }
    return new VersionTable(this.length, this.kinds, datasets, this.names, this.guids, this.createtxgs, this.creations, this.userrefs, this.writtens);
  }

  /** @internal the builder's columns as a table */
  static of(length: number, kinds: Uint8Array, datasets: string[], names: string[], guids: string[], createtxgs: Float64Array, creations: Float64Array, userrefs: Float64Array, writtens: Float64Array): VersionTable {
    return new VersionTable(length, kinds, datasets, names, guids, createtxgs, creations, userrefs, writtens);
  }

  /** @internal for the builder's append */
  columns(): [Uint8Array, string[], string[], string[], Float64Array, Float64Array, Float64Array, Float64Array] {
    return [this.kinds, this.datasets, this.names, this.guids, this.createtxgs, this.creations, this.userrefs, this.writtens];
  }
}

/** Appends versions column by column; finish() hands the table over (the builder is not used after). */
export class VersionTableBuilder {
  length = 0;
  private capacity: number;
  private kinds: Uint8Array;
  private readonly datasets: string[] = [];
  private readonly names: string[] = [];
  private readonly guids: string[] = [];
  private createtxgs: Float64Array;
  private creations: Float64Array;
  private userrefs: Float64Array;
  private writtens: Float64Array;

  constructor(capacity = 1024) {
    this.capacity = Math.max(16, capacity);
    this.kinds = new Uint8Array(this.capacity);
    this.createtxgs = new Float64Array(this.capacity);
    this.creations = new Float64Array(this.capacity);
    this.userrefs = new Float64Array(this.capacity);
    this.writtens = new Float64Array(this.capacity);
  }

  push(snapshot: boolean, dataset: string, name: string, guid: string, createtxg: number, creation: number, userrefs: number, written: number): void {
    const i = this.length;
    if (i === this.capacity) this.grow(i + 1);
    this.kinds[i] = snapshot ? SNAPSHOT : BOOKMARK;
    this.datasets.push(dataset);
    this.names.push(name);
    this.guids.push(guid);
    this.createtxgs[i] = createtxg;
    this.creations[i] = creation;
    this.userrefs[i] = userrefs;
    this.writtens[i] = written;
    this.length = i + 1;
  }

  append(t: VersionTable): void {
    const [kinds, datasets, names, guids, createtxgs, creations, userrefs, writtens] = t.columns();
    const at = this.length;
    if (at + t.length > this.capacity) this.grow(at + t.length);
    this.kinds.set(kinds.subarray(0, t.length), at);
    this.createtxgs.set(createtxgs.subarray(0, t.length), at);
    this.creations.set(creations.subarray(0, t.length), at);
    this.userrefs.set(userrefs.subarray(0, t.length), at);
    this.writtens.set(writtens.subarray(0, t.length), at);
    for (let i = 0; i < t.length; i++) {
      this.datasets.push(datasets[i]!);
      this.names.push(names[i]!);
      this.guids.push(guids[i]!);
    }
    this.length = at + t.length;
  }

  /** Dataset, createtxg, kind and name of the versions i and j, compared as the listing's order does. */
  compare(i: number, j: number): number {
    const di = this.datasets[i]!;
    const dj = this.datasets[j]!;
    if (di !== dj) return di < dj ? -1 : 1;
    return this.compareInDataset(i, j);
  }

  compareInDataset(i: number, j: number): number {
    const t = this.createtxgs[i]! - this.createtxgs[j]!;
    if (t !== 0) return t;
    const ki = this.kinds[i]!;
    const kj = this.kinds[j]!;
    if (ki !== kj) return ki === BOOKMARK ? -1 : 1;
    const ni = this.names[i]!;
    const nj = this.names[j]!;
    return ni < nj ? -1 : ni > nj ? 1 : 0;
  }

  /** Puts the versions of [from, to) (one dataset's) in createtxg order. */
  sortRange(from: number, to: number): void {
    const order = Array.from({ length: to - from }, (_, k) => from + k).sort((a, b) => this.compareInDataset(a, b) || a - b);
    const permute = <T extends { [i: number]: unknown }>(col: T): void => {
      const values = order.map((k) => col[k]);
      for (let k = 0; k < values.length; k++) (col as { [i: number]: unknown })[from + k] = values[k];
    };
    permute(this.kinds);
    permute(this.datasets);
    permute(this.names);
    permute(this.guids);
    permute(this.createtxgs);
    permute(this.creations);
    permute(this.userrefs);
    permute(this.writtens);
  }

  finish(): VersionTable {
    const n = this.length;
    return VersionTable.of(n, this.kinds.subarray(0, n), this.datasets, this.names, this.guids,
      this.createtxgs.subarray(0, n), this.creations.subarray(0, n), this.userrefs.subarray(0, n), this.writtens.subarray(0, n));
  }

  private grow(atLeast: number): void {
    let c = this.capacity;
    while (c < atLeast) c *= 2;
    const grown = <T extends Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.kinds = grown(this.kinds, (k) => new Uint8Array(k));
    this.createtxgs = grown(this.createtxgs, (k) => new Float64Array(k));
    this.creations = grown(this.creations, (k) => new Float64Array(k));
    this.userrefs = grown(this.userrefs, (k) => new Float64Array(k));
    this.writtens = grown(this.writtens, (k) => new Float64Array(k));
    this.capacity = c;
  }
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
