// Pruning of one side of one dataset: the keep rules over the snapshots the side will have after the
// plan's earlier lines, minus what must never go (held snapshots, incremental bases), as one batched
// destroy_snapshots line.
import type { PruneRule } from '../config/types.js';
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
  /** the holds a snapshot (by short name) still has when pruning runs, by tag ("N hold(s)" when only the
   *  count is known); a held snapshot is never destroyed */
  heldBy: (name: string) => string[];
  /** snapshot names that must stay (the next incremental's base) */
  protect: Set<string>;
}

export interface PruneSideResult {
  action: Action | null;
  /** snapshots the rules let go that are kept anyway because they are held: name → hold tags */
  keptHeld: { name: string; tags: string[] }[];
}

export function computePruneSide(input: PruneSideInput): PruneSideResult {
  const candidates: PruneCandidate[] = input.snapshots.map((s, i) => ({ name: s.ref.name, creation: s.creation, order: i, planned: s.planned }));
  const verdict = evaluateKeepRules(input.rules, candidates, { replicatedUpTo: input.replicatedUpTo });
  const keptHeld: PruneSideResult['keptHeld'] = [];
  const destroy: { ref: VersionRef; reason: string }[] = [];
  input.snapshots.forEach((s, i) => {
    const reason = verdict.get(candidates[i]!);
    if (reason === undefined || s.planned) return;
    if (input.protect.has(s.ref.name)) return;
    const tags = input.heldBy(s.ref.name);
    if (tags.length > 0) { keptHeld.push({ name: s.ref.name, tags }); return; }
    destroy.push({ ref: s.ref, reason });
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
