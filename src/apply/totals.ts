// What an apply did, counted from the actions it completed by the plan's own rule (countActions), with the
// bytes the transfers really moved instead of the plan's estimates.
import type { Action } from '../plan/types.js';
import type { ApplyTotals } from './events.js';
import { countActions } from '../plan/summary.js';

export function computeApplyTotals(done: Action[], bytes: number): ApplyTotals {
  const s = countActions(done);
  return {
    sends: s.sends, bytes, snapshots: s.snapshots, destroys: s.destroys, holds: s.holds, releases: s.releases,
    bookmarks: s.bookmarks, rollbacks: s.rollbacks, placeholders: s.placeholders, aborts: s.aborts,
  };
}

export function addTotals(into: ApplyTotals, more: ApplyTotals): ApplyTotals {
  for (const k of Object.keys(into) as (keyof ApplyTotals)[]) into[k] += more[k];
  return into;
}
