// Per-dataset views of a Listing: its record, its versions in createtxg order, and the holds on its snapshots.
import type { DatasetRecord, HoldRecord, Listing, VersionRecord } from '../zfs/types.js';
import type { VersionRef } from './types.js';

/** createtxg order, a bookmark before the snapshot at the same txg, then by name (for a stable order). */
export function compareVersions(a: VersionRecord, b: VersionRecord): number {
  if (a.createtxg !== b.createtxg) return a.createtxg - b.createtxg;
  if (a.kind !== b.kind) return a.kind === 'bookmark' ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function refOf(v: VersionRecord): VersionRef {
  return { dataset: v.dataset, kind: v.kind, name: v.name, guid: v.guid, createtxg: v.createtxg };
}

export interface ListingIndex {
  dataset(name: string): DatasetRecord | undefined;
  /** snapshots and bookmarks of `name`, oldest first (a copy) */
  versions(name: string): VersionRecord[];
  /** the snapshots of `name`, oldest first (a new array, without copying every version first) */
  snapshots(name: string): VersionRecord[];
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

function buildIndex(listing: Listing): ListingIndex {
  const datasets = new Map<string, DatasetRecord>();
  for (const d of listing.datasets) datasets.set(d.name, d);
  const versions = new Map<string, VersionRecord[]>();
  // listing.versions comes grouped by dataset: one map look-up and one slice per run of a dataset, not per version
  const all = listing.versions;
  for (let start = 0, i = 1; start < all.length; i++) {
    if (i < all.length && all[i]!.dataset === all[start]!.dataset) continue;
    const dataset = all[start]!.dataset;
    const run = versions.get(dataset);
    if (run) for (let j = start; j < i; j++) run.push(all[j]!);
    else versions.set(dataset, all.slice(start, i));
    start = i;
  }
  for (const list of versions.values()) list.sort(compareVersions);
  const holds = new Map<string, HoldRecord[]>();
  for (const h of listing.holds) {
    const list = holds.get(h.snapshot) ?? [];
    list.push(h);
    holds.set(h.snapshot, list);
  }
  return {
    dataset: (name) => datasets.get(name),
    versions: (name) => [...(versions.get(name) ?? [])],
    snapshots: (name) => (versions.get(name) ?? []).filter((v) => v.kind === 'snapshot'),
    holds: (snapshot) => [...(holds.get(snapshot) ?? [])],
    datasets: () => [...listing.datasets],
  };
}

/** A look-up of versions by a key (the last one with it): the first few questions by a scan from the newest (the
 *  steady state asks one or two per dataset, about the newest: one comparison), a map of every version only after. */
export function findVersion(versions: VersionRecord[], key: (v: VersionRecord) => string | null): (k: string) => VersionRecord | undefined {
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
