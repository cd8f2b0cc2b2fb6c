// Views of zform's holds and bookmarks: the list (human table, JSON) and the release-stale plan.
import { Chalk } from 'chalk';
import type { Action } from '../plan/types.js';
import type { AbstractionStatus } from '../plan/stale-abstractions.js';
import type { Io } from '../io.js';
import type { ViewType } from './view-type.js';
import { onHost as on } from '../text.js';

const TYPE_LABEL = { step_hold: 'step hold', last_received_hold: 'last-received hold', cursor: 'cursor', tentative_cursor: 'tentative cursor' } as const;

export function renderHoldsHuman(list: AbstractionStatus[], opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  if (list.length === 0) return 'No zform holds or bookmarks found on the datasets of the configured jobs.\n';
  const rows = list.map((a) => [on(a.host, a.name), TYPE_LABEL[a.type], a.job, a.stale ? 'stale' : 'in use', a.reason]);
  const header = ['NAME', 'TYPE', 'JOB', 'STATE', 'WHY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const out = [c.bold(line(header)), ...rows.map((r) => {
    const l = line(r);
    return r[3] === 'stale' ? l.replace(/ stale /, ` ${c.yellow('stale')} `) : l;
  })];
  const stale = list.filter((a) => a.stale).length;
  out.push('', `${list.length} hold(s)/bookmark(s), ${stale} stale.${stale > 0 ? ' "zform holds release-stale" removes the stale ones.' : ''}`);
  return out.join('\n') + '\n';
}

export function renderHoldsJson(list: AbstractionStatus[], configFile: string): string {
  return JSON.stringify({
    formatVersion: 1,
    configFile,
    abstractions: list.map((a) => ({
      type: a.type, job: a.job, host: a.host, dataset: a.dataset, name: a.name, tag: a.tag, guid: a.guid, stale: a.stale, reason: a.reason,
    })),
  }, null, 2);
}

/** The release-stale plan: one "-" line per release or destroy, with its reason. */
export function renderReleasePlan(lines: Action[], opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  let releases = 0;
  let destroys = 0;
  for (const a of lines) {
    if (a.kind === 'release') {
      releases += a.snapshots.length;
      out.push(`  ${c.red('-')} release ${a.tag} on ${a.snapshots.map((s) => on(a.host, `${s.dataset}@${s.name}`)).join(', ')}`, c.dim(`      (${a.reason})`));
    } else if (a.kind === 'destroy_bookmarks') {
      destroys += a.bookmarks.length;
      out.push(`  ${c.red('-')} destroy ${a.bookmarks.map((b) => on(a.host, `${b.dataset}#${b.name}`)).join(', ')}`, c.dim(`      (${a.reason})`));
    }
  }
  out.push('', `Plan: ${releases} hold(s) to release, ${destroys} bookmark(s) to destroy.`);
  return out.join('\n') + '\n';
}

/** `zform holds list`'s view: human table or JSON document, chosen once. */
export interface HoldsListView {
  list(list: AbstractionStatus[], configFile: string): void;
}

export function createHoldsListView(type: ViewType, io: Io, opts: { color: boolean }): HoldsListView {
  if (type === 'json') return { list(list, configFile) { io.stdout.write(renderHoldsJson(list, configFile) + '\n'); } };
  return { list(list) { io.stdout.write(renderHoldsHuman(list, opts)); } };
}
