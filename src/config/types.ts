// The validated, normalised configuration: what the rest of zform reads (never raw YAML).
import type { BandwidthLimit, SshOptions } from '../zfs/options.js';
import type { Compression } from '../zfs/wire.js';

export type ProtectionMode = 'guarantee_resumability' | 'guarantee_incremental' | 'guarantee_nothing';
export type TimestampFormat = 'dense' | 'human' | 'iso-8601' | 'unix-seconds';

/** ssh: of a host (the zfs layer's own type) */
export type SshConfig = SshOptions;

export interface HostConfig {
  name: string;              // "local" is built in
  ssh?: SshConfig;           // absent for local
  /** argv prefix for zfs commands on that host, e.g. ["sudo", "-n"] */
  privilege: string[];
}

export type { BandwidthLimit };

export type GridInterval = { count: number; lengthMs: number; keep: number | 'all' };

export type PruneRule =
  | { type: 'grid'; grid: GridInterval[]; gridText: string; regex: string }
  | { type: 'last_n'; count: number; regex?: string }
  | { type: 'regex'; regex: string; negate: boolean }
  | { type: 'not_replicated'; keepSnapshotAtCursor: boolean };

/** A hook command (snapshotting.hooks, replication.hooks): an executable run with ZFORM_* variables, no arguments. */
export interface HookConfig {
  /** absolute path on the host that runs it */
  path: string;
  timeoutMs: number;
  errIsFatal: boolean;
  /** snapshot hooks: the datasets it is for (zrepl filter); absent: every dataset of the job */
  filesystems?: Record<string, boolean>;
}

export interface JobConfig {
  name: string;
  source: {
    host: string;
    /** zrepl filter syntax: "pool/a<" subtree, "pool/a" exact, "<" everything */
    filesystems: Record<string, boolean>;
  };
  target?: {
    host: string;
    rootFs: string;
  };
  snapshotting?: {
    prefix: string;
    intervalMs: number;
    timestampFormat: TimestampFormat;
    /** run before and after each pool's snapshot batch, on the source host (absent: none) */
    hooks?: HookConfig[];
    /** skip_empty: no new snapshot when `written` since the newest (prefixed) snapshot is below this (true = 1 byte);
     *  absent: never skipped */
    skipEmptyBelow?: number;
  };
  replication: {
    protection: { initial: ProtectionMode; incremental: ProtectionMode };
    /** regex source; only matching snapshots are replicated */
    snapshots?: string;
    initial: 'most_recent' | 'all';
    /** allow planning rollbacks of a diverged/modified target to the newest common snapshot */
    allowRollback: boolean;
    /** run after the job's replication on the machine zform runs on (absent: none) */
    hooks?: HookConfig[];
    /** destroy a target whose source dataset is gone once its newest snapshot is this old (absent: never) */
    destroyMissingMs?: number;
    /** plan `zfs rename` of a target whose source was renamed (recognised by GUID) instead of a full send */
    followRenames: boolean;
    /** receive a source clone as a clone of its origin's replica (default true); false: every dataset in full */
    clones: boolean;
    /** transfer steps of this job in flight at once (zrepl's replication.concurrency.steps); default 1 */
    concurrency: number;
  };
  send: {
    encrypted: boolean;
    raw: boolean;
    compressed: boolean;
    largeBlocks: boolean;
    embeddedData: boolean;
    properties: boolean;
    backupProperties: boolean;
    bandwidthLimit?: BandwidthLimit;
    /** compression on the wire of transfers with a remote side (absent: none) */
    compression?: Compression;
    /** bytes zform may hold between sender and receiver of a transfer through zform (absent: only its stream buffers) */
    bufferBytes?: number;
  };
  recv: {
    properties: { override: Record<string, string>; inherit: string[] };
    placeholder: { encryption: 'inherit' | 'off' };
    bandwidthLimit?: BandwidthLimit;
  };
  /** destroyEmpty: snapshots whose written is 0 go even when a rule keeps them (never a protected one) */
  pruning: { keepSource: PruneRule[]; keepTarget: PruneRule[]; destroyEmpty?: boolean };
}

export interface Config {
  /** path as given */
  file: string;
  /** sha256 hex of the file's bytes */
  digest: string;
  hosts: Record<string, HostConfig>;
  jobs: JobConfig[];
}
