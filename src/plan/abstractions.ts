// The holds and bookmarks zform owns on one side, recognised by name (src/zfs/names.ts): step and last-received
// holds by tag, cursor and tentative cursor bookmarks by name, a bookmark only when the GUID in its name is its own.
import type { HoldRecord, Listing, VersionRecord } from '../zfs/types.js';
import type { AbstractionType } from '../zfs/names.js';
import { parseBookmarkName, parseHoldTag } from '../zfs/names.js';
import { versionTable } from '../zfs/version-table.js';

export interface OwnedAbstraction {
  type: AbstractionType;
  /** the job its name encodes (which may no longer be in the config) */
  job: string;
  /** config host name */
  host: string;
  dataset: string;
  /** fs@snap (holds) or fs#bookmark */
  name: string;
  /** short name after @ or # */
  short: string;
  /** hold tag (holds), null for bookmarks */
  tag: string | null;
  guid: string;
  createtxg: number;
}

/** The snapshots among `versions` that carry hold `tag`. Only a snapshot with userrefs has holds (a listing asks
 *  `zfs holds` for no other): skipping the rest saves a lookup per snapshot, a million of them at scale. */
export function snapshotsHeldWith(versions: readonly VersionRecord[], holds: (snapshot: string) => HoldRecord[], tag: string): VersionRecord[] {
  return versions.filter((v) => v.kind === 'snapshot' && v.userrefs > 0 && holds(`${v.dataset}@${v.name}`).some((h) => h.tag === tag));
}

/** What zform bookmark (cursor or tentative cursor) `v` is, or null. A bookmark whose name carries another GUID
 *  is a copy zform did not make: never zform's (zrepl's rule). */
export function parseOwnedBookmark(v: VersionRecord): ReturnType<typeof parseBookmarkName> {
  if (v.kind !== 'bookmark') return null;
  const p = parseBookmarkName(v.name);
  return p && p.guid === v.guid ? p : null;
}

/** `jobs`: only the abstractions of the jobs it accepts (others are not made: the plan judges only those of jobs
 *  not in the config, and a listing at scale has a cursor and a hold of its own jobs per dataset). */
export function listOwnedAbstractions(listing: Listing, host: string, jobs?: (job: string) => boolean): OwnedAbstraction[] {
  const out: OwnedAbstraction[] = [];
  // The held snapshots' records, found per dataset: a listing at scale has millions of snapshots and few holds.
  const wanted = new Map<string, Map<string, VersionRecord | undefined>>();
  for (const h of listing.holds) {
    const at = h.snapshot.indexOf('@');
    if (at < 0) continue;
    if (jobs) {
      const p = parseHoldTag(h.tag);
      if (!p || !jobs(p.job)) continue;
    }
    const ds = h.snapshot.slice(0, at);
    let m = wanted.get(ds);
    if (!m) wanted.set(ds, (m = new Map()));
    m.set(h.snapshot.slice(at + 1), undefined);
  }
  // one pass over the versions (a million records at scale), for the held snapshots and zform's bookmarks; versions
  // come grouped by dataset: one look-up per dataset, not per version
  const bookmarks: OwnedAbstraction[] = [];
  let runDataset: string | null = null;
  let m: Map<string, VersionRecord | undefined> | undefined;
  const anyHeld = wanted.size > 0;
  for (const seg of versionTable(listing).segments) {
    for (let i = 0; i < seg.length; i++) {
      if (!seg.isSnapshot(i)) {
        if (jobs) {
          const named = parseBookmarkName(seg.name(i));
          if (!named || !jobs(named.job)) continue;
        }
        const v = seg.at(i);
        const p = parseOwnedBookmark(v);
        if (p) bookmarks.push({ type: p.type, job: p.job, host, dataset: v.dataset, name: `${v.dataset}#${v.name}`, short: v.name, tag: null, guid: v.guid, createtxg: v.createtxg });
        continue;
      }
      if (!anyHeld) continue;
      const dataset = seg.dataset(i);
      if (dataset !== runDataset) { runDataset = dataset; m = wanted.get(runDataset); }
      if (m?.has(seg.name(i))) m.set(seg.name(i), seg.at(i));
    }
  }
  for (const h of listing.holds) {
    const p = parseHoldTag(h.tag);
    if (!p || (jobs && !jobs(p.job))) continue;
    const at = h.snapshot.indexOf('@');
    const v = at < 0 ? undefined : wanted.get(h.snapshot.slice(0, at))?.get(h.snapshot.slice(at + 1));
    if (!v) continue;
    out.push({ type: p.type, job: p.job, host, dataset: v.dataset, name: h.snapshot, short: v.name, tag: h.tag, guid: v.guid, createtxg: v.createtxg });
  }
  for (const b of bookmarks) out.push(b);
  return out;
}

/** Every abstraction once, from several listings of possibly the same host (jobs share listings). */
export function mergeOwnedAbstractions(lists: OwnedAbstraction[][]): OwnedAbstraction[] {
  const seen = new Map<string, OwnedAbstraction>();
  for (const a of lists.flat()) seen.set(`${a.host}\0${a.name}\0${a.tag ?? ''}`, a);
  return [...seen.values()].sort((a, b) => (a.host === b.host ? (a.name === b.name ? (a.tag ?? '').localeCompare(b.tag ?? '') : a.name < b.name ? -1 : 1) : a.host < b.host ? -1 : 1));
}
