// One-line descriptions of plan actions (plain text, no colour): for logs, traces and the apply views.
import type { Action, VersionRef } from './types.js';
import { fullName as ref } from './paths.js';
import { onHost as on } from '../text.js';

function short(r: VersionRef): string { return `${r.kind === 'snapshot' ? '@' : '#'}${r.name}`; }

export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'snapshot': return `snapshot ${a.snapshots.length} dataset(s) of pool ${a.pool} (${a.snapshots[0]?.split('@')[1] ?? ''})`;
    case 'create_placeholder': return `create placeholder ${on(a.host, a.dataset)}`;
    case 'abort_resume': return `abort resumable receive on ${on(a.host, a.dataset)}`;
    case 'rollback': return `roll back ${on(a.host, a.dataset)} to ${short(a.to)}`;
    case 'hold': return `hold ${a.tag} on ${a.snapshots.map((s) => on(a.host, ref(s))).join(', ')}`;
    case 'release': return `release ${a.tag} on ${a.snapshots.map((s) => on(a.host, ref(s))).join(', ')}`;
    case 'bookmark': return `bookmark ${on(a.host, ref(a.snapshot))} as ${a.role === 'cursor' ? 'replication cursor' : 'tentative cursor'}`;
    case 'destroy_bookmarks': return `destroy ${a.bookmarks.map((b) => on(a.host, ref(b))).join(', ')}`;
    case 'destroy_snapshots': return `destroy ${a.snapshots.length} snapshot(s) of ${on(a.host, a.dataset)}`;
    case 'rename_dataset': return `rename ${on(a.host, a.dataset)} to ${a.to}`;
    case 'destroy_dataset': return `destroy dataset ${on(a.host, a.dataset)} and its ${a.destroys.length} snapshot(s)/bookmark(s)`;
    case 'send': {
      // a clone's first step comes from its origin, in another dataset: named in full
      const from = a.from && a.from.dataset !== a.sourceDataset ? ref(a.from) : a.from && short(a.from);
      const what = a.mode === 'resume' ? `resume ${short(a.to)}` : from ? `incremental ${from} → ${short(a.to)}${a.intermediates ? ` (-I, ${a.includes.length} snapshots)` : ''}` : `full ${short(a.to)}`;
      return `send ${on(a.host, a.sourceDataset)} ${what} to ${on(a.targetHost, a.targetDataset)}`;
    }
  }
}
