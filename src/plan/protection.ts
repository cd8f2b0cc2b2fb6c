// This job's holds and bookmarks on one dataset pair (listed, then as the plan changes them), and the
// plan lines that protect each step, move the cursor after it, and clean up stale ones.
import type { ProtectionMode } from '../config/types.js';
import type { HoldRecord, VersionRecord } from '../zfs/types.js';
import type { Action, BookmarkRole, VersionRef } from './types.js';
import type { Step } from './steps.js';
import { makeCursorName, makeLastReceivedHoldTag, makeStepHoldTag, makeTentativeCursorName } from '../zfs/names.js';
import { refOf } from './listing-index.js';
import { parseOwnedBookmark, snapshotsHeldWith } from './abstractions.js';

/** A bookmark of this job: listed (ref set), or planned (ref set when the GUID is known, else derived at apply). */
interface TrackedBookmark {
  role: BookmarkRole;
  guid: string | null;
  ref: VersionRef | null;
  /** the planned snapshot it is made from, when its GUID is known only after apply */
  derivedFrom: VersionRef | null;
}

export interface ProtectionScope {
  job: string;
  sourceHost: string;
  targetHost: string;
  sourceDataset: string;
  targetDataset: string;
  /** source snapshots and bookmarks of the dataset, oldest first */
  sourceVersions: readonly VersionRecord[];
  /** target snapshots, oldest first (empty when the target is missing) */
  targetSnapshots: VersionRecord[];
  sourceHolds: (snapshot: string) => HoldRecord[];
  targetHolds: (snapshot: string) => HoldRecord[];
}

/** Actions are built with id "" and numbered when the job plan is complete. */
type NewAction = Action;

function sameSnapshot(a: VersionRef, b: VersionRef): boolean { return a.dataset === b.dataset && a.name === b.name && a.kind === b.kind; }
function targetRef(dataset: string, to: VersionRef): VersionRef {
  return { dataset, kind: 'snapshot', name: to.name, guid: to.guid, createtxg: null };
}

export interface AbstractionTracker {
  /** lines before a step's send: step holds (guarantee_resumability) or tentative cursors on `from` and every
   *  snapshot the step delivers (guarantee_incremental) */
  protect(step: Step): NewAction[];
  /** lines after a confirmed step, in order: last-received hold, release older ones, cursor, destroy other
   *  cursors and tentative cursors, release step holds; guarantee_nothing: remove everything of this job */
  complete(step: Step): NewAction[];
  /** an up-to-date dataset: repair the cursor and last-received hold at the target's newest snapshot and
   *  remove stale ones (guarantee_nothing: remove everything of this job) */
  tidy(mode: ProtectionMode, targetNewest: VersionRecord): NewAction[];
  /** before a rollback: release this job's last-received holds on the target snapshots it destroys */
  releaseTargetHolds(destroyed: VersionRef[], reason: string): NewAction[];
  /**
   * This job's newest listed cursor when no listed cursor is on a snapshot the target has, although the target
   * carries this job's last-received hold, else null: the cursor was moved by a replication of this dataset to another
   * target under the same job name (another configuration file), and this plan will destroy it as superseded. Each
   * completed step leaves the cursor and the last-received hold on one snapshot (a crash between those lines keeps
   * the old cursor, whose snapshot the target still has). The usual cursor is the target's newest snapshot: found by
   * the first comparison.
   */
  cursorElsewhere(): VersionRef | null;
}

/**
 * Listed abstractions count only when they belong to this job (the name says so) and, for bookmarks, when
 * the GUID in the name equals the bookmark's real GUID (zrepl's rule). Other jobs' and foreign holds and
 * bookmarks are never touched.
 */
export function createAbstractionTracker(scope: ProtectionScope): AbstractionTracker {
  return new Tracker(scope);
}

class Tracker implements AbstractionTracker {
  private readonly stepTag: string;
  private readonly lrTag: string;
  /** this job's step holds on the source */
  private readonly stepHolds: VersionRef[];
  /** this job's last-received holds on the target */
  private readonly lastReceived: VersionRef[];
  private bookmarks: TrackedBookmark[];
  /** this job's cursors as listed, oldest first, and whether the target had a last-received hold (the lists above
   *  change as the plan is made) */
  private readonly listedCursors: VersionRef[];
  private readonly listedLastReceived: boolean;

  constructor(private readonly scope: ProtectionScope) {
    this.stepTag = makeStepHoldTag(scope.job);
    this.lrTag = makeLastReceivedHoldTag(scope.job);
    const listed = listedAbstractions(scope, this.stepTag, this.lrTag);
    this.stepHolds = listed.stepHolds;
    this.lastReceived = listed.lastReceived;
    this.bookmarks = listed.bookmarks;
    this.listedCursors = listed.bookmarks.filter((b) => b.role === 'cursor').map((b) => b.ref!);
    this.listedLastReceived = listed.lastReceived.length > 0;
  }

  private src(a: ActionBaseless): NewAction { return ({ id: '', host: this.scope.sourceHost, side: 'source', ...a }) as NewAction; }
  private tgt(a: ActionBaseless): NewAction { return ({ id: '', host: this.scope.targetHost, side: 'target', ...a }) as NewAction; }

  private hasBookmark(snapshot: VersionRef, roles: BookmarkRole[]): boolean {
    return this.bookmarks.some((b) => roles.includes(b.role) && (
      snapshot.guid !== null ? b.guid === snapshot.guid : b.derivedFrom !== null && sameSnapshot(b.derivedFrom, snapshot)));
  }

  private addBookmark(role: BookmarkRole, snapshot: VersionRef): NewAction {
    const job = this.scope.job;
    const name = snapshot.guid === null ? null : role === 'cursor' ? makeCursorName(snapshot.guid, job) : makeTentativeCursorName(snapshot.guid, job);
    this.bookmarks.push({
      role, guid: snapshot.guid,
      ref: name === null ? null : { dataset: snapshot.dataset, kind: 'bookmark', name, guid: snapshot.guid, createtxg: snapshot.createtxg },
      derivedFrom: name === null ? snapshot : null,
    });
    return this.src({ kind: 'bookmark', role, snapshot, bookmark: name });
  }

  /** destroys the tracked bookmarks `drop` selects */
  private destroyBookmarks(drop: (b: TrackedBookmark) => boolean, reason: string): NewAction[] {
    const gone = this.bookmarks.filter(drop);
    if (gone.length === 0) return [];
    this.bookmarks = this.bookmarks.filter((b) => !drop(b));
    const refs = gone.filter((b) => b.ref !== null).map((b) => b.ref!);
    const derived = gone.filter((b) => b.ref === null).map((b) => ({ role: b.role, snapshot: b.derivedFrom! }));
    return [this.src({ kind: 'destroy_bookmarks', bookmarks: refs, ...(derived.length > 0 ? { derived } : {}), reason })];
  }

  private releaseStepHolds(keep: (r: VersionRef) => boolean, reason: string): NewAction[] {
    const gone = this.stepHolds.filter((r) => !keep(r));
    if (gone.length === 0) return [];
    this.stepHolds.splice(0, this.stepHolds.length, ...this.stepHolds.filter(keep));
    return [this.src({ kind: 'release', tag: this.stepTag, role: 'step', snapshots: gone, reason })];
  }

  private releaseLastReceived(keep: (r: VersionRef) => boolean, reason: string): NewAction[] {
    const gone = this.lastReceived.filter((r) => !keep(r));
    if (gone.length === 0) return [];
    this.lastReceived.splice(0, this.lastReceived.length, ...this.lastReceived.filter(keep));
    return [this.tgt({ kind: 'release', tag: this.lrTag, role: 'last_received', snapshots: gone, reason })];
  }

  private holdLastReceived(ref: VersionRef): NewAction[] {
    if (this.lastReceived.some((r) => r.name === ref.name)) return [];
    this.lastReceived.push(ref);
    return [this.tgt({ kind: 'hold', tag: this.lrTag, role: 'last_received', snapshots: [ref] })];
  }

  private removeEverything(): NewAction[] {
    return [
      ...this.releaseLastReceived(() => false, 'guarantee_nothing keeps no last-received hold'),
      ...this.destroyBookmarks(() => true, 'guarantee_nothing keeps no replication cursor'),
      ...this.releaseStepHolds(() => false, 'guarantee_nothing keeps no step hold'),
    ];
  }

  /** the cursor on `snapshot` (created if missing), then every other cursor and all tentative ones destroyed;
   *  without a snapshot, the cursor with `guid` is kept if there is one, else the newest cursor */
  private moveCursor(snapshot: VersionRef | null, guid: string | null, why: string): NewAction[] {
    const out: NewAction[] = [];
    let keepGuid: string | null = null;
    let keepDerived: VersionRef | null = null;
    if (snapshot) {
      if (!this.hasBookmark(snapshot, ['cursor'])) out.push(this.addBookmark('cursor', snapshot));
      keepGuid = snapshot.guid;
      keepDerived = snapshot.guid === null ? snapshot : null;
    } else {
      const cursors = this.bookmarks.filter((b) => b.role === 'cursor' && b.ref !== null);
      const newest = [...cursors].sort((a, b) => (a.ref!.createtxg ?? 0) - (b.ref!.createtxg ?? 0)).pop();
      keepGuid = cursors.some((b) => b.guid === guid) ? guid : newest?.guid ?? null;
    }
    const keep = (b: TrackedBookmark) => b.role === 'cursor' && (keepDerived ? b.derivedFrom !== null && sameSnapshot(b.derivedFrom, keepDerived) : b.guid !== null && b.guid === keepGuid);
    out.push(...this.destroyBookmarks((b) => !keep(b), why));
    return out;
  }

  protect(step: Step): NewAction[] {
    // a clone's first step comes from its origin, in another dataset: zfs keeps that snapshot while the clone exists,
    // and this dataset's holds and bookmarks belong on its own snapshots
    const from = step.from && step.from.kind === 'snapshot' && step.from.dataset === this.scope.sourceDataset ? step.from : null;
    if (step.protection === 'guarantee_resumability') {
      const want = [...(from ? [from] : []), ...step.includes];
      const missing = want.filter((r) => !this.stepHolds.some((h) => sameSnapshot(h, r)));
      if (missing.length === 0) return [];
      this.stepHolds.push(...missing);
      return [this.src({ kind: 'hold', tag: this.stepTag, role: 'step', snapshots: missing })];
    }
    if (step.protection === 'guarantee_incremental') {
      const out: NewAction[] = [];
      if (from && !this.hasBookmark(from, ['cursor', 'tentative_cursor'])) out.push(this.addBookmark('tentative_cursor', from));
      // every snapshot the step delivers (an -I stream cut short leaves the target at any of them)
      for (const r of step.includes) if (!this.hasBookmark(r, ['cursor', 'tentative_cursor'])) out.push(this.addBookmark('tentative_cursor', r));
      return out;
    }
    return [];
  }

  complete(step: Step): NewAction[] {
    if (step.protection === 'guarantee_nothing') return this.removeEverything();
    const onTarget = targetRef(this.scope.targetDataset, step.to);
    return [
      ...this.holdLastReceived(onTarget),
      ...this.releaseLastReceived((r) => r.name === onTarget.name, `superseded by the last-received hold on @${step.to.name}`),
      ...this.moveCursor(step.to, null, `superseded by the replication cursor on @${step.to.name}`),
      ...this.releaseStepHolds(() => false, `step to @${step.to.name} complete`),
    ];
  }

  tidy(mode: ProtectionMode, targetNewest: VersionRecord): NewAction[] {
    if (mode === 'guarantee_nothing') return this.removeEverything();
    const sourceSnapshot = this.scope.sourceVersions.find((v) => v.kind === 'snapshot' && v.guid === targetNewest.guid);
    return [
      ...this.holdLastReceived(refOf(targetNewest)),
      ...this.releaseLastReceived((r) => r.name === targetNewest.name, `stale: the target's newest snapshot is @${targetNewest.name}`),
      ...this.moveCursor(sourceSnapshot ? refOf(sourceSnapshot) : null, targetNewest.guid, sourceSnapshot
        ? `stale: the replication cursor belongs on @${sourceSnapshot.name}, the target's newest snapshot`
        : 'stale: not the replication cursor of the target\'s newest snapshot'),
      ...this.releaseStepHolds(() => false, 'stale: no step in flight'),
    ];
  }

  releaseTargetHolds(destroyed: VersionRef[], reason: string): NewAction[] {
    return this.releaseLastReceived((r) => !destroyed.some((d) => d.name === r.name), reason);
  }

  cursorElsewhere(): VersionRef | null {
    if (!this.listedLastReceived || this.listedCursors.length === 0) return null;
    const target = this.scope.targetSnapshots;
    for (const c of this.listedCursors) for (let j = target.length - 1; j >= 0; j--) if (target[j]!.guid === c.guid) return null;
    return this.listedCursors[this.listedCursors.length - 1]!;
  }
}

/** This job's step holds, last-received holds and bookmarks as listed. */
function listedAbstractions(scope: ProtectionScope, stepTag: string, lrTag: string): { stepHolds: VersionRef[]; lastReceived: VersionRef[]; bookmarks: TrackedBookmark[] } {
  const stepHolds = snapshotsHeldWith(scope.sourceVersions, scope.sourceHolds, stepTag).map(refOf);
  const lastReceived = snapshotsHeldWith(scope.targetSnapshots, scope.targetHolds, lrTag).map(refOf);
  const bookmarks: TrackedBookmark[] = [];
  for (const v of scope.sourceVersions) {
    const p = parseOwnedBookmark(v);
    if (!p || p.job !== scope.job) continue;
    bookmarks.push({ role: p.type, guid: v.guid, ref: refOf(v), derivedFrom: null });
  }
  return { stepHolds, lastReceived, bookmarks };
}

/** An action without its base fields (id, host, side). */
type ActionBaseless = DistributiveOmit<Action, 'id' | 'host' | 'side'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
