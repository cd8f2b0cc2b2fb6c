// Per-dataset views of a Listing: its record, its versions in createtxg order, and the holds on its snapshots.
import type { DatasetRecord, HoldRecord, Listing, VersionRecord } from '../zfs/types.js';
import type { VersionRef } from './types.js';
import { type Segment, compareInDataset, versionTable } from '../zfs/version-table.js';

export function refOf(v: VersionRecord): VersionRef {
  return { dataset: v.dataset, kind: v.kind, name: v.name, guid: v.guid, createtxg: v.createtxg };
}

export interface ListingIndex {
  dataset(name: string): DatasetRecord | undefined;
  /** snapshots and bookmarks of `name`, oldest first (the index's own array, the same on every call while kept:
   *  read only) */
  versions(name: string): readonly VersionRecord[];
  /** the snapshots of `name`, oldest first (a new array, without copying every version first) */
  snapshots(name: string): VersionRecord[];
  /** the newest snapshot of `name` whose short name passes `test` (any, without one); no other record is made */
  newestSnapshot(name: string, test?: (short: string) => boolean): VersionRecord | undefined;
  /** whether `name` has a snapshot of this short name; no record is made */
  hasSnapshot(name: string, short: string): boolean;
  /** holds on the snapshot `fs@snap` */
  holds(snapshot: string): HoldRecord[];
  datasets(): DatasetRecord[];
}

/** Indexes already built: a Listing is a value, never changed once listed, so planning (job.ts) and fingerprints
 *  (fingerprint.ts, apply's stale check) share one index instead of scanning the whole listing per dataset. */
const built = new WeakMap<Listing, ListingIndex>();

/** The index of a listing (built once per Listing object). */
export function indexListing(listing: Listing): ListingIndex {
  let index = built.get(listing);
  if (!index) {
    index = buildIndex(listing);
    built.set(listing, index);
  }
  return index;
}

/** How many datasets' records an index keeps made: the planner asks about one dataset after another, several times
 *  each (its chain, then its pruning), and now and then about another (a parent, a child). */
const MADE = 8;

/**
 * The records of the last MADE datasets asked for, the newest replacing the oldest, in two fixed arrays. Not a Map:
 * measured at 10,000 datasets x 100 snapshots per side (bench/01), a Map of 8 entries with the oldest deleted on
 * every insert made the young-generation collector promote 335 MB of records during planning, against 90 MB with
 * these arrays (the records die young either way), and its pauses took 1.15 s instead of 0.57 s. The plans are the
 * same: the cache is asked exactly as often.
 */
class RecentRecords {
  private readonly names: (string | null)[] = new Array<string | null>(MADE).fill(null);
  private readonly lists: (VersionRecord[] | null)[] = new Array<VersionRecord[] | null>(MADE).fill(null);
  private next = 0;

  get(name: string): VersionRecord[] | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.lists[i]!;
  }

  has(name: string): boolean {
    return this.names.indexOf(name) >= 0;
  }

  add(name: string, records: VersionRecord[]): void {
    this.names[this.next] = name;
    this.lists[this.next] = records;
    this.next = (this.next + 1) % MADE;
  }
}

function buildIndex(listing: Listing): ListingIndex {
  const datasets = new Map<string, DatasetRecord>();
  for (const d of listing.datasets) datasets.set(d.name, d);
  // The table comes grouped by dataset: one run per dataset, not an entry per version; a dataset's records are made
  // when asked for (the last few kept), so that a listing of millions holds no object per version. The runs are
  // parallel arrays (no object per dataset either: a listing can have 100,000), a dataset's first run found by name
  // and any further ones chained (two datasets renamed into one name).
  const first = new Map<string, number>();
  const runSegment: Segment[] = [];
  const runFrom: number[] = [];
  const runTo: number[] = [];
  const runNext: number[] = [];
  const runLast = new Map<string, number>();
  for (const segment of versionTable(listing).segments) {
    for (let from = 0, i = 0; from < segment.length; from = i) {
      i = segment.runEnd(from);
      const dataset = segment.dataset(from);
      const r = runSegment.length;
      runSegment.push(segment);
      runFrom.push(from);
      runTo.push(i);
      runNext.push(-1);
      const last = runLast.get(dataset);
      if (last === undefined) first.set(dataset, r);
      else runNext[last] = r;
      runLast.set(dataset, r);
    }
  }
  runLast.clear();
  const made = new RecentRecords();
  const recordsOf = (name: string): VersionRecord[] => {
    let records = made.get(name);
    if (records) return records;
    const r0 = first.get(name);
    if (r0 === undefined) return [];
    // a dataset in more than one run (two datasets renamed into one name): all of them, in order
    records = [];
    for (let r = r0; r >= 0; r = runNext[r]!) runSegment[r]!.records(runFrom[r]!, runTo[r]!, records);
    if (runNext[r0]! >= 0) records.sort(compareInDataset);
    made.add(name, records);
    return records;
  };
  // A dataset in one run (always, unless renames merged two) is answered from the table, newest first, without
  // making its records: computeDueSnapshots asks this of every source dataset before any is planned.
  const single = (name: string): number => {
    const r = first.get(name);
    return r !== undefined && runNext[r] === -1 && !made.has(name) ? r : -1;
  };
  const newestSnapshot = (name: string, test?: (short: string) => boolean): VersionRecord | undefined => {
    const r = single(name);
    if (r < 0) {
      const list = recordsOf(name);
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.kind === 'snapshot' && (!test || test(list[i]!.name))) return list[i];
      return undefined;
    }
    const seg = runSegment[r]!;
    for (let i = runTo[r]! - 1; i >= runFrom[r]!; i--) if (seg.isSnapshot(i) && (!test || test(seg.name(i)))) return seg.at(i);
    return undefined;
  };
  const hasSnapshot = (name: string, short: string): boolean => {
    const r = single(name);
    if (r < 0) return recordsOf(name).some((v) => v.kind === 'snapshot' && v.name === short);
    const seg = runSegment[r]!;
    for (let i = runFrom[r]!; i < runTo[r]!; i++) if (seg.isSnapshot(i) && seg.name(i) === short) return true;
    return false;
  };
  const holds = new Map<string, HoldRecord[]>();
  for (const h of listing.holds) {
    const list = holds.get(h.snapshot) ?? [];
    list.push(h);
    holds.set(h.snapshot, list);
  }
  return {
    dataset: (name) => datasets.get(name),
    versions: (name) => recordsOf(name),
    snapshots: (name) => recordsOf(name).filter((v) => v.kind === 'snapshot'),
    newestSnapshot,
    hasSnapshot,
    holds: (snapshot) => [...(holds.get(snapshot) ?? [])],
    datasets: () => [...listing.datasets],
  };
}

/** A look-up of versions by a key (the last one with it): the first few questions by a scan from the newest (the
 *  steady state asks one or two per dataset, about the newest: one comparison), a map of every version only after. */
export function findVersion(versions: readonly VersionRecord[], key: (v: VersionRecord) => string | null): (k: string) => VersionRecord | undefined {
  let map: Map<string | null, VersionRecord> | null = null;
  let asked = 0;
  return (k) => {
    if (map === null && ++asked <= 8) {
      for (let j = versions.length - 1; j >= 0; j--) if (key(versions[j]!) === k) return versions[j];
      return undefined;
    }
    if (map === null) {
      map = new Map();
      for (const v of versions) map.set(key(v), v);
    }
    return map.get(k);
  };
}
