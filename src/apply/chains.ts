// Runs a job's dataset chains each on its own (replication.concurrency > 1): no wave barrier, so a fast dataset
// never waits for a slow one. A chain starts once the chains it depends on (its parents: a child's first receive
// needs its parent's) have completed; up to `concurrency` of its transfers run at once. What ZFS can batch is still
// batched by group commit (group-commit.ts): the holds (releases) of one tag on one host, the GUID checks of one
// target host and the cursor moves of one host that chains ask for while such a command runs go out together next.
// The other commands a chain runs on its own (destroys, rollbacks, renames, placeholders) are as many at once as its
// transfers may be: a prune of 10,000 datasets must not start 10,000 `zfs destroy` processes together.
import type { Action, JobPlan } from '../plan/types.js';
import type { DatasetOutcome } from './events.js';
import { GroupCommit } from './group-commit.js';
import { Semaphore } from '../limit.js';
import {
  bookkeepingRun, ChainBook, isBookkeeping, type BatchKind, type Chain, type Delivered, type Item, type SendAction, type WaveOps,
} from './waves.js';

export async function runChains(jobPlan: JobPlan, ops: WaveOps, concurrency: number): Promise<{ outcomes: DatasetOutcome[]; interrupted: boolean }> {
  const run = new ChainRun(jobPlan, ops, concurrency);
  await run.all();
  return { outcomes: run.outcomes, interrupted: run.interrupted || ops.aborted() };
}

type Bookkeeping = { c: Chain; run: Action[] };

class ChainRun extends ChainBook {
  /** per source dataset: its chain's end */
  private readonly ended = new Map<string, Promise<void>>();
  private readonly steps: Semaphore;
  /** the commands chains run on their own (not batched, not transfers), at most `concurrency` at once */
  private readonly commands: Semaphore;
  private readonly batches = new GroupCommit<Item, void>(async (_key, items) => {
    const singles: Item[] = [];
    await this.runBatch(items, singles);
    for (const it of singles) await this.runSingle(it);
    return items.map(() => undefined);
  });
  private readonly books = new GroupCommit<Bookkeeping, void>(async (host, items) => {
    const startedAt = this.ops.clock();
    if (this.ops.aborted()) { for (const it of items) this.stop(it.c, null); return items.map(() => undefined); }
    if (items.length === 1 && items[0]!.run.length === 1) { await this.runSingle({ c: items[0]!.c, a: items[0]!.run[0]! }); return [undefined]; }
    const results = await this.ops.bookkeep(host, items.map((i) => i.run));
    items.forEach((it, k) => this.bookkept(it, results[k]!, startedAt));
    return items.map(() => undefined);
  });
  private readonly confirms = new GroupCommit<Delivered, unknown>((host, items) => this.ops.confirm(host, items));

  constructor(jobPlan: JobPlan, ops: WaveOps, concurrency: number) {
    super(jobPlan, ops);
    this.steps = new Semaphore(concurrency);
    this.commands = new Semaphore(concurrency);
  }

  protected override async runSingle(it: Item): Promise<void> {
    const release = await this.commands.acquire();
    try { await super.runSingle(it); } finally { release(); }
  }

  async all(): Promise<void> {
    // in plan order, parents first: a chain finds its parents' ends when it starts
    for (const c of this.chains) this.ended.set(c.ds.source, this.chain(c));
    await Promise.all(this.ended.values());
  }

  private async chain(c: Chain): Promise<void> {
    await Promise.resolve();
    await Promise.all(c.ds.dependsOn.map((d) => this.ended.get(d)));
    if (this.ready(c) !== 'running') return;
    while (c.state === 'running') {
      if (this.ops.aborted()) { this.stop(c, null); break; }
      await this.step(c);
    }
  }

  /** The chain's next action (or run of bookkeeping actions). */
  private async step(c: Chain): Promise<void> {
    const a = c.ds.actions[c.outcome.actionsDone]!;
    if (isBookkeeping(a)) {
      await this.books.submit(a.host, { c, run: bookkeepingRun(c) });
    } else if (a.kind === 'hold' || a.kind === 'release') {
      const b = a as Extract<Action, { kind: BatchKind }>;
      await this.batches.submit(`${b.kind}\0${b.host}\0${b.tag}`, { c, a });
    } else if (a.kind === 'send') {
      await this.send({ c, a });
    } else {
      await this.runSingle({ c, a });
    }
  }

  /** One transfer step, within the job's concurrency; its GUID check goes out with others to the same host. */
  private async send(it: Item & { a: SendAction }): Promise<void> {
    const release = await this.steps.acquire();
    let d: Delivered | null;
    try { d = await this.transferOne(it); } finally { release(); } // the job's slot is given back after apply_complete
    if (!d) return;
    const err = await this.confirms.submit(d.action.targetHost, d);
    this.confirmed(d, err);
  }
}
