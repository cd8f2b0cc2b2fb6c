// Which source datasets a job selects: its source.filesystems filter, never its own target tree when source and
// target are one host. Used by the plan, stale holds and status alike.
import type { JobConfig } from '../config/types.js';
import type { DatasetRecord } from '../zfs/types.js';
import type { ListingIndex } from './listing-index.js';
import { compileFilter, type DatasetFilter } from '../config/filter.js';
import { comparePaths, isWithin } from './paths.js';

export interface DatasetSelection {
  filter: DatasetFilter;
  /** `name` is in the job's own target tree (source and target on one host) */
  isOwnTarget(name: string): boolean;
  /** the job replicates (or snapshots) source dataset `name` */
  selects(name: string): boolean;
}

export function compileSelection(job: JobConfig): DatasetSelection {
  const filter = compileFilter(job.source.filesystems);
  const target = job.target;
  const isOwnTarget = (name: string) => target !== undefined && target !== null && target.host === job.source.host && isWithin(name, target.rootFs);
  return { filter, isOwnTarget, selects: (name) => filter.matches(name) && !isOwnTarget(name) };
}

/** The selected source datasets in path order, and how many the filter matched in the job's own target tree. */
export function selectDatasets(job: JobConfig, source: ListingIndex): { selected: DatasetRecord[]; ownTarget: number } {
  const selection = compileSelection(job);
  const matched = source.datasets().filter((d) => selection.filter.matches(d.name));
  const selected = matched.filter((d) => !selection.isOwnTarget(d.name)).sort((a, b) => comparePaths(a.name, b.name));
  return { selected, ownTarget: matched.length - selected.length };
}
