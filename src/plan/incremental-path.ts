// computeIncrementalPath: the newest common snapshot of a source and a target (zrepl's diff.IncrementalPath).
// Pure. Snapshots match by GUID, never by name; the source side may match with a bookmark (the cursor keeps
// an incremental possible after the snapshot was pruned). A conflict is a typed value carrying its evidence.
import type { VersionRecord } from '../zfs/types.js';
import { findVersion } from './listing-index.js';
import { findByGuid } from './resume.js';

export type IncrementalPath =
  | {
    kind: 'path';
    /** the target's newest snapshot, which the source also has */
    common: VersionRecord;
    /** the source version (a snapshot preferred over a bookmark) with the GUID of `common`: the incremental base */
    base: VersionRecord;
  }
  | { kind: 'conflict'; conflict: IncrementalConflict };

export type IncrementalConflict =
  /** the target has no snapshots */
  | { type: 'target_empty' }
  /** no common version, and the source has no snapshots */
  | { type: 'source_empty'; targetNewest: VersionRecord }
  /** no common version: none of the target's snapshots is on the source */
  | { type: 'no_common_snapshot'; targetNewest: VersionRecord; sourceNewest: VersionRecord | null }
  /** a common snapshot, but not the target's newest: the target has snapshots the source does not */
  | {
    type: 'diverged';
    /** the newest target snapshot the source also has */
    common: VersionRecord;
    /** its source version (the base an incremental after a rollback starts from) */
    base: VersionRecord;
    targetNewest: VersionRecord;
    /** target snapshots newer than `common`, oldest first */
    targetOnly: VersionRecord[];
    /** source snapshots newer than `base`, oldest first */
    sourceOnly: VersionRecord[];
  };

/**
 * `source`: the source's snapshots and bookmarks, `target`: the target's (bookmarks are ignored), both oldest
 * first (createtxg order). The common snapshot is the target's newest snapshot whose GUID the source has.
 */
export function computeIncrementalPath(source: readonly VersionRecord[], target: readonly VersionRecord[]): IncrementalPath {
  const targetSnapshots = target.filter((v) => v.kind === 'snapshot');
  const targetNewest = targetSnapshots[targetSnapshots.length - 1];
  if (!targetNewest) return { kind: 'conflict', conflict: { type: 'target_empty' } };
  const onSource = findVersion(source, (v) => v.guid);
  const common = findNewest(targetSnapshots, (t) => onSource(t.guid) !== undefined);
  if (!common) {
    const sourceNewest = findNewest(source, (v) => v.kind === 'snapshot');
    if (!sourceNewest) return { kind: 'conflict', conflict: { type: 'source_empty', targetNewest } };
    return { kind: 'conflict', conflict: { type: 'no_common_snapshot', targetNewest, sourceNewest } };
  }
  const base = findByGuid(source, common.guid)!;
  if (common === targetNewest) return { kind: 'path', common, base };
  const sourceSnapshots = source.filter((v) => v.kind === 'snapshot');
  return {
    kind: 'conflict',
    conflict: {
      type: 'diverged', common, base, targetNewest,
      targetOnly: targetSnapshots.filter((v) => v.createtxg > common.createtxg),
      sourceOnly: sourceSnapshots.filter((v) => v.createtxg > base.createtxg),
    },
  };
}

/** The newest common snapshot on the target, diverged or not; null without one. */
export function newestCommonSnapshot(path: IncrementalPath): VersionRecord | null {
  if (path.kind === 'path') return path.common;
  return path.conflict.type === 'diverged' ? path.conflict.common : null;
}

/** The source version an incremental would start from (after a rollback, if diverged); null without one. */
export function incrementalBase(path: IncrementalPath): VersionRecord | null {
  if (path.kind === 'path') return path.base;
  return path.conflict.type === 'diverged' ? path.conflict.base : null;
}

function findNewest<T>(oldestFirst: readonly T[], pred: (v: T) => boolean): T | undefined {
  for (let i = oldestFirst.length - 1; i >= 0; i--) if (pred(oldestFirst[i]!)) return oldestFirst[i];
  return undefined;
}
