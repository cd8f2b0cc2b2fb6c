// The ZFS access layer's data types and the ZfsHost interface (named after OpenZFS verbs).
import type { Readable, Writable } from 'node:stream';
import type { ZfsError } from './errors.js';
import type { StderrFilter } from './exec.js';
import type { Compression } from './wire.js';
import type { HookResult, HookRun } from './hook.js';

/** ZFS GUIDs are uint64: always decimal strings, never numbers. */
export type Guid = string;

export interface DatasetRecord {
  name: string;
  type: 'filesystem' | 'volume';
  guid: Guid;
  createtxg: number;
  /** "off" or the cipher, e.g. "aes-256-gcm" */
  encryption: string;
  encryptionRoot: string | null;
  keyStatus: 'available' | 'unavailable' | null;
  /** `receive_resume_token`, null when "-" */
  resumeToken: string | null;
  /** `origin`: the snapshot a clone was made from (`pool/fs@snap`), null when "-" */
  origin: string | null;
  /** `zform:placeholder=on` set locally (inherited values do not count) */
  placeholder: boolean;
  /** bytes written since the newest snapshot (`written`) */
  written: number;
}

export interface VersionRecord {
  kind: 'snapshot' | 'bookmark';
  /** dataset name, without @/# */
  dataset: string;
  /** short name after @ or # */
  name: string;
  guid: Guid;
  createtxg: number;
  /** unix seconds */
  creation: number;
  /** holds count (0 for bookmarks) */
  userrefs: number;
  /** `written` of a snapshot: bytes since the previous snapshot (0 for bookmarks) */
  written: number;
  /** `numclones` of a snapshot: datasets cloned from it, which `zfs destroy` refuses to leave without (0 for
   *  bookmarks, and in a listing that did not ask) */
  clones: number;
}

export interface HoldRecord {
  /** full snapshot name fs@snap */
  snapshot: string;
  tag: string;
  /** unix seconds, when known */
  created?: number;
}

/** Everything zform needs to know about one side, from a constant number of commands. */
export interface Listing {
  datasets: DatasetRecord[];
  /** sorted by dataset, then createtxg (bookmark before snapshot at equal txg) */
  versions: VersionRecord[];
  holds: HoldRecord[];
  /** The pools of listed roots that were missing, where the pool does not exist either (a typo in a target's root_fs:
   *  no placeholder can be created there). Present only when there are any. */
  absentPools?: string[];
}

export interface ResumeTokenInfo {
  /** full name of the snapshot being received, fs@snap */
  toname: string;
  toguid: Guid;
  fromguid?: Guid;
  rawok: boolean;
  compressok: boolean;
  embedok: boolean;
  largeblockok: boolean;
  /** bytes already received, when the token says */
  bytes?: number;
}

export interface SendFlags {
  raw: boolean;           // -w
  properties: boolean;    // -p
  backupProperties: boolean; // -b
  largeBlocks: boolean;   // -L
  compressed: boolean;    // -c
  embeddedData: boolean;  // -e
}

export type SendArgs =
  | { kind: 'full'; snapshot: string; flags: SendFlags }
  /** from is fs@snap or fs#bookmark; intermediates selects -I (all snapshots between) over -i */
  | { kind: 'incremental'; from: string; snapshot: string; intermediates: boolean; flags: SendFlags }
  /** `zfs send -t TOKEN`, no other flags (OpenZFS refuses most) */
  | { kind: 'resume'; token: string };

export interface ReceiveArgs {
  /** the target dataset (receive into `dataset`, stream names the snapshot) */
  dataset: string;
  resumable: boolean;     // -s
  /** -F: only ever for replacing a placeholder the plan showed */
  force: boolean;
  /** -u: do not mount */
  noMount: boolean;
  override: Record<string, string>; // -o p=v
  inherit: string[];                // -x p
  /** -o origin=SNAPSHOT: receive an incremental stream from a clone's origin as a clone of this snapshot */
  origin?: string;
}

/** One bookmark operation of a batch (ZfsHost.bookmarkGroups). */
export type BookmarkOp =
  | { op: 'bookmark'; snapshot: string; bookmark: string }
  | { op: 'destroy'; bookmark: string };

export interface BookmarkGroupFailure {
  /** index of the failed operation within its group */
  op: number;
  error: ZfsError;
}

export interface Features {
  resumableReceive: boolean;
  encryption: boolean;
  bookmarks: boolean;
  rawSend: boolean;
  /** zfs version string, e.g. "zfs-2.1.11-1+deb12u1" */
  version: string;
}

/** A running process on some host, e.g. `zfs send` whose stdout is the stream. */
export interface ZfsProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  /** started for a direct local transfer: its stdout pipe, for the receiver's stdin (transfer-direct.ts) */
  readonly stdoutPipe?: { readonly stream: Readable }; // an ExecPipe (exec.ts)
  /** resolves when the process ends; rejects with a ZfsError (stderr mapped) on failure */
  readonly done: Promise<void>;
  /** everything it wrote to stderr so far */
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
}

/** How a stream leaves (send) or reaches (receive) a host: compressed on the wire (wire.ts). */
export interface WireSide {
  compression: Compression;
  /** send only: reads `zfs send -v -P` on its stderr (send-progress.ts), the count of the stream before compression */
  progress?: StderrFilter;
}

export interface ZfsHost {
  /** the config's name for this host ("local", "nas") */
  readonly name: string;
  /** One constant-size batch of commands: datasets, snapshots, bookmarks, placeholders, holds under the roots.
   *  A root that does not exist contributes nothing (no error). */
  list(roots: string[]): Promise<Listing>;
  /** Snapshots of one pool in one atomic `zfs snapshot a@x b@x ...` (more names than the argument limit takes: in
   *  as few commands as fit, each atomic; a failure after some throws with `taken: string[]`, the snapshots that exist now) */
  snapshot(snapshots: string[]): Promise<void>;
  /** `zfs bookmark fs@snap fs#name`; an existing bookmark of the same GUID is fine */
  bookmark(snapshot: string, bookmark: string): Promise<void>;
  /** `zfs hold TAG snap...`; an existing tag is fine */
  hold(tag: string, snapshots: string[]): Promise<void>;
  /** Bookmark creations and destructions of many datasets at once, in groups: each group runs in order and stops at
   *  its first failure, the others go on; the result has, per group, null or that failure with the index of the
   *  operation that failed (those before it were done, those after it were not tried). Same idempotence as
   *  bookmark() and destroy(). One channel program per pool (`zfs program`) where the host runs them (root,
   *  OpenZFS >= 2.0), else one command per operation. */
  bookmarkGroups(groups: BookmarkOp[][]): Promise<(BookmarkGroupFailure | null)[]>;
  /** `zfs release TAG snap...`; a missing tag is fine */
  release(tag: string, snapshots: string[]): Promise<void>;
  /** destroy snapshots (batched `fs@a,b,c` per dataset) and bookmarks; missing ones are fine */
  destroy(names: string[]): Promise<void>;
  getProperties(dataset: string, props: string[]): Promise<Record<string, string>>;
  /** GUIDs of many datasets, snapshots and bookmarks in one `zfs get guid` (argv-size batches); a name that does
   *  not exist is absent from the result (no error) */
  getGuids(names: string[]): Promise<Map<string, Guid>>;
  setProperties(dataset: string, props: Record<string, string>): Promise<void>;
  /** `zfs create -o p=v ... fs` (placeholders); an existing dataset is an error */
  create(dataset: string, props: Record<string, string>): Promise<void>;
  /** `zfs rollback [-r] fs@snap` */
  rollback(snapshot: string, destroyNewer: boolean): Promise<void>;
  /** `zfs rename from to` (a filesystem within its pool; the parent of `to` must exist) */
  rename(from: string, to: string): Promise<void>;
  /** `zfs destroy dataset`, never -r: fails while it has snapshots or children (destroy those first, by name) */
  destroyDataset(dataset: string): Promise<void>;
  /** start `zfs send`; its stdout is the stream (with `wire`: compressed on this host) */
  send(args: SendArgs, wire?: WireSide): ZfsProcess;
  /** start `zfs receive`; write the stream to its stdin (with `wire`: compressed, decompressed on this host) */
  receive(args: ReceiveArgs, wire?: WireSide): ZfsProcess;
  /** Which of `programs` this host can run (one `command -v` of each in one command): the compressors of
   *  send.compression, checked while planning */
  findPrograms(programs: string[]): Promise<string[]>;
  /** Runs a hook command (not zfs, no privilege prefix) on this host through the same executor, killed past its
   *  timeout (hook.ts); a failing hook resolves with its exit, never rejects */
  runHook(run: HookRun): Promise<HookResult>;
  /** `zfs receive -A fs`; no resumable state is fine */
  abortResumableReceive(dataset: string): Promise<void>;
  decodeResumeToken(token: string): Promise<ResumeTokenInfo>;
  /** bytes, from `zfs send -nvP` */
  estimateSend(args: SendArgs): Promise<number>;
  features(): Promise<Features>;
  close(): Promise<void>;
}
