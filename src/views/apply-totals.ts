// One line of what an apply did (`2 sends (1.2 GiB), 3 holds`), shared by the human and JSON apply views.
import type { ApplyResult } from '../apply/events.js';
import { formatBytes } from '../config/units.js';

/** totalsLine when the apply changed nothing. */
export const NOTHING_CHANGED = 'nothing changed';

export function totalsLine(r: ApplyResult): string {
  const t = r.totals;
  const parts: string[] = [];
  const n = (k: number, one: string, many: string) => { if (k > 0) parts.push(`${k} ${k === 1 ? one : many}`); };
  if (t.sends > 0) parts.push(`${t.sends} ${t.sends === 1 ? 'send' : 'sends'} (${formatBytes(t.bytes)})`);
  n(t.snapshots, 'snapshot', 'snapshots');
  n(t.placeholders, 'placeholder', 'placeholders');
  n(t.holds, 'hold', 'holds');
  n(t.bookmarks, 'bookmark', 'bookmarks');
  n(t.releases, 'release', 'releases');
  n(t.destroys, 'destroy', 'destroys');
  n(t.rollbacks, 'rollback', 'rollbacks');
  n(t.aborts, 'aborted resume', 'aborted resumes');
  return parts.length ? parts.join(', ') : NOTHING_CHANGED;
}

/** What an apply that did not finish did, for a line that goes on (`2 sends (1.2 GiB), 3 holds done`, or `nothing
 *  changed`): the human and the JSON summary of an interrupted or failed apply. */
export function doneText(r: ApplyResult): string {
  const totals = totalsLine(r);
  return totals === NOTHING_CHANGED ? totals : `${totals} done`;
}

/** The outcomes that the summary of an apply lists as problems (failed, skipped, in conflict). */
export function problemOutcomes(r: ApplyResult): ApplyResult['outcomes'] {
  return r.outcomes.filter((o) => o.status === 'failed' || o.status === 'skipped' || o.status === 'conflict');
}
