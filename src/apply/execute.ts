// Executes a plan action by action: snapshots first, then each dataset's chain in dependency
// order. A failure stops only its chain and the chains that depend on it; it never re-plans.
import type { Action, DatasetPlan, JobPlan, Plan, VersionRef } from '../plan/types.js';
import type { BandwidthLimit, Config, JobConfig } from '../config/types.js';
import type { ReceiveArgs, SendArgs, ZfsHost } from '../zfs/types.js';
import type { HostPool } from '../hosts.js';
import { makeCursorName, makeTentativeCursorName } from '../zfs/names.js';
import { runTransfer } from '../zfs/transfer.js';
import { ZformError } from '../errors.js';
import { withStep } from '../obs/context.js';
import { emptyTotals, type ApplyHooks, type ApplyResult, type DatasetOutcome, type ApplyTotals } from './events.js';

export interface ApplyOptions {
  hosts: HostPool;
  hooks?: ApplyHooks;
  /** aborting stops the running transfer (resumable state stays) and skips what is left */
  signal?: AbortSignal;
  clock?: () => Date;
}

export function fullName(ref: VersionRef): string {
  return `${ref.dataset}${ref.kind === 'snapshot' ? '@' : '#'}${ref.name}`;
}

/** The dataset an action works on, for reporting. */
function actionDataset(a: Action): string | null {
  switch (a.kind) {
    case 'snapshot': return null;
    case 'create_placeholder': case 'abort_resume': case 'rollback': case 'destroy_snapshots': return a.dataset;
    case 'hold': case 'release': return a.snapshots[0]?.dataset ?? null;
    case 'bookmark': return a.snapshot.dataset;
    case 'destroy_bookmarks': return a.bookmarks[0]?.dataset ?? null;
    case 'send': return a.targetDataset;
  }
}

/** Every snapshot a chain refers to that this plan creates (guid null), as full names. */
function plannedRefs(chain: Action[]): string[] {
  const out: string[] = [];
  const add = (r: VersionRef | null) => { if (r && r.guid === null && r.kind === 'snapshot') out.push(fullName(r)); };
  for (const a of chain) {
    if (a.kind === 'send') { add(a.to); add(a.from); a.includes.forEach(add); }
    if (a.kind === 'hold' || a.kind === 'release') a.snapshots.forEach(add);
    if (a.kind === 'bookmark') add(a.snapshot);
  }
  return out;
}

function errorLine(err: unknown): string {
  if (err instanceof ZformError) return err.shortMessage;
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

function minLimit(a?: BandwidthLimit, b?: BandwidthLimit): BandwidthLimit | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.maxBytesPerSecond <= b.maxBytesPerSecond ? a : b;
}

class Interrupted extends Error {}

/** Runs one job's plan. Separate per job so that a job-level lock can wrap it. */
export async function applyJob(jobPlan: JobPlan, job: JobConfig, opts: ApplyOptions): Promise<ApplyResult> {
  const clock = opts.clock ?? (() => new Date());
  const hooks = opts.hooks ?? (() => undefined);
  const totals = emptyTotals();
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

  // 1. Snapshots, one atomic batch per pool.
  for (const action of jobPlan.snapshots) {
    if (action.kind !== 'snapshot') continue;
    if (aborted()) { interrupted = true; break; }
    try {
      await run(action, null, async () => { await opts.hosts.get(action.host).snapshot(action.snapshots); return null; });
      totals.snapshots += action.snapshots.length;
    } catch (err) {
      if (err instanceof Interrupted) { interrupted = true; break; }
      const reason = `snapshot of pool ${action.pool} failed: ${errorLine(err)}`;
      snapshotFailures.push(`${jobPlan.job}: ${reason}`);
      for (const s of action.snapshots) failedSnapshots.set(s, reason);
    }
  }

  // 2. Dataset chains, parents first (the plan lists them in that order).
  const status = new Map<string, DatasetOutcome>();
  for (const ds of jobPlan.datasets) {
    const outcome: DatasetOutcome = { job: jobPlan.job, source: ds.source, target: ds.target, status: 'ok', reason: null, actionsDone: 0, actionsTotal: ds.actions.length };
    outcomes.push(outcome);
    status.set(ds.source, outcome);
    const errors = ds.diagnostics.filter((d) => d.severity === 'error');
    if (ds.actions.length === 0) {
      if (errors.length > 0) { outcome.status = 'conflict'; outcome.reason = errors[0]!.summary; }
      else outcome.status = 'unchanged';
      continue;
    }
    if (interrupted || aborted()) { interrupted = true; outcome.status = 'interrupted'; outcome.reason = 'interrupted before it started'; continue; }
    const blockedBy = ds.dependsOn.map((d) => status.get(d)).find((o) => o && (o.status === 'failed' || o.status === 'skipped' || o.status === 'interrupted'));
    const missingSnap = plannedRefs(ds.actions).map((n) => failedSnapshots.get(n)).find((r) => r !== undefined);
    if (blockedBy || missingSnap) {
      outcome.status = 'skipped';
      outcome.reason = blockedBy ? `parent ${blockedBy.source || blockedBy.target} did not complete` : missingSnap!;
      hooks({ type: 'dataset_skipped', at: clock(), job: jobPlan.job, dataset: ds.target ?? ds.source, reason: outcome.reason });
      continue;
    }
    try {
      for (const action of ds.actions) {
        if (aborted()) throw new Interrupted('interrupted');
        await run(action, actionDataset(action), () => executeAction(action, ds, job, opts, guidOf, totals, hooks, clock));
        outcome.actionsDone++;
      }
    } catch (err) {
      if (err instanceof Interrupted || aborted()) {
        interrupted = true;
        outcome.status = 'interrupted';
        outcome.reason = 'interrupted; the next plan resumes it';
      } else {
        outcome.status = 'failed';
        outcome.reason = errorLine(err);
      }
    }
  }
  return { outcomes, snapshotFailures, totals, interrupted };
}

async function executeAction(
  action: Action, ds: DatasetPlan, job: JobConfig, opts: ApplyOptions,
  guidOf: (host: string, ref: VersionRef) => Promise<string>, totals: ApplyTotals,
  hooks: ApplyHooks, clock: () => Date,
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
      totals.placeholders++;
      return null;
    }
    case 'abort_resume':
      await host.abortResumableReceive(action.dataset);
      totals.aborts++;
      return null;
    case 'rollback':
      await host.rollback(fullName(action.to), true);
      totals.rollbacks++;
      totals.destroys += action.destroys.length;
      return null;
    case 'hold':
      await host.hold(action.tag, action.snapshots.map(fullName));
      totals.holds++;
      return null;
    case 'release':
      await host.release(action.tag, action.snapshots.map(fullName));
      totals.releases++;
      return null;
    case 'bookmark': {
      let name = action.bookmark;
      if (name === null) {
        const guid = await guidOf(action.host, action.snapshot);
        name = action.role === 'cursor' ? makeCursorName(guid, job.name) : makeTentativeCursorName(guid, job.name);
      }
      await host.bookmark(fullName(action.snapshot), `${action.snapshot.dataset}#${name}`);
      totals.bookmarks++;
      return null;
    }
    case 'destroy_bookmarks': {
      const names = action.bookmarks.map(fullName);
      for (const d of action.derived ?? []) {
        const guid = await guidOf(action.host, d.snapshot);
        const short = d.role === 'cursor' ? makeCursorName(guid, job.name) : makeTentativeCursorName(guid, job.name);
        names.push(`${d.snapshot.dataset}#${short}`);
      }
      await host.destroy(names);
      totals.destroys += names.length;
      return null;
    }
    case 'destroy_snapshots':
      await host.destroy(action.snapshots.map((s) => fullName(s.ref)));
      totals.destroys += action.snapshots.length;
      return null;
    case 'send': {
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
        override: action.receive.override,
        inherit: action.receive.inherit,
      };
      const expected = await guidOf(action.host, action.to);
      const started = clock().getTime();
      const sendProc = host.send(sendArgs);
      const recvProc = target.receive(recvArgs);
      const { bytes } = await runTransfer(sendProc, recvProc, {
        bandwidth: minLimit(job.send.bandwidthLimit, job.recv.bandwidthLimit),
        signal: opts.signal,
        onProgress: (b: number) => hooks({
          type: 'apply_progress', at: clock(), job: job.name, dataset: action.targetDataset, action,
          bytes: b, estimatedBytes: action.estimatedBytes, elapsedMs: clock().getTime() - started,
        }),
      });
      // The cursor moves only after the target confirms the GUID it received.
      const got = (await target.getProperties(`${action.targetDataset}@${action.to.name}`, ['guid'])).guid;
      if (got !== expected) {
        throw new ZformError('zfs', `${action.targetHost}:${action.targetDataset}@${action.to.name} has GUID ${got ?? 'none'} after receive, expected ${expected}`);
      }
      // A forced receive replaced a placeholder: the dataset now holds data, so it is no longer one.
      if (action.receive.force) await target.setProperties(action.targetDataset, { 'zform:placeholder': 'off' });
      totals.sends++;
      totals.bytes += bytes;
      void ds;
      return bytes;
    }
  }
}

/** Applies every job of a plan in order (the caller holds the jobs' locks). */
export async function applyPlan(plan: Plan, config: Config, opts: ApplyOptions): Promise<ApplyResult> {
  const result: ApplyResult = { outcomes: [], snapshotFailures: [], totals: emptyTotals(), interrupted: false };
  for (const jp of plan.jobs) {
    const job = config.jobs.find((j) => j.name === jp.job);
    if (!job) throw new ZformError('stale_plan', `the plan has job "${jp.job}", which the configuration does not have; plan again`);
    if (opts.signal?.aborted) { result.interrupted = true; break; }
    const r = await applyJob(jp, job, opts);
    result.outcomes.push(...r.outcomes);
    result.snapshotFailures.push(...r.snapshotFailures);
    for (const k of Object.keys(result.totals) as (keyof ApplyTotals)[]) result.totals[k] += r.totals[k];
    if (r.interrupted) { result.interrupted = true; break; }
  }
  return result;
}
