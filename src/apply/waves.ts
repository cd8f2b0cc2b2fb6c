// Runs a job's dataset chains in waves, so that what ZFS can batch costs one command for many datasets: each wave
// takes the next action of every ready chain; holds and releases of one tag on one host go into one command (a
// failure of that command falls back to one command per chain, which isolates the dataset that failed); sends run
// one after another, then one `zfs get guid` per target host confirms what they delivered before any chain's next
// action (the cursor move) can run; the bookmarks chains create and destroy (cursor moves) go into one channel program
// per host and pool. A chain starts once the chains it depends on (its parents) have completed. This is the schedule
// of replication.concurrency 1 (one transfer at a time, so a wave's barrier costs no transfer time and saves the most
// commands); above 1, chains.ts runs each chain on its own.
import type { Action, DatasetPlan, JobPlan } from '../plan/types.js';
import type { ApplyHooks, DatasetOutcome } from './events.js';
import { ZformError } from '../errors.js';
import { addTo } from '../multimap.js';
import { jobBlocker } from '../plan/queries.js';
import { isWithin } from '../plan/paths.js';

export type SendAction = Extract<Action, { kind: 'send' }>;
export type BatchKind = 'hold' | 'release';
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
  /** waits for the transfer slots of the whole apply (--parallelism, SSH host ceilings); resolves with their release */
  transferSlot(action: SendAction): Promise<() => void>;
  /** streams a send into its receive (no events: the wave reports them) */
  transfer(action: SendAction, ds: DatasetPlan): Promise<{ bytes: number; wireBytes?: number; expected: string }>;
  /** confirms the GUIDs that transfers to one host delivered: per item, null or the error that fails its chain */
  confirm(targetHost: string, items: Transferred[]): Promise<unknown[]>;
}

/** A dataset's chain; its next action is `ds.actions[outcome.actionsDone]`. */
export interface Chain { ds: DatasetPlan; outcome: DatasetOutcome; state: 'waiting' | 'running' | 'done' }
export interface Item { c: Chain; a: Action }
/** a transfer that ended well, waiting for its GUID confirmation */
export type Delivered = Transferred & { c: Chain; startedAt: Date };

export function errorLine(err: unknown): string {
  if (err instanceof ZformError) return err.shortMessage;
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

/** The dataset an action works on, for reporting. */
export function actionDataset(a: Action): string | null {
  switch (a.kind) {
    case 'snapshot': return null;
    case 'create_placeholder': case 'abort_resume': case 'rollback': case 'destroy_snapshots': case 'destroy_dataset': return a.dataset;
    case 'rename_dataset': return a.to;
    case 'hold': case 'release': return a.snapshots[0]?.dataset ?? null;
    case 'bookmark': return a.snapshot.dataset;
    case 'destroy_bookmarks': return a.bookmarks[0]?.dataset ?? null;
    case 'send': return a.targetDataset;
  }
}

const BLOCKING = new Set(['failed', 'skipped', 'interrupted']);

export async function runWaves(jobPlan: JobPlan, ops: WaveOps): Promise<{ outcomes: DatasetOutcome[]; interrupted: boolean }> {
  const run = new WaveRun(jobPlan, ops);
  for (;;) {
    run.startReady();
    const active = run.chains.filter((c) => c.state === 'running');
    if (active.length === 0) break;
    if (ops.aborted()) {
      run.interrupted = true;
      for (const c of active) run.stop(c, null);
      continue;
    }
    await run.wave(active);
  }
  return { outcomes: run.outcomes, interrupted: run.interrupted || ops.aborted() };
}

/** One job's chains while they run (in waves, or each on its own: chains.ts): each chain's state and outcome, the
 *  events it reports, and the steps both schedulers share. */
export class ChainBook {
  readonly outcomes: DatasetOutcome[] = [];
  readonly chains: Chain[] = [];
  private readonly chainOf = new Map<string, Chain>();
  private readonly status = new Map<string, DatasetOutcome>();
  interrupted: boolean;
  private readonly job: string;

  constructor(jobPlan: JobPlan, protected readonly ops: WaveOps) {
    this.job = jobPlan.job;
    this.interrupted = ops.initiallyInterrupted;
    const blocker = jobBlocker(jobPlan);
    for (const ds of jobPlan.datasets) {
      const outcome: DatasetOutcome = { job: this.job, source: ds.source, target: ds.target, status: 'ok', reason: null, actionsDone: 0, actionsTotal: ds.actions.length };
      this.outcomes.push(outcome);
      this.status.set(ds.source, outcome);
      if (ds.actions.length === 0) {
        const errors = ds.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length > 0) { outcome.status = 'conflict'; outcome.reason = errors[0]!.summary; }
        else if (blocker) { outcome.status = 'skipped'; outcome.reason = blocker.summary; } // its job cannot replicate
        else outcome.status = 'unchanged';
        continue;
      }
      const c: Chain = { ds, outcome, state: 'waiting' };
      this.chains.push(c);
      this.chainOf.set(ds.source, c);
    }
  }

  protected advance(c: Chain): void {
    c.outcome.actionsDone++;
    if (c.outcome.actionsDone === c.ds.actions.length) c.state = 'done';
  }

  stop(c: Chain, err: unknown): void {
    c.state = 'done';
    if (this.ops.aborted()) {
      this.interrupted = true;
      c.outcome.status = 'interrupted';
      c.outcome.reason = 'interrupted; the next plan resumes it';
    } else {
      c.outcome.status = 'failed';
      c.outcome.reason = errorLine(err);
    }
  }

  protected event(type: 'apply_start' | 'apply_complete', a: Action, startedAt: Date, bytes: number | null = null, wireBytes?: number): void {
    const { ops, job } = this;
    const dataset = actionDataset(a);
    if (type === 'apply_start') ops.hooks({ type, at: startedAt, job, dataset, action: a });
    else ops.hooks({ type, at: ops.clock(), job, dataset, action: a, bytes, ...(wireBytes !== undefined ? { wireBytes } : {}), elapsedMs: ops.clock().getTime() - startedAt.getTime() });
  }

  protected errored(a: Action, startedAt: Date, err: unknown): void {
    const { ops } = this;
    ops.hooks({
      type: 'apply_errored', at: ops.clock(), job: this.job, dataset: actionDataset(a), action: a,
      error: ops.aborted() ? 'interrupted' : errorLine(err), elapsedMs: ops.clock().getTime() - startedAt.getTime(),
    });
  }

  /** Reports actions done by one command that started at `startedAt`. */
  protected completed(c: Chain, actions: Action[], startedAt: Date): void {
    for (const a of actions) { this.event('apply_start', a, startedAt); this.event('apply_complete', a, startedAt); this.advance(c); }
  }

  /** Starts the waiting chains whose parents completed; skips those whose parents did not. */
  startReady(): void {
    for (const c of this.chains) if (c.state === 'waiting') this.ready(c);
  }

  /** Whether a waiting chain may start: it starts ('running'), is stopped (interrupted, or skipped because a parent
   *  did not complete or a snapshot it needs was not taken: 'done'), or waits for a parent still running. */
  protected ready(c: Chain): Chain['state'] {
    const { ops } = this;
    if (this.interrupted || ops.aborted()) {
      this.interrupted = true;
      c.state = 'done';
      c.outcome.status = 'interrupted';
      c.outcome.reason = 'interrupted before it started';
      return c.state;
    }
    const deps = c.ds.dependsOn.map((d) => this.status.get(d)).filter((o): o is DatasetOutcome => o !== undefined);
    const blockedBy = deps.find((o) => BLOCKING.has(o.status));
    if (!blockedBy && deps.some((o) => { const dc = this.chainOf.get(o.source); return dc !== undefined && dc.state !== 'done'; })) return c.state;
    const missing = blockedBy ? undefined : ops.missingSnapshot(c.ds);
    if (blockedBy || missing) {
      c.state = 'done';
      c.outcome.status = 'skipped';
      // a chain waits for its parents, and a clone's for the chain that delivers its origin
      c.outcome.reason = blockedBy
        ? `${blockedBy.source === '' || isWithin(c.ds.source, blockedBy.source) ? 'parent' : 'origin dataset'} ${blockedBy.source || blockedBy.target} did not complete`
        : missing!;
      ops.hooks({ type: 'dataset_skipped', at: ops.clock(), job: this.job, dataset: c.ds.target ?? c.ds.source, reason: c.outcome.reason });
      return c.state;
    }
    c.state = 'running';
    return c.state;
  }

  protected async runSingle(it: Item): Promise<void> {
    if (this.ops.aborted()) { this.stop(it.c, null); return; }
    try { await this.ops.single(it.a, it.c.ds); this.advance(it.c); } catch (err) { this.stop(it.c, err); }
  }

  /** Holds (releases) of one tag on one host in one command; on failure each runs on its own (added to `singles`). */
  protected async runBatch(g: Item[], singles: Item[]): Promise<void> {
    const a0 = g[0]!.a as Extract<Action, { kind: BatchKind }>;
    if (g.length === 1 || this.ops.aborted()) { singles.push(...g); return; }
    const startedAt = this.ops.clock();
    try {
      await this.ops.batch(a0.kind, a0.host, a0.tag, g.map((i) => i.a));
    } catch {
      singles.push(...g); // one command per chain: the failure lands on its own dataset
      return;
    }
    for (const it of g) this.completed(it.c, [it.a], startedAt);
  }

  /** What one chain's run of bookmark actions in a bookkeeping command did. */
  protected bookkept(it: { c: Chain; run: Action[] }, r: { done: number; error?: unknown }, startedAt: Date): void {
    this.completed(it.c, it.run.slice(0, r.done), startedAt);
    if (r.done < it.run.length) {
      const failed = it.run[r.done]!;
      this.event('apply_start', failed, startedAt);
      this.errored(failed, startedAt, r.error);
      this.stop(it.c, r.error);
    }
  }

  /** Streams one send into its receive with its events: what waits for its GUID confirmation, or null (stopped). */
  protected async transferOne(it: Item & { a: SendAction }): Promise<Delivered | null> {
    const { ops } = this;
    if (ops.aborted()) { this.stop(it.c, null); return null; }
    const release = await ops.transferSlot(it.a);
    if (ops.aborted()) { release(); this.stop(it.c, null); return null; }
    const startedAt = ops.clock();
    this.event('apply_start', it.a, startedAt);
    try {
      const r = await ops.transfer(it.a, it.c.ds);
      this.event('apply_complete', it.a, startedAt, r.bytes, r.wireBytes);
      return { action: it.a, ...r, c: it.c, startedAt };
    } catch (err) {
      this.errored(it.a, startedAt, err);
      this.stop(it.c, err);
      return null;
    } finally {
      release();
    }
  }

  /** A delivered transfer's GUID check came back: the chain moves on to its cursor move, or stops. */
  protected confirmed(d: Delivered, err: unknown): void {
    if (err === null || err === undefined) this.advance(d.c);
    else { this.errored(d.action, d.startedAt, err); this.stop(d.c, err); }
  }
}

/** The waves of one job: every ready chain's next action per wave, batched where ZFS can batch it. */
class WaveRun extends ChainBook {
  /** One wave: every active chain's next action, batched where ZFS can batch it. */
  async wave(active: Chain[]): Promise<void> {
    const w = sortWave(active);
    for (const g of w.groups.values()) await this.runBatch(g, w.singles);
    for (const [host, g] of w.bookkeeping) await this.runBookkeeping(host, g, w.singles);
    for (const it of w.singles) await this.runSingle(it);
    await this.runSends(w.sends);
  }

  /** The bookmark runs of many chains on one host in one command per pool (a lone action runs on its own). */
  private async runBookkeeping(host: string, g: { c: Chain; run: Action[] }[], singles: Item[]): Promise<void> {
    if (this.ops.aborted() || g.reduce((n, i) => n + i.run.length, 0) === 1) { singles.push(...g.map((i) => ({ c: i.c, a: i.run[0]! }))); return; }
    const startedAt = this.ops.clock();
    const results = await this.ops.bookkeep(host, g.map((i) => i.run));
    g.forEach((it, k) => this.bookkept(it, results[k]!, startedAt));
  }

  /** Sends one after another, then their GUIDs confirmed per target host before the chains move on. */
  private async runSends(sends: (Item & { a: SendAction })[]): Promise<void> {
    const done: Delivered[] = [];
    for (const it of sends) {
      const d = await this.transferOne(it);
      if (d) done.push(d);
    }
    // The chain's next action (the cursor move) runs only once the target's GUID is confirmed.
    for (const host of new Set(done.map((d) => d.action.targetHost))) {
      const items = done.filter((d) => d.action.targetHost === host);
      const results = await this.ops.confirm(host, items);
      items.forEach((d, k) => this.confirmed(d, results[k]));
    }
  }
}

/** Sorts the active chains' next actions by how they run: batched holds/releases, bookkeeping runs, sends, singles. */
function sortWave(active: Chain[]) {
  const groups = new Map<string, Item[]>();
  const singles: Item[] = [];
  const sends: (Item & { a: SendAction })[] = [];
  const bookkeeping = new Map<string, { c: Chain; run: Action[] }[]>();
  for (const c of active) {
    const a = c.ds.actions[c.outcome.actionsDone]!;
    if (BOOKKEEPING.has(a.kind)) addTo(bookkeeping, a.host, { c, run: bookkeepingRun(c) }); else if (a.kind === 'hold' || a.kind === 'release') addTo(groups, `${a.kind}\0${a.host}\0${a.tag}`, { c, a });
    else if (a.kind === 'send') sends.push({ c, a });
    else singles.push({ c, a });
  }
  return { groups, singles, sends, bookkeeping };
}

export function isBookkeeping(a: Action): boolean {
  return BOOKKEEPING.has(a.kind);
}

/** A chain's next run of consecutive bookmark and destroy_bookmarks actions on one host (one bookkeeping item). */
export function bookkeepingRun(c: Chain): Action[] {
  const a = c.ds.actions[c.outcome.actionsDone]!;
  const run: Action[] = [];
  for (let k = c.outcome.actionsDone; k < c.ds.actions.length; k++) {
    const b = c.ds.actions[k]!;
    if (!BOOKKEEPING.has(b.kind) || b.host !== a.host) break;
    run.push(b);
  }
  return run;
}
