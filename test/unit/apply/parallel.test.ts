// replication.concurrency > 1: each dataset's chain runs on its own within the job's limit, a child's first receive
// after its parent's, no wave barrier (a slow transfer holds back no other chain), a failure stops only its chain
// and dependants, an abort stops every transfer in flight with its resumable state, --parallelism caps all jobs,
// jobs that share no host run at once, and a job's bandwidth limit is one bucket for its transfers.
import { test } from 'node:test';
import { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan, computeJobGroups } from '../../../src/apply/execute.js';
import { createTransferSlots } from '../../../src/apply/slots.js';
import { Semaphore } from '../../../src/limit.js';
import { GroupCommit } from '../../../src/apply/group-commit.js';
import { TokenBucket, createRateLimitTransform } from '../../../src/zfs/ratelimit.js';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import type { JobPlan, Plan } from '../../../src/plan/types.js';
import type { Config } from '../../../src/config/types.js';
import type { ApplyEvent } from '../../../src/apply/events.js';
import type { ZfsHost, ZfsProcess } from '../../../src/zfs/types.js';

const N = 10;
const kids = Array.from({ length: N }, (_, i) => `tank/d/k${String(i).padStart(2, '0')}`);
const NOW = new Date('2026-11-22T12:00:00Z');

function yaml(concurrency: number, jobs: { name: string; source: string; target: string }[] = [{ name: 'j', source: 'local', target: 'nas' }]): string {
  const hosts = [...new Set(jobs.flatMap((j) => [j.source, j.target]))].filter((h) => h !== 'local');
  return `hosts:\n${hosts.map((h) => `  ${h}:\n    ssh: { host: ${h}.example.org, known_hosts: /dev/null }\n`).join('')}jobs:\n${jobs.map((j) => `  - name: ${j.name}
    source: { host: ${j.source}, filesystems: { "tank/d<": true } }
    target: { host: ${j.target}, root_fs: backup }
    replication: { concurrency: ${concurrency} }
`).join('')}`;
}

interface World { config: Config; hosts: Record<string, FakeHost> }

function tree(name: string): FakeHost {
  return new FakeHost(name, { clock: () => NOW }).apply('pool tank', 'create tank/d', ...kids.map((k) => `create ${k}`), 'create tank/d/k03/x',
    'write tank/d 40K', ...kids.map((k) => `write ${k} 300K`), 'write tank/d/k03/x 20K',
    `snapshot tank/d@s1 tank/d/k03/x@s1 ${kids.map((k) => `${k}@s1`).join(' ')}`);
}

function world(concurrency: number): World {
  return { config: parseConfig(yaml(concurrency), 'zform.yml'), hosts: { local: tree('local'), nas: new FakeHost('nas', { clock: () => NOW }).apply('pool backup') } };
}

async function plan(w: World, jobs = w.config.jobs.map((j) => j.name)): Promise<Plan> {
  const hosts = staticHosts(w.hosts);
  const { inventories, resumeTokens } = await readInventories(w.config, jobs, (n) => hosts.get(n));
  return computePlan({ config: w.config, jobs, inventories, resumeTokens, now: NOW, zformVersion: 'test', allowRollback: false });
}

async function apply(w: World, p: Plan, o: { signal?: AbortSignal; parallelism?: number; onEvent?: (e: ApplyEvent) => void } = {}) {
  const events: ApplyEvent[] = [];
  const { onEvent, ...opts } = o;
  const r = await applyPlan(p, w.config, { hosts: staticHosts(w.hosts), hooks: (e) => { events.push(e); onEvent?.(e); }, clock: () => NOW, ...opts });
  return { r, events };
}

const isSend = (e: ApplyEvent) => (e.type === 'apply_start' || e.type === 'apply_complete' || e.type === 'apply_errored') && e.action.kind === 'send';

/** The most sends in flight at once, by the events. */
function maxInFlight(events: ApplyEvent[]): number {
  let n = 0;
  let max = 0;
  for (const e of events.filter(isSend)) { n += e.type === 'apply_start' ? 1 : -1; max = Math.max(max, n); }
  return max;
}

function sendIndex(events: ApplyEvent[], type: ApplyEvent['type'], target: string): number {
  return events.findIndex((e) => e.type === type && e.type !== 'dataset_skipped' && e.type !== 'hook_done' && e.action.kind === 'send' && e.action.targetDataset === target);
}

const changes = (p: Plan) => p.jobs.reduce((n, j) => n + j.snapshots.length + j.datasets.reduce((m, d) => m + d.actions.length, 0), 0);

/** The receive into `dataset` on `host` ends only when `gate` resolves (a slow transfer). */
function slowReceive(host: FakeHost, dataset: string, gate: Promise<void>): void {
  const orig = host.receive.bind(host) as ZfsHost['receive'];
  host.receive = ((args, o) => {
    const p = orig(args, o);
    if (args.dataset !== dataset) return p;
    const done = p.done.then(async (v) => { await gate; return v; });
    return new Proxy(p, { get: (t, k) => (k === 'done' ? done : ((v) => (typeof v === 'function' ? v.bind(t) : v))(Reflect.get(t, k, t))) }) as ZfsProcess;
  }) as ZfsHost['receive'];
}

/** Each receive of a kid on `host` gets its first `bytes`, then its stdin takes nothing more (the stream stalls
 *  mid-way) until zform destroys it; `onHeld` names the dataset whose stream stalled. */
function holdAfter(host: FakeHost, bytes: number, onHeld: (dataset: string) => void): () => void {
  const orig = host.receive.bind(host) as ZfsHost['receive'];
  const restore = () => { host.receive = orig; };
  host.receive = ((args, o) => {
    const p = orig(args, o);
    if (!args.dataset.startsWith('backup/tank/d/k')) return p;
    const real = p.stdin!;
    let passed = 0;
    const gate = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const room = bytes - passed;
        if (room > 0) { real.write(chunk.subarray(0, room)); passed += Math.min(room, chunk.length); }
        if (passed >= bytes) { onHeld(args.dataset); return; } // never called back: held
        cb();
      },
      final(cb) { real.end(); cb(); },
      destroy(err, cb) { real.destroy(); cb(err); },
    });
    return new Proxy(p, { get: (t, k) => (k === 'stdin' ? gate : ((v) => (typeof v === 'function' ? v.bind(t) : v))(Reflect.get(t, k, t))) }) as ZfsProcess;
  }) as ZfsHost['receive'];
  return restore;
}

test('concurrency 4: up to 4 transfers at once, every child after its parent, and the next plan is empty', async () => {
  const w = world(4);
  const p = await plan(w);
  assert.equal(p.jobs[0]!.concurrency, 4);
  const { r, events } = await apply(w, p);
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  assert.equal(maxInFlight(events), 4);
  for (const k of kids) assert.ok(sendIndex(events, 'apply_start', `backup/${k}`) > sendIndex(events, 'apply_complete', 'backup/tank/d'), k);
  assert.ok(sendIndex(events, 'apply_start', 'backup/tank/d/k03/x') > sendIndex(events, 'apply_complete', 'backup/tank/d/k03'));
  for (const k of [...kids, 'tank/d/k03/x']) assert.equal(w.hosts.nas!.guidOf(`backup/${k}@s1`), w.hosts.local!.guidOf(`${k}@s1`));
  assert.equal(changes(await plan(w)), 0);
  // the holds of many datasets still go out together: far fewer hold commands than datasets
  assert.ok(w.hosts.local!.commandLog.filter((a) => a[1] === 'hold').length < N / 2);
});

test('concurrency 1 keeps one transfer at a time (the waves of before)', async () => {
  const w = world(1);
  const p = await plan(w);
  assert.equal(p.jobs[0]!.concurrency, undefined);
  const { r, events } = await apply(w, p);
  assert.ok(r.outcomes.every((o) => o.status === 'ok'));
  assert.equal(maxInFlight(events), 1);
});

test('no barrier: a slow transfer holds back no other dataset, whose cursors move before it ends', async () => {
  const w = world(4);
  await apply(w, await plan(w));
  w.hosts.local!.apply(...kids.map((k) => `write ${k} 10K`), `snapshot tank/d@s2 tank/d/k03/x@s2 ${kids.map((k) => `${k}@s2`).join(' ')}`);
  let open!: () => void;
  slowReceive(w.hosts.nas!, 'backup/tank/d/k00', new Promise<void>((res) => { open = res; }));
  const p = await plan(w);
  const events: ApplyEvent[] = [];
  const run = applyPlan(p, w.config, { hosts: staticHosts(w.hosts), clock: () => NOW, hooks: (e) => {
    events.push(e);
    // the slow one ends once every other dataset has moved its cursor
    const moved = events.filter((x) => x.type === 'apply_complete' && x.action.kind === 'bookmark' && x.dataset !== 'tank/d/k00').length;
    if (moved === N + 1) setImmediate(open);
  } });
  const r = await run;
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  const slowDone = sendIndex(events, 'apply_complete', 'backup/tank/d/k00');
  const k09Cursor = events.findIndex((e) => e.type === 'apply_complete' && e.action.kind === 'bookmark' && e.dataset === 'tank/d/k09');
  assert.ok(k09Cursor >= 0 && k09Cursor < slowDone, 'k09 moved its cursor while k00 was still receiving');
  assert.equal(changes(await plan(w)), 0);
});

test('a failing receive (quota) fails its dataset, skips its child, and the others complete', async () => {
  const w = world(4);
  w.hosts.nas!.failNext((a) => a[0] === 'receive' && a.includes('backup/tank/d/k03'), 'cannot receive new filesystem stream: out of space');
  const { r } = await apply(w, await plan(w));
  const by = Object.fromEntries(r.outcomes.map((o) => [o.source, o]));
  assert.equal(by['tank/d/k03']!.status, 'failed', JSON.stringify(r.outcomes));
  assert.match(by['tank/d/k03']!.reason!, /out of space/);
  assert.equal(by['tank/d/k03/x']!.status, 'skipped');
  assert.equal(r.outcomes.filter((o) => o.status === 'ok').length, N + 1, 'tank (a placeholder), tank/d and the 9 other children');
  const { r: r2 } = await apply(w, await plan(w));
  assert.ok(r2.outcomes.every((o) => o.status === 'ok' || o.status === 'unchanged'), JSON.stringify(r2.outcomes));
});

test('an abort stops every transfer in flight, each keeps its resumable receive, and the next apply resumes them', async () => {
  const w = world(4);
  const ac = new AbortController();
  const nas = w.hosts.nas!;
  const held = new Set<string>();
  // every kid's receive takes 100K, then its stream stalls; once 4 stall together, the abort comes
  const restore = holdAfter(nas, 100 * 1024, (ds) => { held.add(ds); if (held.size === 4) setImmediate(() => ac.abort()); });
  const { r } = await apply(w, await plan(w), { signal: ac.signal });
  assert.equal(r.interrupted, true);
  const partial = [...nas.zfs.state.datasets.values()].filter((d) => d.partial !== null).map((d) => d.name);
  assert.equal(partial.length, 4, `resumable receives: ${partial.join(', ')} ${JSON.stringify(r.outcomes)}`);
  const next = await plan(w);
  const resumes = next.jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'send' && a.mode === 'resume');
  assert.equal(resumes.length, 4);
  restore();
  const { r: r2 } = await apply(w, next);
  assert.ok(r2.outcomes.every((o) => o.status === 'ok' || o.status === 'unchanged'), JSON.stringify(r2.outcomes));
  assert.equal(changes(await plan(w)), 0);
});

test('--parallelism caps the transfers of jobs on different hosts, which run at once', async () => {
  const config = parseConfig(yaml(4, [{ name: 'a', source: 'local', target: 'nas' }, { name: 'b', source: 'src2', target: 'nas2' }]), 'zform.yml');
  const w: World = { config, hosts: { local: tree('local'), src2: tree('src2'), nas: new FakeHost('nas', { clock: () => NOW }).apply('pool backup'), nas2: new FakeHost('nas2', { clock: () => NOW }).apply('pool backup') } };
  const { r, events } = await apply(w, await plan(w), { parallelism: 3 });
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  assert.equal(maxInFlight(events), 3);
  // the jobs interleave: a send of b starts before the last send of a ends
  const lastA = events.map((e) => e.type === 'apply_complete' && e.job === 'a' && e.action.kind === 'send').lastIndexOf(true);
  const firstB = events.findIndex((e) => e.type === 'apply_start' && e.job === 'b' && e.action.kind === 'send');
  assert.ok(firstB >= 0 && firstB < lastA);
  assert.deepEqual(r.outcomes.map((o) => o.job), [...r.outcomes.filter((o) => o.job === 'a'), ...r.outcomes.filter((o) => o.job === 'b')].map((o) => o.job), 'outcomes in plan order');
});

test('concurrency 3: a prune of every dataset runs at most 3 destroys at once, not one per dataset', async () => {
  const w = world(3);
  w.config = parseConfig(`${yaml(3)}    pruning:
      keep_source: [ { type: last_n, count: 1, regex: "^s" } ]
      keep_target: [ { type: last_n, count: 1, regex: "^s" } ]
`, 'zform.yml');
  await apply(w, await plan(w));
  w.hosts.local!.apply(...kids.map((k) => `write ${k} 10K`), `snapshot tank/d@s2 tank/d/k03/x@s2 ${kids.map((k) => `${k}@s2`).join(' ')}`);
  const p = await plan(w);
  const destroys = p.jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'destroy_snapshots');
  assert.equal(destroys.length, 2 * (N + 2)); // @s1 on both sides of every dataset
  const { r, events } = await apply(w, p);
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  let n = 0;
  let max = 0;
  for (const e of events) {
    if ((e.type !== 'apply_start' && e.type !== 'apply_complete' && e.type !== 'apply_errored') || e.action.kind !== 'destroy_snapshots') continue;
    n += e.type === 'apply_start' ? 1 : -1;
    max = Math.max(max, n);
  }
  assert.equal(max, 3);
  for (const k of ['tank/d', ...kids]) {
    assert.equal(w.hosts.local!.guidOf(`${k}@s1`), undefined, k);
    assert.equal(w.hosts.nas!.guidOf(`backup/${k}@s1`), undefined, k);
  }
  assert.equal(changes(await plan(w)), 0);
});

test('the plan view says how many transfers run at once', async () => {
  const w = world(4);
  const text = renderPlanHuman(await plan(w), { color: false });
  assert.match(text, /# up to 4 transfers at once: each dataset advances on its own, a child's first receive after its parent's/);
  assert.doesNotMatch(renderPlanHuman(await plan(world(1)), { color: false }), /transfers at once/);
});

test('job groups: jobs sharing a host run one after another, others at once', () => {
  const jp = (job: string, sourceHost: string, targetHost: string | null): JobPlan => ({ job, sourceHost, targetHost, snapshots: [], datasets: [], diagnostics: [] });
  const groups = computeJobGroups([jp('a', 'local', 'nas'), jp('b', 'h2', 'nas2'), jp('c', 'h3', null), jp('d', 'h2', 'nas'), jp('e', 'h4', 'h5')]);
  assert.deepEqual(groups.map((g) => g.map((j) => j.job)), [['a', 'b', 'd'], ['c'], ['e']]);
});

test('slots: a semaphore hands each freed slot to the next waiter; SSH hosts have a ceiling of 8, local ones none', async () => {
  const s = new Semaphore(2);
  const r1 = await s.acquire();
  await s.acquire();
  let third = false;
  const p3 = s.acquire().then((r) => { third = true; return r; });
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false);
  r1();
  r1(); // twice is once
  await p3;
  assert.equal(s.inUse, 2);
  const slots = createTransferSlots({ remote: (h) => h !== 'local' });
  const held = await Promise.all(Array.from({ length: 8 }, () => slots.acquire(['local', 'nas'])));
  let ninth = false;
  const p9 = slots.acquire(['nas']).then((r) => { ninth = true; return r; });
  await Promise.all(Array.from({ length: 20 }, () => slots.acquire(['local'])));
  await new Promise((r) => setImmediate(r));
  assert.equal(ninth, false, 'the 9th transfer to nas waits');
  held[0]!();
  await p9;
});

test('group commit: what arrives while a command runs goes out together in the next one', async () => {
  const calls: number[][] = [];
  let release!: () => void;
  const first = new Promise<void>((r) => { release = r; });
  const g = new GroupCommit<number, number>(async (_k, items) => { calls.push(items); if (calls.length === 1) await first; return items.map((i) => i * 10); });
  const a = g.submit('k', 1);
  const b = g.submit('k', 2);
  await new Promise((r) => setImmediate(r));
  const c = g.submit('k', 3);
  const d = g.submit('k', 4);
  const other = g.submit('other', 5);
  release();
  assert.deepEqual(await Promise.all([a, b, c, d, other]), [10, 20, 30, 40, 50]);
  assert.deepEqual(calls, [[1, 2], [5], [3, 4]]);
});

test('one bucket shared by two streams holds both together to the limit', async () => {
  let now = 0;
  const waits: number[] = [];
  const sleep = async (ms: number) => { waits.push(ms); now += ms; };
  const limit = { maxBytesPerSecond: 1000, bucketCapacityBytes: 1000 };
  const bucket = new TokenBucket(limit, () => now);
  const a = createRateLimitTransform(limit, { bucket, sleep });
  const b = createRateLimitTransform(limit, { bucket, sleep });
  const drain = (t: ReturnType<typeof createRateLimitTransform>) => { t.on('data', () => undefined); return new Promise((r) => t.on('end', r)); };
  const da = drain(a);
  const db = drain(b);
  a.end(Buffer.alloc(1000));
  b.end(Buffer.alloc(1000));
  await Promise.all([da, db]);
  // 2000 bytes at 1000 B/s with a 1000-byte burst: one second of waiting in all (each stream alone would wait none)
  assert.equal(Math.round(waits.reduce((x, y) => x + y, 0)), 1000);
});
