// Which source datasets are due for a snapshot, named at plan time and batched per pool (one atomic `zfs snapshot`).
import type { DatasetRecord } from '../zfs/types.js';
import type { JobConfig } from '../config/types.js';
import type { Diagnostic, SkippedSnapshot, VersionRef } from './types.js';
import type { ListingIndex } from './listing-index.js';
import { formatTimestamp } from '../config/timestamp.js';
import { formatBytes } from '../config/units.js';
import { comparePaths, poolOf } from './paths.js';

export interface DueSnapshot {
  /** guid and createtxg null: known after apply */
  ref: VersionRef;
  /** the dataset's `written`: what the new snapshot will hold */
  written: number;
}

export interface DueSnapshots {
  /** by dataset */
  due: Map<string, DueSnapshot>;
  /** one atomic batch per pool, pools and datasets in path order */
  batches: { pool: string; snapshots: string[] }[];
  diagnostics: Diagnostic[];
  /** due by interval but not taken (snapshotting.skip_empty), with why, in path order */
  skipped: SkippedSnapshot[];
}


/**
 * A dataset is due when its newest snapshot whose name starts with the prefix (by createtxg) was created
 * `interval` or longer ago, or when it has none. Source placeholders are never snapshotted (they hold no data).
 * The name is `prefix + timestamp(now)`; a dataset that already has a snapshot of that name is skipped with a warning.
 * With snapshotting.skip_empty, a due dataset whose `written` is below the threshold is skipped (computeSkipEmpty).
 */
export type { SkippedSnapshot };

export function computeDueSnapshots(job: JobConfig, datasets: DatasetRecord[], index: ListingIndex, now: Date): DueSnapshots {
  const result: DueSnapshots = { due: new Map(), batches: [], diagnostics: [], skipped: [] };
  const snap = job.snapshotting;
  if (!snap) return result;
  const name = snap.prefix + formatTimestamp(now, snap.timestampFormat);
  const byPool = new Map<string, string[]>();
  for (const d of [...datasets].sort((a, b) => comparePaths(a.name, b.name))) {
    if (d.placeholder) continue;
    // the newest snapshot of ours, the newest of any name, and whether the name is taken, read from the listing
    // without making every snapshot's record (this runs over every source dataset before planning any)
    const newest = index.newestSnapshot(d.name, (short) => short.startsWith(snap.prefix));
    if (newest && now.getTime() - newest.creation * 1000 < snap.intervalMs) continue;
    const skip = computeSkipEmpty(snap.skipEmptyBelow, d, index.newestSnapshot(d.name), newest);
    if (skip) { result.skipped.push(skip); continue; }
    if (index.hasSnapshot(d.name, name)) {
      result.diagnostics.push({
        severity: 'warning',
        summary: `${d.name}@${name} already exists: no new snapshot this run`,
        detail: [`the timestamp format ${snap.timestampFormat} gives the same name again; the snapshot is taken on the next run`],
        job: job.name,
        dataset: d.name,
      });
      continue;
    }
    result.due.set(d.name, {
      ref: { dataset: d.name, kind: 'snapshot', name, guid: null, createtxg: null },
      written: d.written,
    });
    const pool = poolOf(d.name);
    const list = byPool.get(pool) ?? [];
    list.push(`${d.name}@${name}`);
    byPool.set(pool, list);
  }
  result.batches = [...byPool.keys()].sort().map((pool) => ({ pool, snapshots: byPool.get(pool)! }));
  return result;
}

/**
 * skip_empty: a due dataset gets no new snapshot when its `written` (bytes since its newest snapshot of any name) is
 * below the threshold and that newest snapshot is one of ours (the prefix): then our newest snapshot already holds
 * its state (all of it when the threshold is 1 byte, i.e. written 0). Never skipped: a dataset without a snapshot
 * of ours, or whose newest snapshot is not ours (replication.snapshots may not send it; pruning may not keep it).
 * zform never takes recursive (`-r`) snapshots: each pool's batch names every dataset and is atomic, so a skipped
 * child does not break its parent's batch; with written 0 its newest snapshot is the same state at the batch's time.
 */
export function computeSkipEmpty(
  below: number | undefined, d: DatasetRecord, newestAny: { name: string } | undefined, newestOurs: { name: string } | undefined,
): SkippedSnapshot | null {
  if (below === undefined || !newestOurs || !newestAny || newestAny.name !== newestOurs.name) return null;
  if (d.written >= below) return null;
  const threshold = below <= 1 ? 'nothing was written' : `${formatBytes(d.written)} written, below ${formatBytes(below)}`;
  return {
    dataset: d.name, writtenBytes: d.written, since: newestOurs.name,
    reason: `${threshold} since @${newestOurs.name} (snapshotting.skip_empty)`,
  };
}
