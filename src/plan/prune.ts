// Pruning of one side of one dataset: the keep rules over the snapshots the side will have after the
// plan's earlier lines, minus what must never go (held snapshots, incremental bases), as one batched
// destroy_snapshots line.
import type { PruneRule } from '../config/types.js';
import type { Action, Side, VersionRef } from './types.js';
import { evaluateKeepRules, type PruneCandidate } from './prune-rules.js';

/** A snapshot the side has, or will have after the plan's earlier lines (received or taken). It is the rules'
 *  candidate too (one object per snapshot, not two: a side can have millions): `name` is its ref's, `order` its
 *  position in PruneSideInput.snapshots, and `planned` one taken by this plan, never destroyed by it but counted
 *  by the rules. */
export interface SideSnapshot extends PruneCandidate {
  /** a listed snapshot's own record (no copy per snapshot: most stay), copied where the plan records it */
  ref: VersionRef;
  /** listed snapshots: bytes since the previous snapshot (`written`); absent for those this plan takes or receives */
  written?: number;
}

export interface PruneSideInput {
  host: string;
  side: Side;
  dataset: string;
  rules: PruneRule[];
  /** oldest first (createtxg order, snapshots this plan takes or receives after the listed ones) */
  snapshots: SideSnapshot[];
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
}

/** Exactly a VersionRef's fields, in its order (a side's snapshot may be a listing's whole record). */
function copyRef(r: VersionRef): VersionRef {
  return { dataset: r.dataset, kind: r.kind, name: r.name, guid: r.guid, createtxg: r.createtxg };
}

export function computePruneSide(input: PruneSideInput): PruneSideResult {
  const candidates: PruneCandidate[] = input.snapshots;
  // no rules (destroy_empty alone): the rules keep everything
  const verdict = input.rules.length > 0 ? evaluateKeepRules(input.rules, candidates, { replicatedUpTo: input.replicatedUpTo }) : new Map<PruneCandidate, string>();
  const keptHeld: PruneSideResult['keptHeld'] = [];
  const destroy: { ref: VersionRef; reason: string }[] = [];
  // whether the state of the previous snapshot survives this plan (it stays, or it is empty and its own predecessor's does)
  let prevStateKept = false;
  input.snapshots.forEach((s, i) => {
    const reason = verdict.get(candidates[i]!);
    const stays = reason === undefined || s.planned || input.protect.has(s.ref.name);
    if (!stays) {
      const tags = input.heldBy(s.ref.name);
      if (tags.length > 0) { keptHeld.push({ name: s.ref.name, tags }); prevStateKept = true; return; }
      destroy.push({ ref: copyRef(s.ref), reason: reason! });
      prevStateKept = false;
      return;
    }
    const empty = computeEmptyReason(input, s, i, prevStateKept);
    if (empty) destroy.push({ ref: copyRef(s.ref), reason: empty });
    prevStateKept = true; // kept, or empty: the same state as its predecessor's, which is kept
  });
  const action: Action | null = destroy.length === 0 ? null : {
    id: '', host: input.host, side: input.side, kind: 'destroy_snapshots', dataset: input.dataset, snapshots: destroy,
  };
  // A snapshot this plan takes that the rules counted: the destroy must not run if it was not taken (the
  // target's planned snapshots arrive by the chain's sends, which already come first).
  const assumes = input.side === 'source' ? input.snapshots.filter((s) => s.planned).map((s) => s.ref) : [];
  if (action && action.kind === 'destroy_snapshots' && assumes.length > 0) action.assumes = assumes;
  return { action, keptHeld };
}

/**
 * pruning.destroy_empty: why a snapshot the rules keep goes anyway, or null. Only a listed snapshot with written 0
 * (it holds no block its predecessor does not), whose predecessor's state survives this plan (a snapshot is never
 * empty relative to one this plan destroys), that is not the side's newest, not protected and not held.
 */
function computeEmptyReason(input: PruneSideInput, s: SideSnapshot, i: number, prevStateKept: boolean): string | null {
  const de = input.destroyEmpty;
  if (!de || s.planned || s.written !== 0 || i === 0 || !prevStateKept || i === input.snapshots.length - 1) return null;
  if (input.protect.has(s.ref.name) || de.protect.has(s.ref.name) || input.heldBy(s.ref.name).length > 0) return null;
  return `empty: written 0 since @${input.snapshots[i - 1]!.ref.name} (pruning.destroy_empty)`;
}
