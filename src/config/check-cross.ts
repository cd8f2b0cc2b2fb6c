// Semantic checks between jobs: unique names, disjoint target roots, sources that avoid other jobs' targets.
import { configDatasetNamecheck } from '../zfs/names.js';
import type { Report } from './check-job.js';
import { compileFilter, filterPatternCheck, type DatasetFilter } from './filter.js';
import { asArray, asObject, asString, field, hostOf } from './plain.js';

interface JobView {
  index: number;
  name: string;
  sourceHost?: string;
  filter?: DatasetFilter;
  targetHost?: string;
  rootFs?: string;
}

function label(j: JobView): string {
  return j.name ? `job "${j.name}" (jobs[${j.index}])` : `jobs[${j.index}]`;
}

function viewOf(job: unknown, index: number): JobView {
  const name = asString(field(job, 'name')) ?? '';
  const view: JobView = { index, name, sourceHost: hostOf(field(job, 'source')) };
  const fs = asObject(field(field(job, 'source'), 'filesystems'));
  if (fs && view.sourceHost !== undefined && Object.entries(fs).every(([p, v]) => typeof v === 'boolean' && !filterPatternCheck(p))) {
    view.filter = compileFilter(fs as Record<string, boolean>);
  }
  const target = field(job, 'target');
  const rootFs = asString(field(target, 'root_fs'));
  const targetHost = hostOf(target);
  if (asObject(target) && rootFs !== undefined && targetHost !== undefined && !configDatasetNamecheck(rootFs)) {
    view.targetHost = targetHost;
    view.rootFs = rootFs;
  }
  return view;
}

/** `a` equals `b` or lies below it, or the other way round. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(b + '/') || b.startsWith(a + '/');
}

export function checkJobsTogether(jobs: unknown, report: Report): void {
  const list = asArray(jobs);
  if (!list) return;
  const views = list.map(viewOf);

  const firstByName = new Map<string, JobView>();
  for (const v of views) {
    if (v.name === '') continue;
    const first = firstByName.get(v.name);
    if (first) report(['jobs', v.index, 'name'], `duplicate job name "${v.name}" (also jobs[${first.index}]): job names must be unique`);
    else firstByName.set(v.name, v);
  }

  for (const b of views) {
    if (b.rootFs === undefined) continue;
    for (const a of views) {
      if (a.index >= b.index || a.rootFs === undefined || a.targetHost !== b.targetHost) continue;
      if (overlaps(a.rootFs, b.rootFs)) {
        report(['jobs', b.index, 'target', 'root_fs'], `"${b.rootFs}" overlaps root_fs "${a.rootFs}" of ${label(a)} on host "${b.targetHost}": the target roots of two jobs must not contain each other`);
        break;
      }
    }
  }

  for (const s of views) {
    if (!s.filter) continue;
    for (const t of views) {
      if (t.rootFs === undefined || t.targetHost !== s.sourceHost || !s.filter.matchesWithin(t.rootFs)) continue;
      const where = ['jobs', s.index, 'source', 'filesystems'];
      if (t.index === s.index) report(where, `selects datasets in this job's own root_fs "${t.rootFs}" on host "${t.targetHost}": the job would replicate its own replicas (exclude it with "${t.rootFs}<": false)`);
      else report(where, `selects datasets in root_fs "${t.rootFs}" of ${label(t)} on host "${t.targetHost}": a job must not send or snapshot what another job receives (exclude it with "${t.rootFs}<": false)`);
    }
  }
}
