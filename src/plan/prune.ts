// Pruning of one side of one dataset: the keep rules over the snapshots the side will have after the
// plan's earlier lines, minus what must never go (held snapshots, incremental bases), as one batched
// destroy_snapshots line.
import type { PruneRule } from '../config/types.js';
import type { HoldRecord } from '../zfs/types.js';
import type { Action, Side, VersionRef } from './types.js';
import { evaluateKeepRules, type PruneCandidate } from './prune-rules.js';

/** A snapshot the side has, or will have after the plan's earlier lines (received or taken). */
export interface SideSnapshot {
  ref: VersionRef;
  /** unix seconds */
  creation: number;
  /** taken by this plan: never destroyed by it, but counted by the rules */
  planned: boolean;
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
  /** listed holds of a snapshot (by short name); a held snapshot is never destroyed */
  holdsOf: (name: string) => HoldRecord[];
  /** listed userrefs of a snapshot (holds may be listed only partly) */
  userrefsOf: (name: string) => number;
  /** snapshot names that must stay, with why (incremental bases of planned steps, the next base) */
  protect: Map<string, string>;
}

export interface PruneSideResult {
  action: Action | null;
  /** snapshots the rules let go that are kept anyway because they are held: name → hold tags */
  keptHeld: { name: string; tags: string[] }[];
  /** snapshots the rules let go that are kept as incremental bases: name → why */
  keptBase: { name: string; why: string }[];
}

export function computePruneSide(input: PruneSideInput): PruneSideResult {
  const candidates: PruneCandidate[] = input.snapshots.map((s, i) => ({ name: s.ref.name, creation: s.creation, order: i, planned: s.planned }));
  const verdict = evaluateKeepRules(input.rules, candidates, { replicatedUpTo: input.replicatedUpTo });
  const keptHeld: PruneSideResult['keptHeld'] = [];
  const keptBase: PruneSideResult['keptBase'] = [];
  const destroy: { ref: VersionRef; reason: string }[] = [];
  input.snapshots.forEach((s, i) => {
    const reason = verdict.get(candidates[i]!);
    if (reason === undefined || s.planned) return;
    const base = input.protect.get(s.ref.name);
    if (base !== undefined) { keptBase.push({ name: s.ref.name, why: base }); return; }
    const holds = input.holdsOf(s.ref.name);
    const refs = input.userrefsOf(s.ref.name);
    if (holds.length > 0 || refs > 0) {
      keptHeld.push({ name: s.ref.name, tags: holds.length > 0 ? holds.map((h) => h.tag) : [`${refs} hold(s)`] });
      return;
    }
    destroy.push({ ref: s.ref, reason });
  });
  const action: Action | null = destroy.length === 0 ? null : {
    id: '', host: input.host, side: input.side, kind: 'destroy_snapshots', dataset: input.dataset, snapshots: destroy,
  };
  // A snapshot this plan takes that the rules counted: the destroy must not run if it was not taken (the
  // target's planned snapshots arrive by the chain's sends, which already come first).
  const assumes = input.side === 'source' ? input.snapshots.filter((s) => s.planned).map((s) => s.ref) : [];
  if (action && action.kind === 'destroy_snapshots' && assumes.length > 0) action.assumes = assumes;
  return { action, keptHeld, keptBase };
}
