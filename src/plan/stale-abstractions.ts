// Which of zform's holds and bookmarks are stale, and why; and the plan lines that remove those of jobs that
// are no longer in the config (only with --release-stale: see computeForeignStaleLines).
//
// Stale (each rule names its reason):
// - its job is not in the config (renamed or removed);
// - its dataset is no longer selected by its job (source.filesystems, the source host, root_fs), or the job
//   has no target any more (cursors, step and last-received holds serve replication only);
// - superseded: a last-received hold not on the target's newest snapshot; a cursor that is not the one the
//   planner keeps (the one of the target's newest snapshot, else the newest); a step hold or tentative cursor
//   while no step is in flight (no interrupted receive waits on the target).
// The planner already removes a configured job's superseded ones itself (src/plan/protection.ts, when the
// dataset is up to date or after the next step); holds list shows them, holds release-stale removes them now.
import type { Config, JobConfig } from '../config/types.js';
import type { Action, DatasetPlan, Diagnostic, JobPlan, VersionRef } from './types.js';
import type { JobInventory } from './input.js';
import { listOwnedAbstractions, mergeOwnedAbstractions, type OwnedAbstraction } from './abstractions.js';
import { compileSelection, type JobSelection } from './selection.js';
import { computeIncrementalPath, newestCommonSnapshot } from './incremental-path.js';
import { indexListing, type ListingIndex } from './listing-index.js';
import { isWithin } from './paths.js';
import { computeJobSummary } from './summary.js';
import { addTo } from '../multimap.js';

export interface AbstractionStatus extends OwnedAbstraction {
  stale: boolean;
  /** why it is stale, or what it is for */
  reason: string;
}

/** Every zform abstraction in the listings of the jobs listed, once (`jobs`: only those of the jobs it accepts). */
export function collectAbstractions(config: Config, inventories: Record<string, JobInventory>, jobs?: (job: string) => boolean): OwnedAbstraction[] {
  const lists: OwnedAbstraction[][] = [];
  for (const [name, inv] of Object.entries(inventories)) {
    const job = config.jobs.find((j) => j.name === name);
    if (!job) continue;
    lists.push(listOwnedAbstractions(inv.source, job.source.host, jobs));
    if (inv.target && job.target) lists.push(listOwnedAbstractions(inv.target, job.target.host, jobs));
  }
  return mergeOwnedAbstractions(lists);
}

/** `onlyJobs`: judge only the abstractions of the jobs it accepts. A cursor competes only with cursors of its own
 *  job (same host and dataset), so the others need not be listed at all. */
export function computeStaleness(config: Config, inventories: Record<string, JobInventory>, onlyJobs?: (job: string) => boolean): AbstractionStatus[] {
  const indexes = new Map<string, { source: ListingIndex; target: ListingIndex | null }>();
  const indexOf = (job: string) => {
    let i = indexes.get(job);
    const inv = inventories[job];
    if (!i && inv) {
      i = { source: indexListing(inv.source), target: inv.target ? indexListing(inv.target) : null };
      indexes.set(job, i);
    }
    return i;
  };
  const all = collectAbstractions(config, inventories, onlyJobs);
  // the cursors each cursor competes with (same job, host and dataset), found once instead of per cursor
  const cursorsOf = new Map<string, OwnedAbstraction[]>();
  for (const c of all) {
    if (c.type !== 'cursor') continue;
    addTo(cursorsOf, `${c.job}\0${c.host}\0${c.dataset}`, c);
  }
  const jobs = new Map(config.jobs.map((j) => [j.name, j]));
  const selections = new Map<string, JobSelection>();
  const selectionOf = (job: JobConfig) => {
    let f = selections.get(job.name);
    if (!f) { f = compileSelection(job); selections.set(job.name, f); }
    return f;
  };
  return all.map((a) => {
    const job = jobs.get(a.job);
    const verdict = (stale: boolean, reason: string): AbstractionStatus => ({ ...a, stale, reason });
    if (!job) return verdict(true, `job "${a.job}" is not in ${config.file} (renamed or removed)`);
    const selection = selectionProblem(a, job, selectionOf(job));
    if (selection) return verdict(true, selection);
    const idx = indexOf(job.name);
    if (!idx || !idx.target || !job.target) return verdict(false, `job ${job.name} was not listed`);
    return superseded(a, job, idx.source, idx.target, cursorsOf.get(`${a.job}\0${a.host}\0${a.dataset}`) ?? []);
  });
}

/** Why the abstraction's dataset is not one its job replicates now, or null. */
function selectionProblem(a: OwnedAbstraction, job: JobConfig, selection: JobSelection): string | null {
  if (!job.target) return `job ${job.name} has no target any more (snapshots only)`;
  const rootFs = job.target.rootFs;
  if (a.type === 'last_received_hold') {
    if (a.host !== job.target.host || !isWithin(a.dataset, rootFs) || a.dataset === rootFs) return `${a.host}:${a.dataset} is not under job ${job.name}'s target ${job.target.host}:${rootFs}`;
    if (!selection.filter.matches(a.dataset.slice(rootFs.length + 1))) return `${a.dataset.slice(rootFs.length + 1)} is no longer selected by job ${job.name}'s source.filesystems`;
    return null;
  }
  if (a.host !== job.source.host) return `${a.host} is not job ${job.name}'s source host (${job.source.host})`;
  if (!selection.selects(a.dataset)) return `${a.dataset} is no longer selected by job ${job.name}'s source.filesystems`;
  return null;
}

/** `cursors`: this job's cursors on the abstraction's host and dataset. */
function superseded(a: OwnedAbstraction, job: JobConfig, source: ListingIndex, target: ListingIndex, cursors: OwnedAbstraction[]): AbstractionStatus {
  const rootFs = job.target!.rootFs;
  const verdict = (stale: boolean, reason: string): AbstractionStatus => ({ ...a, stale, reason });
  const T = a.type === 'last_received_hold' ? a.dataset : `${rootFs}/${a.dataset}`;
  const t = target.dataset(T);
  // The newest target snapshot the source also has (a diverged target's own snapshots do not count), else the newest.
  const targetSnapshots = t ? target.snapshots(T) : [];
  const S = a.type === 'last_received_hold' ? a.dataset.slice(rootFs.length + 1) : a.dataset;
  const newest = newestCommonSnapshot(computeIncrementalPath(source.versions(S), targetSnapshots)) ?? targetSnapshots[targetSnapshots.length - 1] ?? null;
  switch (a.type) {
    case 'last_received_hold':
      if (!newest || newest.name === a.short) return verdict(false, 'last-received hold on the newest replicated snapshot');
      return verdict(true, `superseded: @${newest.name} is the newest replicated snapshot of ${T}`);
    case 'cursor': {
      if (!newest) return verdict(false, `replication cursor (${T} has no snapshots to compare with)`);
      const keep = cursors.find((c) => c.guid === newest.guid) ?? [...cursors].sort((x, y) => x.createtxg - y.createtxg).pop()!;
      if (keep.name === a.name) return verdict(false, `replication cursor: the incremental base for ${T}`);
      return verdict(true, cursors.some((c) => c.guid === newest.guid)
        ? `superseded by the cursor of @${newest.name}, the newest replicated snapshot of ${T}`
        : 'superseded by a newer cursor');
    }
    case 'step_hold': case 'tentative_cursor':
      if (t?.resumeToken) return verdict(false, `step in flight: an interrupted receive on ${T} waits to be resumed`);
      return verdict(true, `superseded: no step in flight (no interrupted receive on ${T})`);
  }
}

/** Release and destroy lines for `stale` (grouped per host, dataset and tag), with a reason each. */
export function computeReleaseLines(stale: AbstractionStatus[]): Action[] {
  const out: Action[] = [];
  const groups = new Map<string, AbstractionStatus[]>();
  for (const a of stale) {
    const key = `${a.host}\0${a.dataset}\0${a.tag ?? '#'}\0${a.reason}`;
    addTo(groups, key, a);
  }
  for (const g of groups.values()) {
    const a = g[0]!;
    const refs: VersionRef[] = g.map((x) => ({ dataset: x.dataset, kind: x.tag ? 'snapshot' : 'bookmark', name: x.short, guid: x.guid, createtxg: x.createtxg }));
    const base = { id: '', host: a.host, side: a.type === 'last_received_hold' ? 'target' as const : 'source' as const };
    if (a.tag) out.push({ ...base, kind: 'release', tag: a.tag, role: a.type === 'step_hold' ? 'step' : 'last_received', snapshots: refs, reason: `stale: ${a.reason}` });
    else out.push({ ...base, kind: 'destroy_bookmarks', bookmarks: refs, reason: `stale: ${a.reason}` });
  }
  return out;
}

/**
 * The plan's part: abstractions of jobs that are not in the config, found on datasets the planned jobs cover.
 * With `release` each becomes a release/destroy line at the end of the chain of the first job (config order)
 * whose dataset plan covers it (same host and dataset, source or target side); a chain the plan blocks (errors)
 * gets none, so that an apply never reports it done. Without `release` the covering job gets one warning.
 * Returns new job plans (ids renumbered, summaries recomputed); the input is not changed.
 */
export function computeForeignStaleLines(jobs: JobPlan[], config: Config, inventories: Record<string, JobInventory>, release: boolean): JobPlan[] {
  // only these are judged: a plan at scale lists a cursor and a hold per dataset of its own jobs
  const configured = new Set(config.jobs.map((j) => j.name));
  const foreign = computeStaleness(config, inventories, (job) => !configured.has(job));
  if (foreign.length === 0) return jobs;
  const out = jobs.map((j) => ({
    ...j, snapshots: j.snapshots.map((a) => ({ ...a })), diagnostics: [...j.diagnostics],
    datasets: j.datasets.map((d) => ({ ...d, actions: d.actions.map((a) => ({ ...a })), diagnostics: [...d.diagnostics] })),
  }));
  const found = new Map<JobPlan, { ds: DatasetPlan; items: AbstractionStatus[] }[]>();
  for (const a of foreign) {
    let hit: { jp: JobPlan; ds: DatasetPlan } | null = null;
    for (const jp of out) {
      const ds = jp.datasets.find((d) => (d.source === a.dataset && jp.sourceHost === a.host) || (d.target === a.dataset && jp.targetHost === a.host));
      if (ds) { hit = { jp, ds }; break; }
    }
    if (!hit) continue;
    const list = found.get(hit.jp) ?? [];
    const entry = list.find((e) => e.ds === hit!.ds) ?? (list.push({ ds: hit.ds, items: [] }), list[list.length - 1]!);
    entry.items.push(a);
    found.set(hit.jp, list);
  }
  for (const [jp, entries] of found) {
    const owners = [...new Set(entries.flatMap((e) => e.items.map((a) => a.job)))].sort();
    const n = entries.reduce((s, e) => s + e.items.length, 0);
    const what = `${n} hold${n === 1 ? '' : 's'}/bookmark${n === 1 ? '' : 's'} of job${owners.length === 1 ? '' : 's'} ${owners.join(', ')}, not in ${config.file}`;
    if (!release) {
      jp.diagnostics.push(warning(jp.job, `${what}, on datasets of job ${jp.job}`, [
        'they keep snapshots held and incremental bases alive; `zform holds list` shows them',
        '`zform plan --release-stale` (or `zform holds release-stale`) removes them; keep them if the job is coming back',
      ]));
      continue;
    }
    for (const e of entries) {
      if (e.ds.diagnostics.some((d) => d.severity === 'error')) {
        e.ds.diagnostics.push({ ...warning(jp.job, `${e.items.length} stale hold(s)/bookmark(s) of other jobs left: this dataset is blocked`, ['`zform holds release-stale` removes them']), dataset: e.ds.source });
        continue;
      }
      // The side is the covering chain's (another job's step hold may sit on this job's target).
      const side = e.ds.source === e.items[0]!.dataset && jp.sourceHost === e.items[0]!.host ? 'source' as const : 'target' as const;
      e.ds.actions.push(...computeReleaseLines(e.items).map((a) => ({ ...a, side })));
    }
  }
  for (const jp of out) {
    let k = 0;
    for (const a of jp.snapshots) a.id = `${jp.job}:${++k}`;
    for (const d of jp.datasets) for (const a of d.actions) { a.id = `${jp.job}:${++k}`; }
    const { summary: _old, ...rest } = jp;
    void _old;
    jp.summary = computeJobSummary(rest);
  }
  return out;
}

function warning(job: string, summary: string, detail: string[]): Diagnostic {
  return { severity: 'warning', summary, detail, job };
}
