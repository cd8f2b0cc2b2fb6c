// Which source datasets a job selects, and why: the filter's decision (src/config/filter.ts), except the job's own
// target tree when source and target are one host (a job never replicates into itself). Pure.
import type { JobConfig } from '../config/types.js';
import type { DatasetFilter } from '../config/filter.js';
import { isWithin } from './paths.js';
import type { DatasetRecord } from '../zfs/types.js';
import type { ListingIndex } from './listing-index.js';
import { compileFilter } from '../config/filter.js';
import { comparePaths } from './paths.js';

/** Whether `name` on the source host lies inside the job's own root_fs (source and target on one host). */
export function isOwnTargetTree(job: JobConfig, name: string): boolean {
  return job.target !== undefined && job.target.host === job.source.host && isWithin(name, job.target.rootFs);
}

/** A job's selection of source datasets, compiled once; used by the plan, stale holds and status alike. */
export interface JobSelection {
  filter: DatasetFilter;
  /** the job replicates (or snapshots) source dataset `name` */
  selects(name: string): boolean;
}

export function compileSelection(job: JobConfig): JobSelection {
  const filter = compileFilter(job.source.filesystems);
  return { filter, selects: (name) => filter.matches(name) && !isOwnTargetTree(job, name) };
}

/** The selected source datasets in path order, and how many the filter matched in the job's own target tree. */
export function selectDatasets(job: JobConfig, source: ListingIndex): { selected: DatasetRecord[]; ownTarget: number } {
  const { filter } = compileSelection(job);
  const matched = source.datasets().filter((d) => filter.matches(d.name));
  const selected = matched.filter((d) => !isOwnTargetTree(job, d.name)).sort((a, b) => comparePaths(a.name, b.name));
  return { selected, ownTarget: matched.length - selected.length };
}
