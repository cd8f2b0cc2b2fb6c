// Targets whose source dataset is gone: destroyed (a warning; destroy lines once replication.destroy_missing says
// so), renamed within the job's selection (recognised by GUID; followed by `zfs rename` with
// replication.follow_renames), or under a source root that is itself missing (an error: never "all destroyed").
// Pure; only a source listing that succeeded reaches here (an unlisted host plans nothing of the job).
import { makeListing, versionTable } from '../zfs/version-table.js';
import type { JobConfig } from '../config/types.js';
import type { DatasetRecord, Guid, Listing, VersionRecord } from '../zfs/types.js';
import type { Action, DatasetPlan, Diagnostic, Fingerprint } from './types.js';
import { indexListing, refOf, type ListingIndex } from './listing-index.js';
import { compileSelection } from './selection.js';
import { comparePaths, isWithin, parentOf, poolOf } from './paths.js';
import { makeLastReceivedHoldTag } from '../zfs/names.js';
import { formatAge, formatDuration } from '../config/units.js';
import { onHost, plural } from '../text.js';
import { addTo } from '../multimap.js';

export interface GoneInput {
  job: JobConfig;
  rootFs: string;
  targetHost: string;
  sourceIndex: ListingIndex;
  targetListing: Listing;
  /** the selected source datasets */
  selected: DatasetRecord[];
  now: Date;
  /** null: plans without fingerprints (PlanInput.fingerprints) */
  fingerprint: { source: (name: string) => Fingerprint; target: (name: string) => Fingerprint } | null;
}

/** A target to rename: the source dataset `oldSource` is now `newSource`. */
export interface FollowedRename { from: string; to: string; guid: Guid; oldSource: string; newSource: string }

export interface GoneTargets {
  /** per new source name: the rename of its target, planned first in its chain (follow_renames) */
  renames: Map<string, FollowedRename>;
  /** the target listing as it is after the renames (the listing itself when there are none) */
  targetListing: Listing;
  /** one plan per target whose source is gone: a warning, and the destroy lines when they are due */
  plans: DatasetPlan[];
  /** per selected source name: what was seen about it (a rename not followed) */
  notes: Map<string, Diagnostic[]>;
  /** job-wide errors (a source root that is missing) */
  diagnostics: Diagnostic[];
}

/** A target under root_fs whose source dataset the job selects but the source listing lacks. */
interface Gone { target: DatasetRecord; source: string; snapshots: VersionRecord[]; renamedTo: string | null }

export function computeGoneTargets(input: GoneInput): GoneTargets {
  const { job, rootFs } = input;
  const out: GoneTargets = { renames: new Map(), targetListing: input.targetListing, plans: [], notes: new Map(), diagnostics: [] };
  const targetIndex = indexListing(input.targetListing);
  const gone = listGone(input, targetIndex, out.diagnostics);
  if (gone.length === 0) return out;
  const claimed = new Set<string>();
  let candidates: Map<Guid, string[]> | null = null;
  // a target moves with a renamed ancestor: its own ancestors are looked up, not every rename
  const renamedFrom = new Set<string>();
  const movesWithRename = (name: string): boolean => {
    for (let n: string | null = name; n !== null; n = parentOf(n)) if (renamedFrom.has(n)) return true;
    return false;
  };
  for (const g of gone) {
    if (movesWithRename(g.target.name)) continue; // moves with its parent
    if (g.snapshots.length === 0) continue;
    candidates ??= computeRenameCandidates(input, targetIndex);
    const to = renameCandidate(input, candidates, g, claimed);
    if (to === null) continue;
    claimed.add(to);
    g.renamedTo = to;
    const T = `${rootFs}/${to}`;
    if (job.replication.followRenames) {
      out.renames.set(to, { from: g.target.name, to: T, guid: g.target.guid, oldSource: g.source, newSource: to });
      renamedFrom.add(g.target.name);
    } else {
      out.notes.set(to, [diag(job, to, 'warning', `${to} looks like ${g.source} renamed: its snapshots are those of ${g.target.name} (same GUIDs)`, [
        `planned: a full send into ${T}, a second copy; with replication.follow_renames: true zform renames ${g.target.name} to ${T} instead and continues incrementally`,
      ])]);
    }
  }
  if (out.renames.size > 0) out.targetListing = renamedListing(input.targetListing, [...out.renames.values()]);
  const left = gone.filter((g) => !movesWithRename(g.target.name));
  out.plans = goneDatasetPlans(input, targetIndex, left);
  return out;
}

/** destroy_missing as written in days ("30d"), else as zform prints durations */
function limitText(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : formatDuration(ms);
}

function diag(job: JobConfig, dataset: string | undefined, severity: Diagnostic['severity'], summary: string, detail: string[], conflict?: Diagnostic['conflict']): Diagnostic {
  return { severity, summary, detail, job: job.name, ...(dataset !== undefined ? { dataset } : {}), ...(conflict ? { conflict } : {}) };
}

/** Targets whose selected source is missing, in path order. One under a filter root that is itself missing from the
 *  listing is not gone: the root is (an error, once per root). */
function listGone(input: GoneInput, targetIndex: ListingIndex, diagnostics: Diagnostic[]): Gone[] {
  const { job, rootFs, sourceIndex } = input;
  const selection = compileSelection(job);
  const roots = selection.filter.roots();
  const missingRoots = new Map<string, number>();
  const out: Gone[] = [];
  for (const t of targetIndex.datasets()) {
    if (!isWithin(t.name, rootFs) || t.name === rootFs || t.placeholder) continue;
    const source = t.name.slice(rootFs.length + 1);
    if (!selection.selects(source) || sourceIndex.dataset(source)) continue;
    const root = roots === null ? poolOf(source) : roots.find((r) => isWithin(source, r)) ?? poolOf(source);
    if (!sourceIndex.dataset(root)) { missingRoots.set(root, (missingRoots.get(root) ?? 0) + 1); continue; }
    out.push({ target: t, source, snapshots: targetIndex.snapshots(t.name), renamedTo: null });
  }
  for (const [root, n] of [...missingRoots].sort((a, b) => comparePaths(a[0], b[0]))) {
    diagnostics.push(diag(job, undefined, 'error', `source root ${root} does not exist on ${job.source.host}: ${plural(n, 'target dataset')} under ${rootFs}/${root} cannot be checked`, [
      'a whole missing source root is not taken as destroyed datasets (a pool not imported, a root renamed or a wrong filter look the same); nothing under it is planned for destruction',
    ]));
  }
  return out.sort((a, b) => comparePaths(a.target.name, b.target.name));
}

/** The selected source datasets that could be a gone target's renamed source (not placeholders, no target yet), by
 *  the GUIDs of their versions. Made once per plan: scanning every candidate's versions for each gone target was
 *  quadratic (a tree of thousands renamed without follow_renames: each child's look-up read every version). */
function computeRenameCandidates(input: GoneInput, targetIndex: ListingIndex): Map<Guid, string[]> {
  const byGuid = new Map<Guid, string[]>();
  for (const s of input.selected) {
    if (s.placeholder || targetIndex.dataset(`${input.rootFs}/${s.name}`)) continue;
    const seen = new Set<Guid>();
    for (const v of input.sourceIndex.versions(s.name)) {
      if (seen.has(v.guid)) continue;
      seen.add(v.guid);
      addTo(byGuid, v.guid, s.name);
    }
  }
  return byGuid;
}

/** The one selected source dataset without a target that shares a snapshot GUID with the gone target, or null. */
function renameCandidate(input: GoneInput, candidates: Map<Guid, string[]>, g: Gone, claimed: Set<string>): string | null {
  const found = new Set<string>();
  for (const v of g.snapshots) {
    for (const name of candidates.get(v.guid) ?? []) {
      if (!claimed.has(name) && !isWithin(`${input.rootFs}/${name}`, g.target.name)) found.add(name);
    }
  }
  return found.size === 1 ? [...found][0]! : null;
}

/** The listing with every followed rename's subtree under its new name. */
function renamedListing(listing: Listing, renames: FollowedRename[]): Listing {
  const byFrom = new Map(renames.map((r) => [r.from, r]));
  // the nearest renamed ancestor (renames never nest: a target below a renamed one moves with it)
  const move = (name: string): string => {
    for (let n: string | null = name; n !== null; n = parentOf(n)) {
      const r = byFrom.get(n);
      if (r) return r.to + name.slice(r.from.length);
    }
    return name;
  };
  const moveFull = (full: string): string => {
    const i = full.search(/[@#]/);
    return move(full.slice(0, i)) + full.slice(i);
  };
  return makeListing(
    listing.datasets.map((d) => ({ ...d, name: move(d.name) })),
    versionTable(listing).withDatasets(move),
    listing.holds.map((h) => ({ ...h, snapshot: moveFull(h.snapshot) })),
  );
}

/** A warning per gone target; with replication.destroy_missing, the destroy lines of those that are due and safe,
 *  children before their parent (a parent's plan depends on its children's). */
function goneDatasetPlans(input: GoneInput, targetIndex: ListingIndex, gone: Gone[]): DatasetPlan[] {
  const { job } = input;
  const verdicts = new Map<string, string | null>(); // target -> why it is kept (null: destroyed)
  const byTarget = new Map(gone.map((g) => [g.target.name, g]));
  // each target's children, and each gone target's gone children, found once: a filter over every target per gone
  // dataset was quadratic (8,000 sources gone at once: 6.4 s in parentOf)
  const childrenOf = new Map<string, string[]>();
  for (const d of targetIndex.datasets()) {
    const parent = parentOf(d.name);
    if (parent !== null) addTo(childrenOf, parent, d.name);
  }
  const goneChildrenOf = new Map<string, string[]>();
  for (const c of gone) {
    const parent = parentOf(c.target.name);
    if (parent !== null) addTo(goneChildrenOf, parent, c.source);
  }
  for (const g of [...gone].reverse()) verdicts.set(g.target.name, keepReason(input, targetIndex, g, childrenOf.get(g.target.name) ?? [], byTarget, verdicts));
  return gone.map((g) => {
    const T = g.target.name;
    const kept = verdicts.get(T)!;
    const newest = g.snapshots[g.snapshots.length - 1] ?? null;
    // a clone made on the target (an admin's look into a backup) was never a replica: no source ever existed
    const madeHere = g.target.origin !== null && kept !== null && !receivedBy(input, targetIndex, g);
    const summary = madeHere
      ? `not a replica: ${onHost(input.targetHost, T)} is a clone of ${g.target.origin} made on the target, with no source ${g.source} on ${job.source.host}; it is kept`
      : `source gone: ${g.source} no longer exists on ${job.source.host}${kept === null ? '' : `; ${onHost(input.targetHost, T)} and its ${plural(g.snapshots.length, 'snapshot')} are kept`}`;
    const detail = madeHere ? [`zform never destroys a clone it did not receive; to replicate without this note, move it out of ${input.rootFs} (zfs rename) or destroy it when done`] : [
      ...(g.renamedTo !== null ? [`it looks renamed to ${g.renamedTo} (same snapshot GUIDs); replication.follow_renames: true would rename ${T} to follow it`] : []),
      kept === null ? `planned: destroy ${T} (replication.destroy_missing ${limitText(job.replication.destroyMissingMs!)})` : kept,
    ];
    const plan: DatasetPlan = {
      source: g.source, target: T, dependsOn: [], actions: kept === null ? destroyActions(input, targetIndex, g) : [],
      diagnostics: [diag(job, g.source, 'warning', summary, detail, { type: 'source_missing', targetNewest: newest ? refOf(newest) : null, renamedTo: g.renamedTo })],
      fingerprints: input.fingerprint ? [input.fingerprint.source(g.source), input.fingerprint.target(T)] : [],
    };
    if (kept === null) {
      plan.dependsOn = [...(goneChildrenOf.get(T) ?? [])];
    }
    return plan;
  });
}

/** Whether a snapshot of the gone target carries this job's last-received hold (zform received into it). */
function receivedBy(input: GoneInput, targetIndex: ListingIndex, g: Gone): boolean {
  const lrTag = makeLastReceivedHoldTag(input.job.name);
  return g.snapshots.some((v) => targetIndex.holds(`${g.target.name}@${v.name}`).some((h) => h.tag === lrTag));
}

/** Why a gone target is kept, or null when the plan destroys it (`children`: the target datasets right below it). */
function keepReason(
  input: GoneInput, targetIndex: ListingIndex, g: Gone, children: string[], byTarget: Map<string, Gone>, verdicts: Map<string, string | null>,
): string | null {
  const { job, now } = input;
  const T = g.target.name;
  const limit = job.replication.destroyMissingMs;
  if (limit === undefined) return `nothing is destroyed: replication.destroy_missing (e.g. "30d") would destroy ${T} once its newest snapshot is that old; or destroy it by hand (zfs destroy -r ${T})`;
  const newest = g.snapshots[g.snapshots.length - 1];
  if (!newest) return `kept: ${T} has no snapshots, so replication.destroy_missing has no age to count from`;
  const age = now.getTime() - newest.creation * 1000;
  if (age < limit) {
    return `kept until ${new Date(newest.creation * 1000 + limit).toISOString()}: replication.destroy_missing ${limitText(limit)} counts from the newest snapshot @${newest.name} (${formatAge(age)} old)`;
  }
  const lrTag = makeLastReceivedHoldTag(job.name);
  const holds = g.snapshots.flatMap((v) => targetIndex.holds(`${T}@${v.name}`).map((h) => ({ v, tag: h.tag })));
  if (!holds.some((h) => h.tag === lrTag)) return `kept: no snapshot of ${T} carries this job's hold ${lrTag}, so zform cannot tell it replicated into it (replication.destroy_missing destroys only its own targets)`;
  const foreign = g.snapshots.filter((v) => v.userrefs > holds.filter((h) => h.v === v && h.tag === lrTag).length).map((v) => `@${v.name}`);
  if (foreign.length > 0) return `kept: held by holds zform did not place (${foreign.join(', ')}); release them to let replication.destroy_missing destroy it`;
  const cloned = g.snapshots.filter((v) => v.clones > 0).map((v) => `@${v.name}`);
  if (cloned.length > 0) return `kept: datasets were cloned from its snapshots (${cloned.join(', ')}); zform never destroys a clone: destroy the clones to let replication.destroy_missing destroy it`;
  if (g.target.resumeToken !== null) return `kept: an interrupted receive waits on ${T} (receive_resume_token)`;
  const staying = children.filter((c) => !byTarget.has(c) || verdicts.get(c) !== null);
  if (staying.length > 0) return `kept: child datasets stay (${staying.join(', ')}); zform destroys a dataset only with every child also destroyed`;
  return null;
}

/** Releases of this job's last-received holds on the target, then the dataset with every version named. */
function destroyActions(input: GoneInput, targetIndex: ListingIndex, g: Gone): Action[] {
  const T = g.target.name;
  const lrTag = makeLastReceivedHoldTag(input.job.name);
  const held = g.snapshots.filter((v) => targetIndex.holds(`${T}@${v.name}`).some((h) => h.tag === lrTag)).map(refOf);
  const newest = g.snapshots[g.snapshots.length - 1]!;
  const age = formatAge(input.now.getTime() - newest.creation * 1000);
  const base = { id: '', host: input.targetHost, side: 'target' as const };
  return [
    ...(held.length > 0 ? [{ ...base, kind: 'release' as const, tag: lrTag, role: 'last_received' as const, snapshots: held, reason: `${T} is destroyed: its source is gone` }] : []),
    {
      ...base, kind: 'destroy_dataset', dataset: T, guid: g.target.guid, destroys: targetIndex.versions(T).map(refOf),
      reason: `source ${g.source} is gone and the newest snapshot @${newest.name} is ${age} old (replication.destroy_missing ${limitText(input.job.replication.destroyMissingMs!)})`,
    },
  ];
}
