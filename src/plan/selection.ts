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

export type SelectionReason =
  /** a pattern decided (selected or rejected) */
  | 'pattern'
  /** no pattern covers the dataset: not selected */
  | 'no_pattern'
  /** a pattern selects it, but it lies inside the job's own root_fs on the same host */
  | 'own_target';

export interface DatasetSelection {
  dataset: string;
  selected: boolean;
  /** the `source.filesystems` key that decided, as written; null when none covers the dataset */
  pattern: string | null;
  /** the pattern's value (true/false); null without a pattern */
  patternValue: boolean | null;
  reason: SelectionReason;
}

/** The job's decision about one source dataset, with the evidence. */
export function computeDatasetSelection(job: JobConfig, filter: DatasetFilter, dataset: string): DatasetSelection {
  const d = filter.explain(dataset);
  const patternValue = d.pattern === null ? null : d.selected;
  if (d.selected && isOwnTargetTree(job, dataset)) return { dataset, selected: false, pattern: d.pattern, patternValue, reason: 'own_target' };
  return { dataset, selected: d.selected, pattern: d.pattern, patternValue, reason: d.pattern === null ? 'no_pattern' : 'pattern' };
}
