// Executes a plan action by action: snapshots first, then each dataset's chain in dependency
// order. A failure stops only its chain and the chains that depend on it; it never re-plans.
import type { Action, JobPlan, Plan, PlannedHook, VersionRef } from '../plan/types.js';
import type { BandwidthLimit, Config, JobConfig } from '../config/types.js';
import type { BookmarkOp, ReceiveArgs, SendArgs, ZfsHost } from '../zfs/types.js';
import type { HostPool } from '../hosts.js';
import { makeCursorName, makeTentativeCursorName, PLACEHOLDER_PROPERTY } from '../zfs/names.js';
import { runHostTransfer } from '../zfs/transfer-direct.js';
import { parseCompression } from '../config/compression.js';
import { ZformError } from '../errors.js';
import { fullName } from '../plan/paths.js';
import { actionDataset, errorLine, runWaves, type SendAction, type Transferred, type WaveOps } from './waves.js';
import { runChains } from './chains.js';
import { createTransferSlots, type TransferSlots } from './slots.js';
import { TokenBucket } from '../zfs/ratelimit.js';
import { computeHostIsLocal } from '../zfs/transfer-direct.js';
import { withStep } from '../obs/context.js';
import { emptyTotals, type ApplyHooks, type ApplyResult, type DatasetOutcome } from './events.js';
import { addTotals, computeApplyTotals } from './totals.js';
import { computeOutcomeEnv, runPlannedHook } from './hooks.js';
import { monotonicMs } from '../clock.js';
import { COMMANDS_AT_ONCE, mapLimited } from '../limit.js';

export interface ApplyOptions {
  hosts: HostPool;
  hooks?: ApplyHooks;
  /** aborting stops the running transfer (resumable state stays) and skips what is left */
  signal?: AbortSignal;
  clock?: () => Date;
  /** transfers of all jobs at once (apply --parallelism); default: only the jobs' own replication.concurrency */
  parallelism?: number;
  /** the slots of the whole apply (applyPlan makes them from `parallelism`) */
  slots?: TransferSlots;
}

/** Every snapshot a chain refers to that this plan creates (guid null), as full names. */
function plannedRefs(chain: Action[]): string[] {
  const out: string[] = [];
  const add = (r: VersionRef | null) => { if (r && r.guid === null && r.kind === 'snapshot') out.push(fullName(r)); };
  for (const a of chain) {
    if (a.kind === 'send') { add(a.to); add(a.from); a.includes.forEach(add); }
    if (a.kind === 'hold' || a.kind === 'release') a.snapshots.forEach(add);
    if (a.kind === 'bookmark') add(a.snapshot);
    if (a.kind === 'destroy_snapshots') (a.assumes ?? []).forEach(add);
  }
  return out;
}

function minLimit(a?: BandwidthLimit, b?: BandwidthLimit): BandwidthLimit | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.maxBytesPerSecond <= b.maxBytesPerSecond ? a : b;
}

class Interrupted extends Error {}

/** The job's one bandwidth limit, shared by its concurrent transfers (the limit is per job, not per stream). */
function jobBucket(job: JobConfig): TokenBucket | undefined {
  const limit = minLimit(job.send.bandwidthLimit, job.recv.bandwidthLimit);
  return limit ? new TokenBucket(limit, monotonicMs) : undefined;
}

/** Runs one job's plan. Separate per job so that a job-level lock can wrap it. */
export async function applyJob(jobPlan: JobPlan, job: JobConfig, opts: ApplyOptions): Promise<ApplyResult> {
  const clock = opts.clock ?? (() => new Date());
  const hooks = opts.hooks ?? (() => undefined);
  const done: Action[] = [];
  let bytes = 0;
  const outcomes: DatasetOutcome[] = [];
  const snapshotFailures: string[] = [];
  const failedSnapshots = new Map<string, string>(); // full name -> reason
  const guids = new Map<string, string>(); // "host\0full" -> guid
  let interrupted = false;
  const aborted = () => opts.signal?.aborted ?? false;

  const guidOf = async (host: string, ref: VersionRef): Promise<string> => {
    if (ref.guid !== null) return ref.guid;
    const key = `${host}\0${fullName(ref)}`;
    const known = guids.get(key);
    if (known) return known;
    const props = await opts.hosts.get(host).getProperties(fullName(ref), ['guid']);
    const g = props.guid;
    if (!g || !/^\d+$/.test(g)) throw new ZformError('zfs', `cannot read the GUID of ${fullName(ref)} on ${host}`);
    guids.set(key, g);
    return g;
  };

  const run = async (action: Action, dataset: string | null, fn: () => Promise<number | null>) => {
    const started = clock();
    hooks({ type: 'apply_start', at: started, job: jobPlan.job, dataset, action });
    try {
      const bytes = await withStep({ job: jobPlan.job, dataset, step: action.id }, fn); // logs and traces name the step
      hooks({ type: 'apply_complete', at: clock(), job: jobPlan.job, dataset, action, bytes, elapsedMs: clock().getTime() - started.getTime() });
    } catch (err) {
      const msg = aborted() ? 'interrupted' : errorLine(err);
      hooks({ type: 'apply_errored', at: clock(), job: jobPlan.job, dataset, action, error: msg, elapsedMs: clock().getTime() - started.getTime() });
      if (aborted()) throw new Interrupted(msg);
      throw err;
    }
  };

  // 1. Snapshots, one atomic batch per pool, between the pool's pre_snapshot and post_snapshot hooks.
  for (const planned of jobPlan.snapshots) {
    if (planned.kind !== 'snapshot') continue;
    if (aborted()) { interrupted = true; break; }
    const ctx = { jobPlan, hosts: opts.hosts, hooks, clock, problems: snapshotFailures, failedSnapshots };
    const taken = await runSnapshotBatch(ctx, planned, (action) => run(action, null, async () => { await opts.hosts.get(action.host).snapshot(action.snapshots); return null; }));
    if (taken === 'interrupted') { interrupted = true; break; }
    if (taken) done.push(taken);
  }

  // 2. Dataset chains in waves (see waves.ts): the GUIDs of the snapshots just taken are read in one command,
  // then every ready chain runs its next action per wave, holds and releases batched across datasets and the
  // GUIDs that sends delivered confirmed in one command per target host.
  if (!interrupted && !aborted()) await prefetchGuids(jobPlan, opts.hosts, failedSnapshots, guids);
  const slots = opts.slots ?? createTransferSlots({ parallelism: opts.parallelism, remote: remoteHost(opts.hosts) });
  const bucket = jobBucket(job);
  const ops: WaveOps = {
    aborted, hooks, clock, initiallyInterrupted: interrupted,
    missingSnapshot: (ds) => plannedRefs(ds.actions).map((n) => failedSnapshots.get(n)).find((r) => r !== undefined),
    single: async (action) => run(action, actionDataset(action), () => executeAction(action, job, opts, guidOf)),
    batch: async (kind, host, tag, actions) => {
      const h = opts.hosts.get(host);
      const snaps = actions.flatMap((a) => (a.kind === 'hold' || a.kind === 'release' ? a.snapshots.map(fullName) : []));
      if (kind === 'hold') await h.hold(tag, snaps); else await h.release(tag, snaps);
    },
    bookkeep: (host, runs) => bookkeep(opts.hosts.get(host), runs, job, guidOf),
    // the send's zfs send and zfs receive are logged and traced as its step
    transferSlot: (action) => slots.acquire([action.host, action.targetHost]),
    transfer: (action) => withStep({ job: jobPlan.job, dataset: action.targetDataset, step: action.id }, () => executeTransfer(action, job, opts, guidOf, hooks, clock, bucket)),
    confirm: (targetHost, items) => confirmTransfers(opts.hosts.get(targetHost), targetHost, items, (b) => { bytes += b; }),
  };
  const r = (job.replication.concurrency ?? 1) > 1 ? await runChains(jobPlan, ops, job.replication.concurrency) : await runWaves(jobPlan, ops);
  outcomes.push(...r.outcomes);
  interrupted = interrupted || r.interrupted;
  // each outcome counts the chain's actions done, in order (runWaves keeps the plan's dataset order)
  jobPlan.datasets.forEach((ds, i) => done.push(...ds.actions.slice(0, r.outcomes[i]!.actionsDone)));
  // 3. After replication: the job's post_replication hooks, told how it went (not after an interruption).
  if (!interrupted && !aborted()) {
    for (const h of (jobPlan.hooks ?? []).filter((x) => x.phase === 'post_replication')) {
      const env = computeOutcomeEnv(outcomes, snapshotFailures, bytes, h.datasets);
      const hr = await runPlannedHook(opts.hosts, jobPlan, h, env, hooks, clock);
      if (!hr.ok && h.errIsFatal) snapshotFailures.push(`${jobPlan.job}: ${hr.line}`);
    }
  }
  return { outcomes, snapshotFailures, totals: computeApplyTotals(done, bytes), interrupted };
}

interface BatchContext {
  jobPlan: JobPlan;
  hosts: HostPool;
  hooks: ApplyHooks;
  clock: () => Date;
  /** the job's reported failures (appended to) */
  problems: string[];
  /** full snapshot name -> why it was not taken (appended to) */
  failedSnapshots: Map<string, string>;
}

type SnapshotAction = Extract<Action, { kind: 'snapshot' }>;

/** One pool's snapshot batch between its hooks: the pre_snapshot hooks, the batch without the datasets of a failed
 *  fatal one, the post_snapshot hooks (told ok, failed or skipped). Returns the action as taken, null when nothing was
 *  taken (or those taken before a failure), 'interrupted' when the run was interrupted during the snapshot (no post
 *  hook then). */
async function runSnapshotBatch(
  ctx: BatchContext, planned: SnapshotAction, take: (action: SnapshotAction) => Promise<void>,
): Promise<SnapshotAction | null | 'interrupted'> {
  const { jobPlan, hosts, hooks, clock, problems, failedSnapshots } = ctx;
  const hooksOf = (phase: string) => (jobPlan.hooks ?? []).filter((h) => h.phase === phase && h.pool === planned.pool);
  const blocked = await runPreSnapshotHooks(jobPlan, hooksOf('pre_snapshot'), hosts, hooks, clock, problems);
  const isBlocked = (s: string) => blocked.has(s.slice(0, s.indexOf('@')));
  const action = { ...planned, snapshots: planned.snapshots.filter((s) => !isBlocked(s)) };
  // by the set, not by `includes` on the batch: that was quadratic (20,000 due snapshots: 6.5 s of CPU)
  for (const s of planned.snapshots) if (isBlocked(s)) failedSnapshots.set(s, 'not taken: a pre_snapshot hook with err_is_fatal failed');
  let outcome = action.snapshots.length === 0 ? 'skipped' : 'ok';
  let partial: SnapshotAction | null = null;
  try {
    if (action.snapshots.length > 0) await take(action);
  } catch (err) {
    if (err instanceof Interrupted) return 'interrupted';
    // more names than one command takes went in several, each atomic: those before the failing one were taken
    const taken = new Set(takenBeforeFailure(err));
    const reason = `snapshot of pool ${action.pool} failed: ${errorLine(err)}`;
    problems.push(`${jobPlan.job}: ${reason}${taken.size > 0 ? ` (${taken.size} of its ${action.snapshots.length} snapshots were taken)` : ''}`);
    for (const s of action.snapshots) if (!taken.has(s)) failedSnapshots.set(s, reason);
    outcome = 'failed';
    if (taken.size > 0) partial = { ...action, snapshots: action.snapshots.filter((s) => taken.has(s)) };
  }
  for (const h of hooksOf('post_snapshot')) {
    const r = await runPlannedHook(hosts, jobPlan, h, { ZFORM_OUTCOME: outcome }, hooks, clock);
    if (!r.ok && h.errIsFatal) problems.push(`${jobPlan.job}: ${r.line}`);
  }
  return outcome === 'ok' ? action : partial;
}

/** The snapshots a failed ZfsHost.snapshot took before the command that failed (its error's `taken`). */
function takenBeforeFailure(err: unknown): string[] {
  const taken = (err as { taken?: unknown } | null)?.taken;
  return Array.isArray(taken) ? taken.filter((s): s is string => typeof s === 'string') : [];
}

/** Runs a pool's pre_snapshot hooks in order; returns the datasets whose snapshot must not be taken (those of a hook
 *  with err_is_fatal that failed or timed out), and reports each such failure. A hook without err_is_fatal that
 *  fails is logged only (the hook_done event). */
async function runPreSnapshotHooks(
  jobPlan: JobPlan, pre: PlannedHook[], hosts: HostPool, hooks: ApplyHooks, clock: () => Date, problems: string[],
): Promise<Set<string>> {
  const blocked = new Set<string>();
  for (const h of pre) {
    const r = await runPlannedHook(hosts, jobPlan, h, {}, hooks, clock);
    if (r.ok || !h.errIsFatal) continue;
    for (const d of h.datasets) blocked.add(d);
    problems.push(`${jobPlan.job}: ${r.line}: no snapshot of ${h.datasets.join(', ')} (err_is_fatal)`);
  }
  return blocked;
}

async function executeAction(
  action: Action, job: JobConfig, opts: ApplyOptions, guidOf: (host: string, ref: VersionRef) => Promise<string>,
): Promise<number | null> {
  const host: ZfsHost = opts.hosts.get(action.host);
  switch (action.kind) {
    case 'snapshot':
      throw new ZformError('internal', 'snapshot actions run before the dataset chains');
    case 'create_placeholder': {
      const props: Record<string, string> = { 'zform:placeholder': 'on', mountpoint: 'none' };
      if (action.encryption === 'off') props.encryption = 'off';
      try {
        await host.create(action.dataset, props);
      } catch (err) {
        // Idempotent: a placeholder left by an earlier run is fine; anything else is not.
        const existing = await host.getProperties(action.dataset, ['zform:placeholder']).catch(() => null);
        if (existing?.['zform:placeholder'] !== 'on') throw err;
      }
      return null;
    }
    case 'abort_resume':
      await host.abortResumableReceive(action.dataset);
      return null;
    case 'rollback':
      await checkRollback(host, action);
      await host.rollback(fullName(action.to), true);
      return null;
    case 'hold':
      await host.hold(action.tag, action.snapshots.map(fullName));
      return null;
    case 'release':
      await host.release(action.tag, action.snapshots.map(fullName));
      return null;
    case 'bookmark':
    case 'destroy_bookmarks': {
      const ops = await bookmarkOps(action, job, guidOf);
      if (action.kind === 'bookmark') await host.bookmark(fullName(action.snapshot), ops[0]!.bookmark);
      else await host.destroy(ops.map((o) => o.bookmark));
      return null;
    }
    case 'destroy_snapshots': {
      // The listing may be hours old by now (pruning runs after every send): a snapshot destroyed and taken again
      // under the same name since then is not the one planned, and is kept. The others are destroyed.
      const refs = action.snapshots.map((s) => s.ref);
      const changed = await changedVersions(host, refs);
      await host.destroy(refs.filter((r) => !changed.has(r)).map(fullName));
      if (changed.size > 0) throw staleVersions(action.host, changed);
      return null;
    }
    case 'rename_dataset':
      await checkDatasetGuid(host, action.host, action.dataset, action.guid);
      await host.rename(action.dataset, action.to);
      return null;
    case 'destroy_dataset':
      // what the plan names, then the dataset without -r: a snapshot or child the plan did not show makes it fail
      await checkDatasetGuid(host, action.host, action.dataset, action.guid);
      await checkVersionGuids(host, action.host, action.destroys);
      if (action.destroys.length > 0) await host.destroy(action.destroys.map(fullName));
      await host.destroyDataset(action.dataset);
      return null;
    case 'send':
      throw new ZformError('internal', 'sends run as transfers whose GUIDs the wave confirms');
  }
}

/** Of the planned versions with a known GUID, those that exist now under another GUID (with it): taken again under
 *  the same name since the listing. One batched `zfs get guid`; a version gone meanwhile is not changed. */
async function changedVersions(host: ZfsHost, refs: VersionRef[]): Promise<Map<VersionRef, string>> {
  const known = refs.filter((r) => r.guid !== null);
  const out = new Map<VersionRef, string>();
  if (known.length === 0) return out;
  const now = await host.getGuids(known.map(fullName));
  for (const r of known) {
    const g = now.get(fullName(r));
    if (g !== undefined && g !== r.guid) out.set(r, g);
  }
  return out;
}

function staleVersions(hostName: string, changed: Map<VersionRef, string>): ZformError {
  const list = [...changed].map(([r, g]) => `${hostName}:${fullName(r)} has GUID ${g}, the plan was made for ${r.guid ?? 'none'}`);
  return new ZformError('stale_plan', `${list.join('; ')}: taken again since it was listed, so left alone; plan again`);
}

/** The versions are still the ones planned (or gone): a throw names those taken again under the same name. */
async function checkVersionGuids(host: ZfsHost, hostName: string, refs: VersionRef[]): Promise<void> {
  const changed = await changedVersions(host, refs);
  if (changed.size > 0) throw staleVersions(hostName, changed);
}

/** `zfs rollback -r` destroys every snapshot after the one it rolls back to: those must be exactly the ones the plan
 *  shows (by GUID), and the snapshot the one planned. A snapshot taken since the listing (e.g. by another tool on the
 *  backup host) fails the dataset instead of being destroyed unseen. */
async function checkRollback(host: ZfsHost, action: Extract<Action, { kind: 'rollback' }>): Promise<void> {
  const versions = (await host.list([action.dataset])).versions.filter((v) => v.dataset === action.dataset && v.kind === 'snapshot');
  const to = versions.find((v) => v.name === action.to.name);
  const stale = (why: string) => new ZformError('stale_plan', `${action.host}:${action.dataset}: ${why} since the plan was made, so it is not rolled back; plan again`);
  if (!to) throw stale(`@${action.to.name} is gone`);
  if (action.to.guid !== null && to.guid !== action.to.guid) throw stale(`@${action.to.name} was taken again (GUID ${to.guid}, planned ${action.to.guid})`);
  const planned = new Set(action.destroys.map((r) => r.guid ?? `@${r.name}`));
  const newer = versions.filter((v) => v.createtxg > to.createtxg);
  const unseen = newer.filter((v) => !planned.has(v.guid) && !planned.has(`@${v.name}`));
  if (unseen.length > 0) throw stale(`${unseen.map((v) => `@${v.name}`).join(', ')} ${unseen.length === 1 ? 'was' : 'were'} taken`);
}

/** The dataset is still the one planned (a dataset created again under that name has another GUID). */
async function checkDatasetGuid(host: ZfsHost, hostName: string, dataset: string, guid: string): Promise<void> {
  const got = (await host.getProperties(dataset, ['guid'])).guid;
  if (got !== guid) throw new ZformError('stale_plan', `${hostName}:${dataset} has GUID ${got ?? 'none'}, the plan was made for ${guid}; plan again`);
}

/** The bookmark operations of a bookmark or destroy_bookmarks action, with the names known only after the
 *  snapshots were taken (cursors named by their GUID) resolved. */
async function bookmarkOps(action: Action, job: JobConfig, guidOf: (host: string, ref: VersionRef) => Promise<string>): Promise<BookmarkOp[]> {
  const derivedName = async (role: string, snapshot: VersionRef) => {
    const guid = await guidOf(action.host, snapshot);
    return `${snapshot.dataset}#${role === 'cursor' ? makeCursorName(guid, job.name) : makeTentativeCursorName(guid, job.name)}`;
  };
  if (action.kind === 'bookmark') {
    const bookmark = action.bookmark === null ? await derivedName(action.role, action.snapshot) : `${action.snapshot.dataset}#${action.bookmark}`;
    return [{ op: 'bookmark', snapshot: fullName(action.snapshot), bookmark }];
  }
  if (action.kind !== 'destroy_bookmarks') throw new ZformError('internal', `${action.kind} is not bookkeeping`);
  const names = action.bookmarks.map(fullName);
  for (const d of action.derived ?? []) names.push(await derivedName(d.role, d.snapshot));
  return names.map((bookmark) => ({ op: 'destroy', bookmark }));
}

/** Many chains' bookkeeping runs on one host (see WaveOps.bookkeep): one bookmarkGroups call, i.e. one channel
 *  program per pool where the host runs them. */
async function bookkeep(
  host: ZfsHost, runs: Action[][], job: JobConfig, guidOf: (host: string, ref: VersionRef) => Promise<string>,
): Promise<{ done: number; error?: unknown }[]> {
  // Resolve every name first: a run whose name cannot be resolved stops there, before any of its operations.
  const prepared = await Promise.all(runs.map(async (run) => {
    const ops: BookmarkOp[] = [];
    const actionOf: number[] = [];
    for (const [k, a] of run.entries()) {
      try {
        const o = await bookmarkOps(a, job, guidOf);
        ops.push(...o);
        actionOf.push(...o.map(() => k));
      } catch (error) {
        return { ops, actionOf, stoppedAt: k, error };
      }
    }
    return { ops, actionOf, stoppedAt: run.length, error: undefined as unknown };
  }));
  let errors: Awaited<ReturnType<ZfsHost['bookmarkGroups']>>;
  try {
    errors = await host.bookmarkGroups(prepared.map((p) => p.ops));
  } catch (error) {
    // The host failed as a whole (e.g. its SSH connection was lost): every run fails there, counted as not done
    // (the next plan lists what was), as a failed send or hold would; the other datasets and jobs go on.
    return prepared.map(() => ({ done: 0, error }));
  }
  return prepared.map((p, i) => {
    const err = errors[i];
    let done = p.stoppedAt;
    let error = p.error;
    if (err) {
      done = p.actionOf[err.op]!; // the actions before the one whose operation failed are done
      error = err.error;
    }
    return { done, error };
  });
}

/** Confirms the GUIDs transfers to one host delivered (one `zfs get` when it can), and turns a replaced placeholder
 *  into a plain dataset: per item, null or the error that fails its chain. `delivered` counts the bytes of each confirmed one. */
async function confirmTransfers(t: ZfsHost, targetHost: string, items: Transferred[], delivered: (bytes: number) => void): Promise<unknown[]> {
  const names = items.map((i) => `${i.action.targetDataset}@${i.action.to.name}`);
  const got = await t.getGuids(names).catch(() => null);
  // one command per item only when the batched check failed, or for a replaced placeholder: a few at a time
  return mapLimited(items, COMMANDS_AT_ONCE, async (i, k) => {
    try {
      const g = got ? got.get(names[k]!) : (await t.getProperties(names[k]!, ['guid'])).guid;
      if (g !== i.expected) {
        throw new ZformError('zfs', `${targetHost}:${names[k]} has GUID ${g ?? 'none'} after receive, expected ${i.expected}`);
      }
      // A forced receive replaced a placeholder: the dataset now holds data, so it is no longer one.
      if (i.action.receive.force) await t.setProperties(i.action.targetDataset, { [PLACEHOLDER_PROPERTY]: 'off' });
      delivered(i.bytes);
      return null;
    } catch (err) {
      return err;
    }
  });
}

/** Streams one send into its receive; the caller confirms the GUID before any cursor moves. */
async function executeTransfer(
  action: SendAction, job: JobConfig, opts: ApplyOptions,
  guidOf: (host: string, ref: VersionRef) => Promise<string>, hooks: ApplyHooks, clock: () => Date, bucket?: TokenBucket,
): Promise<{ bytes: number; wireBytes?: number; expected: string }> {
  const host: ZfsHost = opts.hosts.get(action.host);
  const target = opts.hosts.get(action.targetHost);
  const sendArgs: SendArgs = action.mode === 'resume'
    ? { kind: 'resume', token: action.token ?? '' }
    : action.from
      ? { kind: 'incremental', from: fullName(action.from), snapshot: fullName(action.to), intermediates: action.intermediates, flags: action.flags }
      : { kind: 'full', snapshot: fullName(action.to), flags: action.flags };
  if (sendArgs.kind === 'resume' && !sendArgs.token) throw new ZformError('internal', `resume step for ${action.targetDataset} has no token`);
  const recvArgs: ReceiveArgs = {
    dataset: action.targetDataset,
    resumable: action.receive.resumable,
    force: action.receive.force,
    noMount: true,
    // A forced receive replaces a placeholder: the dataset it makes is none, in the same receive (a run killed right
    // after it would otherwise leave zform:placeholder=on on a dataset with data, passed over by every job for good;
    // confirmTransfers still sets it off, for a receive that ran before this)
    override: action.receive.force ? { ...action.receive.override, [PLACEHOLDER_PROPERTY]: 'off' } : action.receive.override,
    inherit: action.receive.inherit,
    ...(action.receive.origin !== undefined ? { origin: action.receive.origin } : {}),
  };
  const expected = await guidOf(action.host, action.to);
  const started = clock().getTime();
  // both on this machine: zfs receive reads zfs send's pipe directly (transfer-direct.ts)
  // compressed on the wire as the plan says (send.compression; never between two local ends); buffered by send.buffer
  const compression = action.compression !== undefined ? parseCompression(action.compression) : null;
  const { bytes, wireBytes } = await runHostTransfer(host, target, sendArgs, recvArgs, {
    bandwidth: minLimit(job.send.bandwidthLimit, job.recv.bandwidthLimit),
    ...(bucket ? { limiter: { bucket } } : {}),
    ...(compression ? { compression } : {}),
    ...(job.send.bufferBytes !== undefined ? { bufferBytes: job.send.bufferBytes } : {}),
    signal: opts.signal,
    onProgress: (b: number, w?: number) => hooks({
      type: 'apply_progress', at: clock(), job: job.name, dataset: action.targetDataset, action,
      bytes: b, ...(w !== undefined ? { wireBytes: w } : {}), estimatedBytes: action.estimatedBytes, elapsedMs: clock().getTime() - started,
    }),
  });
  return { bytes, ...(wireBytes !== undefined ? { wireBytes } : {}), expected };
}

/** One `zfs get guid` on the source host for every snapshot this job just took (a failure leaves guidOf to ask). */
async function prefetchGuids(jobPlan: JobPlan, hosts: HostPool, failed: Map<string, string>, guids: Map<string, string>): Promise<void> {
  const names = [...new Set(jobPlan.datasets.flatMap((d) => plannedRefs(d.actions)))].filter((n) => !failed.has(n));
  if (names.length === 0) return;
  const got = await hosts.get(jobPlan.sourceHost).getGuids(names).catch(() => null);
  for (const [n, g] of got ?? []) guids.set(`${jobPlan.sourceHost}\0${n}`, g);
}

/** Whether a host is reached over SSH (it then has a transfer ceiling of its own). */
function remoteHost(hosts: HostPool): (name: string) => boolean {
  return (name) => !computeHostIsLocal(hosts.get(name));
}

/** Jobs that share no host: each group runs its jobs one after another, the groups at once (in plan order). */
export function computeJobGroups(jobs: JobPlan[]): JobPlan[][] {
  const groups: { hosts: Set<string>; jobs: JobPlan[] }[] = [];
  for (const jp of jobs) {
    const hosts = [jp.sourceHost, ...(jp.targetHost ? [jp.targetHost] : [])];
    const joined = groups.filter((g) => hosts.some((h) => g.hosts.has(h)));
    const into = joined[0] ?? { hosts: new Set<string>(), jobs: [] };
    if (!joined[0]) groups.push(into);
    for (const other of joined.slice(1)) { // a job joining two groups merges them
      other.hosts.forEach((h) => into.hosts.add(h));
      into.jobs.push(...other.jobs);
      groups.splice(groups.indexOf(other), 1);
    }
    hosts.forEach((h) => into.hosts.add(h));
    into.jobs.push(jp);
  }
  return groups.map((g) => g.jobs);
}

/** Applies every job of a plan (the caller holds the jobs' locks): jobs on different hosts at once, jobs sharing a
 *  host one after another; the transfers of all of them within --parallelism and each SSH host's ceiling. */
export async function applyPlan(plan: Plan, config: Config, opts: ApplyOptions): Promise<ApplyResult> {
  const jobs = plan.jobs.map((jp) => {
    const job = config.jobs.find((j) => j.name === jp.job);
    if (!job) throw new ZformError('stale_plan', `the plan has job "${jp.job}", which the configuration does not have; plan again`);
    return job;
  });
  const slots = opts.slots ?? createTransferSlots({ parallelism: opts.parallelism, remote: remoteHost(opts.hosts) });
  const results = new Map<JobPlan, ApplyResult>();
  let stopped = false;
  // every group runs to its end even when another throws: no job may go on after apply returned (and its locks
  // were released); the first error is thrown then
  const settled = await Promise.allSettled(computeJobGroups(plan.jobs).map(async (group) => {
    for (const jp of group) {
      if (stopped || opts.signal?.aborted) { stopped = true; break; }
      const r = await applyJob(jp, jobs[plan.jobs.indexOf(jp)]!, { ...opts, slots });
      results.set(jp, r);
      if (r.interrupted) { stopped = true; break; }
    }
  }));
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  const result: ApplyResult = { outcomes: [], snapshotFailures: [], totals: emptyTotals(), interrupted: stopped };
  for (const jp of plan.jobs) {
    const r = results.get(jp);
    if (!r) continue;
    result.outcomes.push(...r.outcomes);
    result.snapshotFailures.push(...r.snapshotFailures);
    addTotals(result.totals, r.totals);
  }
  return result;
}
