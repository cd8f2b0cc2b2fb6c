// The plan: a plain, versioned, JSON-serialisable value computed by computePlan and executed by apply.
import type { Guid, SendFlags } from '../zfs/types.js';
import type { ProtectionMode } from '../config/types.js';

/** 2: `options` (the planning flags a saved plan is recomputed with) */
export const PLAN_FORMAT_VERSION = 2;

/** A snapshot or bookmark the plan refers to. guid null = created by this plan ("known after apply"). */
export interface VersionRef {
  dataset: string;
  kind: 'snapshot' | 'bookmark';
  name: string;
  guid: Guid | null;
  createtxg: number | null;
}

export type HoldRole = 'step' | 'last_received';
export type BookmarkRole = 'cursor' | 'tentative_cursor';
export type Side = 'source' | 'target';

interface ActionBase {
  /** unique within the plan, stable for a given input: "<job>:<n>" */
  id: string;
  /** config host name the action runs on (sends name both) */
  host: string;
  side: Side;
}

export type Action =
  | (ActionBase & { kind: 'snapshot'; pool: string; snapshots: string[] })
  | (ActionBase & { kind: 'create_placeholder'; dataset: string; encryption: 'inherit' | 'off' })
  | (ActionBase & { kind: 'abort_resume'; dataset: string; reason: string })
  | (ActionBase & { kind: 'rollback'; dataset: string; to: VersionRef; destroys: VersionRef[]; reason: string })
  | (ActionBase & { kind: 'hold'; tag: string; role: HoldRole; snapshots: VersionRef[] })
  | (ActionBase & { kind: 'release'; tag: string; role: HoldRole; snapshots: VersionRef[]; reason: string })
  /** bookmark: the short name (after #); null when the snapshot's GUID is known only after apply (apply derives it) */
  | (ActionBase & { kind: 'bookmark'; role: BookmarkRole; snapshot: VersionRef; bookmark: string | null })
  /** derived: bookmarks this plan creates on snapshots it also creates (GUID known only after apply);
   *  apply derives their names exactly as for a `bookmark` action with a null name (absent = none) */
  | (ActionBase & { kind: 'destroy_bookmarks'; bookmarks: VersionRef[]; derived?: { role: BookmarkRole; snapshot: VersionRef }[]; reason: string })
  | (ActionBase & {
      kind: 'send';
      mode: 'full' | 'incremental' | 'resume';
      targetHost: string;
      sourceDataset: string;
      targetDataset: string;
      from: VersionRef | null;
      to: VersionRef;
      /** -I: every snapshot between from and to arrives too (listed in includes) */
      intermediates: boolean;
      includes: VersionRef[];
      token: string | null;
      flags: SendFlags;
      /** force (-F) only ever to replace a placeholder that holds no data; shown in the plan */
      /** origin: receive as a clone of this target snapshot (`-o origin=`), for the first step of a source clone sent
       *  incrementally from its origin (`from` is then a snapshot of another dataset) */
      receive: { resumable: boolean; force: boolean; override: Record<string, string>; inherit: string[]; origin?: string };
      protection: ProtectionMode;
      estimatedBytes: number | null;
      /** why this shape (e.g. "batched -I: guarantee_resumability holds every snapshot in the range") */
      reason: string;
      /** send.compression on the wire, e.g. "zstd:3" (absent: not compressed) */
      compression?: string;
    })
  /** pruning: each snapshot with the reason of every keep rule that let it go; `assumes`: snapshots this plan
   *  takes that the rules counted (apply skips the destroy when one of them was not taken) */
  | (ActionBase & { kind: 'destroy_snapshots'; dataset: string; snapshots: { ref: VersionRef; reason: string }[]; assumes?: VersionRef[] })
  /** a target whose source was renamed (replication.follow_renames): `zfs rename dataset to`; guid: the target
   *  dataset's own GUID, which apply checks before renaming */
  | (ActionBase & { kind: 'rename_dataset'; dataset: string; to: string; guid: Guid; reason: string })
  /** a target whose source is gone (replication.destroy_missing): its snapshots and bookmarks, every one named,
   *  then the dataset itself (never -r: anything the plan does not name makes the destroy fail) */
  | (ActionBase & { kind: 'destroy_dataset'; dataset: string; guid: Guid; destroys: VersionRef[]; reason: string });

export type ActionKind = Action['kind'];

export type Conflict =
  | { type: 'diverged'; commonAncestor: VersionRef; sourceOnly: VersionRef[]; targetOnly: VersionRef[] }
  /** targetNewest null: the target exists (not a placeholder) but has no snapshots */
  | { type: 'no_common_snapshot'; sourceNewest: VersionRef | null; targetNewest: VersionRef | null }
  /** same name, new GUIDs: the source's snapshots are all newer than the target's newest, none shared */
  | { type: 'recreated'; sourceOldest: VersionRef; sourceNewest: VersionRef; targetNewest: VersionRef }
  /** the target's source dataset is gone (a successful listing lacks it) */
  | { type: 'source_missing'; targetNewest: VersionRef | null; renamedTo: string | null }
  | { type: 'source_has_no_snapshots' }
  | { type: 'target_modified'; newest: VersionRef; writtenBytes: number }
  | { type: 'resume_token_unusable'; reason: string };

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string[];
  job: string;
  dataset?: string;
  conflict?: Conflict;
  /** a host that could not be listed: the job is not planned at all */
  host?: string;
  /** a job's error that stops every dataset of it (a target pool that does not exist): those without actions are
   *  blocked, not up to date */
  blocksDatasets?: true;
}

/** What a dataset looked like when planned; apply with a saved plan refuses if it changed. */
export interface Fingerprint {
  host: string;
  dataset: string;
  /** sha256 of the canonical listing of the dataset (existence, guid, versions by guid, resume token) */
  digest: string;
}

export interface DatasetPlan {
  /** source dataset name (the key) */
  source: string;
  /** target dataset name, for jobs with a target */
  target: string | null;
  /** datasets (source names) whose chains must succeed first (parents) */
  dependsOn: string[];
  /** run in order; a failure stops the rest of this chain and its dependants */
  actions: Action[];
  diagnostics: Diagnostic[];
  fingerprints: Fingerprint[];
}

export interface JobPlan {
  job: string;
  sourceHost: string;
  targetHost: string | null;
  /** atomic snapshot batches (one per pool), run before any dataset chain */
  snapshots: Action[];
  datasets: DatasetPlan[];
  /** job-wide diagnostics (e.g. a root that does not exist) */
  diagnostics: Diagnostic[];
  /** hooks apply runs, from the config (absent: none): around the snapshot batches, and after replication */
  hooks?: PlannedHook[];
  /** datasets due for a snapshot that snapshotting.skip_empty leaves without one (absent: none) */
  skipped?: SkippedSnapshot[];
  /** this job's counts and estimated bytes (computePlan always sets it) */
  summary?: PlanSummary;
  /** transfer steps in flight at once (replication.concurrency) when more than 1; absent: one at a time */
  concurrency?: number;
}

export type HookPhase = 'pre_snapshot' | 'post_snapshot' | 'post_replication';

/** One run of a hook command: what runs, where, with which timeout, for which datasets. */
export interface PlannedHook {
  phase: HookPhase;
  /** config host name it runs on (the source host for snapshot hooks, "local" after replication) */
  host: string;
  path: string;
  timeoutMs: number;
  errIsFatal: boolean;
  /** snapshot hooks: the pool whose batch it brackets, and the snapshot's short name */
  pool?: string;
  snapshot?: string;
  /** the datasets it is for: snapshot hooks, those of the batch its filesystems filter selects; post_replication,
   *  every source dataset the job selects */
  datasets: string[];
}

/** A dataset due for a snapshot that snapshotting.skip_empty leaves without one. */
export interface SkippedSnapshot {
  dataset: string;
  /** `written` since `since` (display only: a live dataset's written changes) */
  writtenBytes: number;
  /** the dataset's newest snapshot (ours), which already holds its state */
  since: string;
  reason: string;
}

export interface PlanSummary {
  snapshots: number;
  sends: number;
  sendBytes: number;
  holds: number;
  releases: number;
  bookmarks: number;
  destroys: number;
  rollbacks: number;
  renames: number;
  placeholders: number;
  aborts: number;
  errors: number;
  warnings: number;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  zformVersion: string;
  /** ISO time the plan was computed for (the `now` given to computePlan) */
  createdAt: string;
  configFile: string;
  configDigest: string;
  /** the planning flags: `zform apply PLANFILE` recomputes the plan with them and runs it only if identical */
  options: PlanOptions;
  jobs: JobPlan[];
  summary: PlanSummary;
}

/** What the plan was asked for (--job, --allow-rollback, --release-stale). */
export interface PlanOptions {
  /** the selected jobs, in config order */
  jobs: string[];
  allowRollback: boolean;
  releaseStale: boolean;
}
