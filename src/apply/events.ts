// What apply reports while it runs (the views render these) and what it returns.
import type { Action, PlannedHook } from '../plan/types.js';

export type ApplyEvent =
  | { type: 'apply_start'; at: Date; job: string; dataset: string | null; action: Action }
  /** bytes: of the stream; wireBytes (a compressed send only): on the wire, compressed */
  | { type: 'apply_progress'; at: Date; job: string; dataset: string; action: Action; bytes: number; wireBytes?: number; estimatedBytes: number | null; elapsedMs: number }
  | { type: 'apply_complete'; at: Date; job: string; dataset: string | null; action: Action; bytes: number | null; wireBytes?: number; elapsedMs: number }
  | { type: 'apply_errored'; at: Date; job: string; dataset: string | null; action: Action; error: string; elapsedMs: number }
  | { type: 'dataset_skipped'; at: Date; job: string; dataset: string; reason: string }
  /** a hook ran: ok, or how it ended (`end`: "exit 3: …", "timed out after 30s and was killed"); its output, cut */
  | { type: 'hook_done'; at: Date; job: string; dataset: null; hook: PlannedHook; ok: boolean; end: string; stdout: string; stderr: string; elapsedMs: number };

export type ApplyHooks = (event: ApplyEvent) => void;

export type OutcomeStatus = 'ok' | 'failed' | 'skipped' | 'conflict' | 'interrupted' | 'unchanged';

export interface DatasetOutcome {
  job: string;
  source: string;
  target: string | null;
  status: OutcomeStatus;
  /** one line: why it failed or was skipped */
  reason: string | null;
  actionsDone: number;
  actionsTotal: number;
}

export interface ApplyTotals {
  sends: number;
  bytes: number;
  snapshots: number;
  destroys: number;
  holds: number;
  releases: number;
  bookmarks: number;
  rollbacks: number;
  placeholders: number;
  aborts: number;
}

export interface ApplyResult {
  outcomes: DatasetOutcome[];
  /** snapshot batches that failed, and hooks that failed with err_is_fatal: "job: reason" */
  snapshotFailures: string[];
  totals: ApplyTotals;
  interrupted: boolean;
}

export function emptyTotals(): ApplyTotals {
  return { sends: 0, bytes: 0, snapshots: 0, destroys: 0, holds: 0, releases: 0, bookmarks: 0, rollbacks: 0, placeholders: 0, aborts: 0 };
}
