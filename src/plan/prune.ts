// Pruning of one side of one dataset: the keep rules over the snapshots the side will have after the
// plan's earlier lines, minus what must never go (held snapshots, snapshots with clones, incremental bases), as one batched
// destroy_snapshots line.
import type { PruneRule } from '../config/types.js';
import type { Action, Side, VersionRef } from './types.js';
import type { VersionRecord } from '../zfs/types.js';
import { evaluateKeepRules, type PruneCandidate } from './prune-rules.js';

/** A snapshot the side will have after the plan's earlier lines that it has not listed: one this plan takes, or one
 *  its sends deliver to the target. */
export interface AddedSnapshot extends PruneCandidate {
  ref: VersionRef;
  /** taken by this plan: never destroyed by it, but counted by the rules */
  planned: boolean;
}

/**
 * A side's snapshots, oldest first: the listed ones (the listing's own records, no object per snapshot: a side can
 * have millions), then those added. A snapshot is known by its position; a listed one's ref is its record, copied
 * where the plan records it.
 */
export class SideSnapshots {
  constructor(readonly listed: readonly VersionRecord[], readonly added: readonly AddedSnapshot[] = []) {}

  get length(): number { return this.listed.length + this.added.length; }

  ref(i: number): VersionRef {
    return i < this.listed.length ? this.listed[i]! : this.added[i - this.listed.length]!.ref;
  }

  planned(i: number): boolean {
    return i >= this.listed.length && this.added[i - this.listed.length]!.planned;
  }

  /** how many datasets were cloned from a listed snapshot (0 for an added one) */
  clones(i: number): number {
    return i < this.listed.length ? this.listed[i]!.clones : 0;
  }

  /** a listed snapshot's `written` (bytes since the previous snapshot); undefined for an added one */
  written(i: number): number | undefined {
    return i < this.listed.length ? this.listed[i]!.written : undefined;
  }

  /** the rules' candidates, by the same positions */
  candidates(): readonly PruneCandidate[] {
    return this.added.length === 0 ? this.listed : (this.listed as readonly PruneCandidate[]).concat(this.added);
  }
}

export interface PruneSideInput {
  host: string;
  side: Side;
  dataset: string;
  rules: PruneRule[];
  /** oldest first (createtxg order, snapshots this plan takes or receives after the listed ones) */
  snapshots: SideSnapshots;
  /** index in `snapshots` of the newest one the target has after this plan (not_replicated), or null */
  replicatedUpTo: number | null;
  /** the holds a snapshot (by short name) still has when pruning runs, by tag ("N hold(s)" when only the
   *  count is known); a held snapshot is never destroyed */
  heldBy: (name: string) => string[];
  /** snapshot names that must stay (the next incremental's base) */
  protect: Set<string>;
  /** pruning.destroy_empty: also let go of empty snapshots (written 0), except these names (the replication base,
   *  a cursor's snapshot) */
  destroyEmpty?: { protect: Set<string> };
}

export interface PruneSideResult {
  action: Action | null;
  /** snapshots the rules let go that are kept anyway because they are held: name → hold tags */
  keptHeld: { name: string; tags: string[] }[];
  /** snapshots the rules let go that are kept anyway because datasets were cloned from them (`zfs destroy` refuses
   *  them): name → numclones */
  keptCloned: { name: string; clones: number }[];
}

/** Exactly a VersionRef's fields, in its order (a side's snapshot may be a listing's whole record). */
function copyRef(r: VersionRef): VersionRef {
  return { dataset: r.dataset, kind: r.kind, name: r.name, guid: r.guid, createtxg: r.createtxg };
}

export function computePruneSide(input: PruneSideInput): PruneSideResult {
  const snaps = input.snapshots;
  const candidates = snaps.candidates();
  // no rules (destroy_empty alone): the rules keep everything
  const verdict = input.rules.length > 0 ? evaluateKeepRules(input.rules, candidates, { replicatedUpTo: input.replicatedUpTo }) : new Map<PruneCandidate, string>();
  const keptHeld: PruneSideResult['keptHeld'] = [];
  const keptCloned: PruneSideResult['keptCloned'] = [];
  const destroy: { ref: VersionRef; reason: string }[] = [];
  // whether the state of the previous snapshot survives this plan (it stays, or it is empty and its own predecessor's does)
  let prevStateKept = false;
  for (let i = 0; i < candidates.length; i++) {
    const reason = verdict.get(candidates[i]!);
    const name = candidates[i]!.name;
    const stays = reason === undefined || snaps.planned(i) || input.protect.has(name);
    if (!stays) {
      const tags = input.heldBy(name);
      if (tags.length > 0) { keptHeld.push({ name, tags }); prevStateKept = true; continue; }
      const clones = snaps.clones(i);
      if (clones > 0) { keptCloned.push({ name, clones }); prevStateKept = true; continue; }
      destroy.push({ ref: copyRef(snaps.ref(i)), reason: reason! });
      prevStateKept = false;
      continue;
    }
    const empty = computeEmptyReason(input, i, prevStateKept);
    if (empty) destroy.push({ ref: copyRef(snaps.ref(i)), reason: empty });
    prevStateKept = true; // kept, or empty: the same state as its predecessor's, which is kept
  }
  const action: Action | null = destroy.length === 0 ? null : {
    id: '', host: input.host, side: input.side, kind: 'destroy_snapshots', dataset: input.dataset, snapshots: destroy,
  };
  // A snapshot this plan takes that the rules counted: the destroy must not run if it was not taken (the
  // target's planned snapshots arrive by the chain's sends, which already come first).
  const assumes = input.side === 'source' ? snaps.added.filter((s) => s.planned).map((s) => s.ref) : [];
  if (action && action.kind === 'destroy_snapshots' && assumes.length > 0) action.assumes = assumes;
  return { action, keptHeld, keptCloned };
}

/**
 * pruning.destroy_empty: why the snapshot at position i, which the rules keep, goes anyway, or null. Only a listed
 * snapshot with written 0 (it holds no block its predecessor does not), whose predecessor's state survives this plan
 * (a snapshot is never empty relative to one this plan destroys), that is not the side's newest, not protected,
 * not held and not the origin of a clone.
 */
function computeEmptyReason(input: PruneSideInput, i: number, prevStateKept: boolean): string | null {
  const de = input.destroyEmpty;
  const snaps = input.snapshots;
  if (!de || snaps.planned(i) || snaps.written(i) !== 0 || i === 0 || !prevStateKept || i === snaps.length - 1) return null;
  const name = snaps.ref(i).name;
  if (input.protect.has(name) || de.protect.has(name) || input.heldBy(name).length > 0 || snaps.clones(i) > 0) return null;
  return `empty: written 0 since @${snaps.ref(i - 1).name} (pruning.destroy_empty)`;
}
