// Shapes the snapshots a dataset needs into send steps: full, -i hops and -I batches, per protection mode.
import type { ProtectionMode } from '../config/types.js';
import type { VersionRef } from './types.js';
import { ZformError } from '../errors.js';
import { plural } from '../text.js';

/** One source version in createtxg order; the snapshot this plan takes comes last (guid null). */
export interface TimelineEntry {
  readonly kind: VersionRef['kind'];
  readonly name: string;
  readonly guid: string | null;
  readonly ref: VersionRef;
  /** `written` of a snapshot (0 for a bookmark); for a planned snapshot, the dataset's `written` */
  readonly written: number;
  /** a snapshot that matches replication.snapshots (bookmarks: false) */
  readonly replicable: boolean;
}

/**
 * A dataset's timeline: its source versions in createtxg order, then the snapshot this plan takes, read by position.
 * An entry is made only where one is read (and then kept: the same entry on every read): a chain that continues an
 * incremental reads the last few of a side's versions, and at scale an entry for every version was ~8 % of what
 * planning allocated (10,000 x 100, bench/01). Kind, name and written are read without one.
 */
export interface Timeline {
  readonly length: number;
  kind(i: number): VersionRef['kind'];
  name(i: number): string;
  /** the entry's `written` */
  written(i: number): number;
  entry(i: number): TimelineEntry;
}

/** The position of the first version of this kind and name, or -1. */
export function timelineIndex(timeline: Timeline, kind: VersionRef['kind'], name: string): number {
  for (let i = 0; i < timeline.length; i++) if (timeline.name(i) === name && timeline.kind(i) === kind) return i;
  return -1;
}

export interface Step {
  mode: 'full' | 'incremental' | 'resume';
  from: VersionRef | null;
  to: VersionRef;
  intermediates: boolean;
  /** every snapshot that arrives with this step, oldest first (`to` last) */
  includes: VersionRef[];
  protection: ProtectionMode;
  token: string | null;
  estimatedBytes: number | null;
  reason: string;
}

function at(timeline: Timeline, ref: VersionRef): number {
  // the first of the same kind and name (no key strings: this runs per step over the whole timeline)
  const i = timelineIndex(timeline, ref.kind, ref.name);
  if (i < 0) throw new ZformError('internal', `${ref.dataset}@${ref.name} is not in the planning timeline`);
  return i;
}

/**
 * Estimated stream size without asking ZFS: the `written` of every source snapshot after `from` up to
 * and including `to` (from null: every snapshot up to `to`). An estimate, not `zfs send -nvP`.
 */
export function estimateBytes(timeline: Timeline, from: VersionRef | null, to: VersionRef): number {
  const start = from ? at(timeline, from) : -1;
  const end = at(timeline, to);
  let sum = 0;
  for (let i = start + 1; i <= end; i++) if (timeline.kind(i) === 'snapshot') sum += timeline.written(i);
  return sum;
}

/** Source snapshots strictly between a and b that replication.snapshots excludes. */
function excludedBetween(timeline: Timeline, a: VersionRef, b: VersionRef): VersionRef[] {
  const out: VersionRef[] = [];
  for (let i = at(timeline, a) + 1, end = at(timeline, b); i < end; i++) {
    if (timeline.kind(i) === 'snapshot' && !timeline.entry(i).replicable) out.push(timeline.entry(i).ref);
  }
  return out;
}

export interface StepInput {
  timeline: Timeline;
  /** the base the target has; null: the first target is sent full */
  start: VersionRef | null;
  /** the snapshots to deliver, oldest first, all after `start` */
  targets: TimelineEntry[];
  protection: { initial: ProtectionMode; incremental: ProtectionMode };
  /** why the full send (when start is null) */
  fullReason: string;
  /** the first step is initial replication (start null) or continues one (after resuming a full send) */
  firstIsInitial: boolean;
}

/**
 * Full send of the first target when there is no base. Then, per step, the protection mode decides:
 * Every mode batches consecutive targets into one `-I` step: guarantee_resumability holds every snapshot of the
 * step, guarantee_incremental bookmarks every one of them as a tentative cursor before the send (in one channel
 * program at apply), so wherever an interrupted `-I` stream stops, the target's newest snapshot has a bookmark on
 * the source to continue from; guarantee_nothing protects nothing. `-I` never starts at a bookmark (zfs refuses)
 * and never spans a source snapshot that replication.snapshots excludes (it would arrive too): those get `-i` hops.
 */
export function computeSteps(input: StepInput): Step[] {
  const { timeline, targets, protection } = input;
  const steps: Step[] = [];
  const modeFor = () => (steps.length === 0 && input.firstIsInitial ? protection.initial : protection.incremental);
  let cur = input.start;
  let i = 0;
  if (cur === null) {
    const first = targets[0];
    if (!first) return steps;
    steps.push({
      mode: 'full', from: null, to: first.ref, intermediates: false, includes: [first.ref], protection: modeFor(), token: null,
      estimatedBytes: estimateBytes(timeline, null, first.ref), reason: input.fullReason,
    });
    cur = first.ref;
    i = 1;
  }
  while (i < targets.length) {
    const mode = modeFor();
    const next = targets[i]!;
    const skipped = excludedBetween(timeline, cur, next.ref);
    let end = i;
    let reason: string;
    if (skipped.length > 0) {
      reason = `-i: skips ${plural(skipped.length, 'snapshot')} not matching replication.snapshots (${skipped.map((s) => '@' + s.name).join(', ')})`;
    } else if (cur.kind === 'bookmark') {
      reason = `-i: from bookmark #${cur.name} (zfs send -I cannot start at a bookmark)`;
    } else {
      while (end + 1 < targets.length && excludedBetween(timeline, targets[end]!.ref, targets[end + 1]!.ref).length === 0) end++;
      if (end === i) {
        reason = i + 1 < targets.length
          ? '-i: one snapshot; the next one lies beyond snapshots not matching replication.snapshots'
          : '-i: one snapshot';
      } else {
        const n = end - i + 1;
        reason = mode === 'guarantee_resumability'
          ? `batched -I (${n} snapshots): guarantee_resumability holds every snapshot in the range`
          : mode === 'guarantee_incremental'
            ? `batched -I (${n} snapshots): guarantee_incremental bookmarks every snapshot in the range as a tentative cursor`
            : `batched -I (${n} snapshots): guarantee_nothing protects nothing, so one stream carries them all`;
      }
    }
    const includes = targets.slice(i, end + 1).map((e) => e.ref);
    const to = targets[end]!.ref;
    steps.push({
      mode: 'incremental', from: cur, to, intermediates: end > i, includes, protection: mode, token: null,
      estimatedBytes: estimateBytes(timeline, cur, to), reason,
    });
    cur = to;
    i = end + 1;
  }
  return steps;
}
