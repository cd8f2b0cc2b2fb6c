// What computePlan needs: the config, what both sides of each job looked like, and the clock.
import type { Config } from '../config/types.js';
import type { Listing, ResumeTokenInfo } from '../zfs/types.js';
import type { HostPrograms } from './wire.js';

/** Both sides of one job, as listed; target null for a job without a target. */
export interface JobInventory {
  source: Listing;
  target: Listing | null;
}

/** A decoded resume token, or why it could not be decoded. */
export type DecodedResumeToken = ResumeTokenInfo | { error: string };

export interface PlanInput {
  config: Config;
  /** selected job names, in config order */
  jobs: string[];
  inventories: Record<string, JobInventory>;
  /** every resume token found on a target, by token text */
  resumeTokens: Record<string, DecodedResumeToken>;
  now: Date;
  zformVersion: string;
  /** --allow-rollback, OR-ed with each job's replication.allowRollback */
  allowRollback: boolean;
  /** --release-stale: plan the removal of holds and bookmarks of jobs not in the config (src/plan/stale-abstractions.ts) */
  releaseStale?: boolean;
  /** what `command -v` found on the hosts whose transfers send.compression compresses (src/plan/wire.ts); a host
   *  that is not here was not asked, and a compressed send to or from it is a plan error */
  programs?: Record<string, HostPrograms>;
  /** false: no dataset plan gets fingerprints (empty lists), for a plan that is only displayed (the human view shows
   *  none; JSON, plan files and a saved plan's check need them). Each costs a hash of the dataset's whole listing. */
  fingerprints?: boolean;
  /** per job, the hosts that could not be listed (such a job has no inventory and plans only an error) */
  listingFailures?: Record<string, { host: string; side: 'source' | 'target'; message: string }[]>;
}
