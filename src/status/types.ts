// The status report: what each job's datasets look like in ZFS right now (schemas/status.schema.json).
import type { Conflict } from '../plan/types.js';

export const STATUS_FORMAT_VERSION = 1;

/** Worst first: a job's verdict is the worst of its own and its datasets' verdicts. */
export type Verdict = 'failing' | 'conflict' | 'lagging' | 'ok';
export const VERDICT_ORDER: Verdict[] = ['failing', 'conflict', 'lagging', 'ok'];

export interface SnapshotInfo {
  name: string;
  guid: string;
  /** ISO time of the snapshot's `creation` */
  createdAt: string;
}

export interface ResumeState {
  /** the snapshot being received (from the decoded token), null when the token could not be decoded */
  toname: string | null;
  /** bytes already received (the token's `bytes`), null when unknown */
  bytesDone: number | null;
  /** the plan resumes it (true) or must abort it (false) */
  usable: boolean;
  /** why it cannot be resumed, when it cannot */
  reason: string | null;
}

export interface DatasetStatus {
  source: string;
  target: string | null;
  verdict: Verdict;
  /** one line per reason the verdict is not ok */
  reasons: string[];
  /** newest source snapshot this job takes (snapshotting.prefix) or replicates (replication.snapshots) */
  lastSnapshot: SnapshotInfo | null;
  /** newest target snapshot whose GUID is on the source (null: nothing replicated yet, or no target) */
  newestReplicated: SnapshotInfo | null;
  /** seconds since newestReplicated's creation; null without one */
  lagSeconds: number | null;
  /** replicable source snapshots newer than newestReplicated (all of them when nothing is replicated) */
  pendingSnapshots: number;
  /** send lines the plan has for this dataset now */
  plannedSends: number;
  resume: ResumeState | null;
  /** this job's abstractions on the dataset pair */
  cursor: string | null;
  tentativeCursors: string[];
  /** snapshots (short names) with this job's step hold on the source */
  stepHolds: string[];
  /** target snapshots (short names) with this job's last-received hold */
  lastReceivedHolds: string[];
  conflicts: { summary: string; conflict: Conflict }[];
  /** other errors of the plan for this dataset */
  errors: string[];
}

export interface JobStatus {
  job: string;
  sourceHost: string;
  targetHost: string | null;
  verdict: Verdict;
  reasons: string[];
  /** hosts of this job that could not be listed (its verdict is then failing; status --nagios: UNKNOWN) */
  unlistedHosts: string[];
  /** lag above this makes a dataset lagging (seconds; 0 = any pending snapshot) */
  lagThresholdSeconds: number;
  /** newest lastSnapshot over the job's datasets */
  lastSnapshotAt: string | null;
  datasets: DatasetStatus[];
}

export interface StatusReport {
  formatVersion: typeof STATUS_FORMAT_VERSION;
  zformVersion: string;
  /** ISO time the status was computed for */
  createdAt: string;
  configFile: string;
  /** worst job verdict (ok with no jobs) */
  verdict: Verdict;
  jobs: JobStatus[];
}
