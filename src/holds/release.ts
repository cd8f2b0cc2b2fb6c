// Executes release-stale lines: `zfs release TAG snap...` and `zfs destroy fs#bookmark...`, line by line; a
// failure is reported for its line and the others still run (missing holds and bookmarks are fine).
import type { Action } from '../plan/types.js';
import type { HostPool } from '../hosts.js';
import { ZformError } from '../errors.js';

export interface ReleaseOutcome { action: Action; error: string | null }

export async function applyReleaseLines(lines: Action[], hosts: HostPool): Promise<ReleaseOutcome[]> {
  const out: ReleaseOutcome[] = [];
  for (const a of lines) {
    try {
      const host = hosts.get(a.host);
      if (a.kind === 'release') await host.release(a.tag, a.snapshots.map((s) => `${s.dataset}@${s.name}`));
      else if (a.kind === 'destroy_bookmarks') await host.destroy(a.bookmarks.map((b) => `${b.dataset}#${b.name}`));
      else throw new ZformError('internal', `release-stale has no ${a.kind} lines`);
      out.push({ action: a, error: null });
    } catch (err) {
      out.push({ action: a, error: err instanceof ZformError ? err.shortMessage : err instanceof Error ? err.message.split('\n')[0]! : String(err) });
    }
  }
  return out;
}
