// Runs a job's dataset chains in waves, so that what ZFS can batch costs one command for many datasets: each wave
// takes the next action of every ready chain; holds and releases of one tag on one host go into one command (a
// failure of that command falls back to one command per chain, which isolates the dataset that failed); sends run
// one after another, then one `zfs get guid` per target host confirms what they delivered before any chain's next
// action (the cursor move) can run; the bookmarks chains create and destroy (cursor moves) go into one channel program
// per host and pool. A chain starts once the chains it depends on (its parents) have completed.
import type { Action, DatasetPlan, JobPlan } from '../plan/types.js';
import type { ApplyHooks, DatasetOutcome } from './events.js';
import { ZformError } from '../errors.js';
import { addTo } from '../multimap.js';

export type SendAction = Extract<Action, { kind: 'send' }>;
type BatchKind = 'hold' | 'release';
const BOOKKEEPING = new Set<Action['kind']>(['bookmark', 'destroy_bookmarks']);

/** A transfer that ended well and waits for its GUID confirmation. */
export interface Transferred { action: SendAction; bytes: number; expected: string }

export interface WaveOps {
  aborted(): boolean;
  hooks: ApplyHooks;
  clock: () => Date;
  /** why a chain cannot start because a snapshot it needs was not taken, if so */
  missingSnapshot(ds: DatasetPlan): string | undefined;
  /** a snapshot batch was interrupted: no chain starts */
  initiallyInterrupted: boolean;
  /** runs one action with its events; throws on failure */
  single(action: Action, ds: DatasetPlan): Promise<void>;
  /** one command for the holds (releases) of many chains; throws if any failed (then each runs on its own) */
  batch(kind: BatchKind, host: string, tag: string, actions: Action[]): Promise<void>;
  /** the bookmark bookkeeping of many chains on one host in one command per pool: each item is one chain's run of
   *  consecutive bookmark and destroy_bookmarks actions; per item, how many of them were done and, if it stopped
   *  early, why */
  bookkeep(host: string, items: Action[][]): Promise<{ done: number; error?: unknown }[]>;
  /** streams a send into its receive (no events: the wave reports them) */
  transfer(action: SendAction, ds: DatasetPlan): Promise<{ bytes: number; expected: string }>;
  /** confirms the GUIDs that transfers to one host delivered: per item, null or the error that fails its chain */
  confirm(targetHost: string, items: Transferred[]): Promise<unknown[]>;
}

interface Chain { ds: DatasetPlan; outcome: DatasetOutcome; next: number; state: 'waiting' | 'running' | 'done' }
interface Item { c: Chain; a: Action }

export function errorLine(err: unknown): string {
  if (err instanceof ZformError) return err.shortMessage;
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

/** The dataset an action works on, for reporting. */
export function actionDataset(a: Action): string | null {
  switch (a.kind) {
    case 'snapshot': return null;
    case 'create_placeholder': case 'abort_resume': case 'rollback': case 'destroy_snapshots': return a.dataset;
    case 'hold': case 'release': return a.snapshots[0]?.dataset ?? null;
    case 'bookmark': return a.snapshot.dataset;
    case 'destroy_bookmarks': return a.bookmarks[0]?.dataset ?? null;
    case 'send': return a.targetDataset;
  }
}

const BLOCKING = new Set(['failed', 'skipped', 'interrupted']);

export async function runWaves(jobPlan: JobPlan, ops: WaveOps): Promise<{ outcomes: DatasetOutcome[]; interrupted: boolean }> {
  const job = jobPlan.job;
  const outcomes: DatasetOutcome[] = [];
  const chains: Chain[] = [];
  const chainOf = new Map<string, Chain>();
  const status = new Map<string, DatasetOutcome>();
  let interrupted = ops.initiallyInterrupted;

  for (const ds of jobPlan.datasets) {
    const outcome: DatasetOutcome = { job, source: ds.source, target: ds.target, status: 'ok', reason: null, actionsDone: 0, actionsTotal: ds.actions.length };
    outcomes.push(outcome);
    status.set(ds.source, outcome);
    if (ds.actions.length === 0) {
      const errors = ds.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) { outcome.status = 'conflict'; outcome.reason = errors[0]!.summary; } else outcome.status = 'unchanged';
      continue;
    }
    const c: Chain = { ds, outcome, next: 0, state: 'waiting' };
    chains.push(c);
    chainOf.set(ds.source, c);
  }

  const advance = (c: Chain) => {
    c.outcome.actionsDone++;
    c.next++;
    if (c.next === c.ds.actions.length) c.state = 'done';
  };
  const stop = (c: Chain, err: unknown) => {
    c.state = 'done';
    if (ops.aborted()) {
      interrupted = true;
      c.outcome.status = 'interrupted';
      c.outcome.reason = 'interrupted; the next plan resumes it';
    } else {
      c.outcome.status = 'failed';
      c.outcome.reason = errorLine(err);
    }
  };
  const event = (type: 'apply_start' | 'apply_complete', a: Action, startedAt: Date, bytes: number | null = null) => {
    const dataset = actionDataset(a);
    if (type === 'apply_start') ops.hooks({ type, at: startedAt, job, dataset, action: a });
    else ops.hooks({ type, at: ops.clock(), job, dataset, action: a, bytes, elapsedMs: ops.clock().getTime() - startedAt.getTime() });
  };
  const errored = (a: Action, startedAt: Date, err: unknown) => ops.hooks({
    type: 'apply_errored', at: ops.clock(), job, dataset: actionDataset(a), action: a,
    error: ops.aborted() ? 'interrupted' : errorLine(err), elapsedMs: ops.clock().getTime() - startedAt.getTime(),
  });

  /** Starts the waiting chains whose parents completed; skips those whose parents did not. */
  const startReady = () => {
    for (const c of chains) {
      if (c.state !== 'waiting') continue;
      if (interrupted || ops.aborted()) {
        interrupted = true;
        c.state = 'done';
        c.outcome.status = 'interrupted';
        c.outcome.reason = 'interrupted before it started';
        continue;
      }
      const deps = c.ds.dependsOn.map((d) => status.get(d)).filter((o): o is DatasetOutcome => o !== undefined);
      const blockedBy = deps.find((o) => BLOCKING.has(o.status));
      if (!blockedBy && deps.some((o) => { const dc = chainOf.get(o.source); return dc !== undefined && dc.state !== 'done'; })) continue;
      const missing = blockedBy ? undefined : ops.missingSnapshot(c.ds);
      if (blockedBy || missing) {
        c.state = 'done';
        c.outcome.status = 'skipped';
        c.outcome.reason = blockedBy ? `parent ${blockedBy.source || blockedBy.target} did not complete` : missing!;
        ops.hooks({ type: 'dataset_skipped', at: ops.clock(), job, dataset: c.ds.target ?? c.ds.source, reason: c.outcome.reason });
        continue;
      }
      c.state = 'running';
    }
  };

  const runSingle = async (it: Item) => {
    if (ops.aborted()) { stop(it.c, null); return; }
    try { await ops.single(it.a, it.c.ds); advance(it.c); } catch (err) { stop(it.c, err); }
  };

  const wave = async (active: Chain[]) => {
    const groups = new Map<string, Item[]>();
    const singles: Item[] = [];
    const sends: (Item & { a: SendAction })[] = [];
    const bookkeeping = new Map<string, { c: Chain; run: Action[] }[]>();
    for (const c of active) {
      const a = c.ds.actions[c.next]!;
      if (BOOKKEEPING.has(a.kind)) {
        const run: Action[] = [];
        for (let k = c.next; k < c.ds.actions.length; k++) {
          const b = c.ds.actions[k]!;
          if (!BOOKKEEPING.has(b.kind) || b.host !== a.host) break;
          run.push(b);
        }
        addTo(bookkeeping, a.host, { c, run });
      } else if (a.kind === 'hold' || a.kind === 'release') {
        const key = `${a.kind}\0${a.host}\0${a.tag}`;
        addTo(groups, key, { c, a });
      } else if (a.kind === 'send') sends.push({ c, a });
      else singles.push({ c, a });
    }
    for (const g of groups.values()) {
      const a0 = g[0]!.a as Extract<Action, { kind: BatchKind }>;
      if (g.length === 1 || ops.aborted()) { singles.push(...g); continue; }
      const startedAt = ops.clock();
      try {
        await ops.batch(a0.kind, a0.host, a0.tag, g.map((i) => i.a));
      } catch {
        singles.push(...g); // one command per chain: the failure lands on its own dataset
        continue;
      }
      for (const it of g) { event('apply_start', it.a, startedAt); event('apply_complete', it.a, startedAt); advance(it.c); }
    }
    for (const [host, g] of bookkeeping) {
      if (ops.aborted() || g.reduce((n, i) => n + i.run.length, 0) === 1) { singles.push(...g.map((i) => ({ c: i.c, a: i.run[0]! }))); continue; }
      const startedAt = ops.clock();
      const results = await ops.bookkeep(host, g.map((i) => i.run));
      g.forEach((it, k) => {
        const r = results[k]!;
        for (const a of it.run.slice(0, r.done)) { event('apply_start', a, startedAt); event('apply_complete', a, startedAt); advance(it.c); }
        if (r.done < it.run.length) {
          const failed = it.run[r.done]!;
          event('apply_start', failed, startedAt);
          errored(failed, startedAt, r.error);
          stop(it.c, r.error);
        }
      });
    }
    for (const it of singles) await runSingle(it);

    const done: (Transferred & { c: Chain; startedAt: Date })[] = [];
    for (const it of sends) {
      if (ops.aborted()) { stop(it.c, null); continue; }
      const startedAt = ops.clock();
      event('apply_start', it.a, startedAt);
      try {
        const r = await ops.transfer(it.a, it.c.ds);
        event('apply_complete', it.a, startedAt, r.bytes);
        done.push({ action: it.a, ...r, c: it.c, startedAt });
      } catch (err) {
        errored(it.a, startedAt, err);
        stop(it.c, err);
      }
    }
    // The chain's next action (the cursor move) runs only once the target's GUID is confirmed.
    for (const host of new Set(done.map((d) => d.action.targetHost))) {
      const items = done.filter((d) => d.action.targetHost === host);
      const results = await ops.confirm(host, items);
      items.forEach((d, k) => {
        const err = results[k];
        if (err === null || err === undefined) advance(d.c);
        else { errored(d.action, d.startedAt, err); stop(d.c, err); }
      });
    }
  };

  for (;;) {
    startReady();
    const active = chains.filter((c) => c.state === 'running');
    if (active.length === 0) break;
    if (ops.aborted()) {
      interrupted = true;
      for (const c of active) stop(c, null);
      continue;
    }
    await wave(active);
  }
  return { outcomes, interrupted: interrupted || ops.aborted() };
}
