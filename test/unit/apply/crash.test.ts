// Every crash point: for representative plans, zform is killed (as kill -9 would) at every zfs command boundary of
// apply (before a command, after it, and mid-way through each substream a receive gets), then applied again until
// the plan is empty. After every crash and every apply: no snapshot the plans did not name was destroyed, every
// target snapshot is a source snapshot (by GUID) or was there before, and an incremental stays possible once it was
// (under guarantee_incremental and guarantee_resumability). At the end, within two more applies: a plan with no
// changes, no step hold, no tentative cursor, and only the cursor of the newest common snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/types.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import type { Plan } from '../../../src/plan/types.js';
import type { ReceiveArgs, SendArgs } from '../../../src/zfs/types.js';
import { STEP_HOLD_PREFIX, TENTATIVE_CURSOR_PREFIX, parseBookmarkName } from '../../../src/zfs/names.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import type { FakeState } from '../../support/fake-zfs/state.js';
import { CrashSwitch, computeCrashPoints, type CrashPoint, type TracedCommand } from '../../support/fake-zfs/crash.js';

const JOB = 'j';
const T0 = Date.parse('2026-11-21T12:00:00Z');
const HOUR = 3600_000;

interface Pools { src: FakeState; dst: FakeState }

interface Case {
  name: string;
  config: Config;
  allowRollback: boolean;
  /** the pools before the plan under test, and the time it is made at */
  prepare(): Promise<{ pools: Pools; now: number }>;
}

function clonePools(p: Pools): Pools {
  return { src: p.src.clone(), dst: p.dst.clone() };
}

function hostsOf(p: Pools, now: number, crash?: CrashSwitch) {
  return staticHosts({
    local: new FakeHost('local', { state: p.src, clock: () => new Date(now), crash }),
    nas: new FakeHost('nas', { state: p.dst, clock: () => new Date(now), crash }),
  });
}

async function planAt(c: Case, p: Pools, now: number): Promise<Plan> {
  const hosts = hostsOf(p, now);
  const { inventories, resumeTokens } = await readInventories(c.config, [JOB], (n) => hosts.get(n));
  return computePlan({ config: c.config, jobs: [JOB], inventories, resumeTokens, now: new Date(now), zformVersion: 'test', allowRollback: c.allowRollback });
}

/** Applies a plan as a fresh zform process; with a crash switch, stops when zform is killed. */
async function applyAt(c: Case, plan: Plan, p: Pools, now: number, crash?: CrashSwitch): Promise<'done' | 'crashed'> {
  const run = applyPlan(plan, c.config, { hosts: hostsOf(p, now, crash), clock: () => new Date(now) }).then(() => 'done' as const);
  const r = crash ? await Promise.race([run, crash.crashed.then(() => 'crashed' as const)]) : await run;
  run.catch(() => {}); // a killed run never ends; nothing may surface from it
  if (r === 'crashed') for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res)); // what the dead run still does: nothing
  return r;
}

function changes(p: Plan): number {
  return p.jobs.reduce((n, j) => n + j.snapshots.length + j.datasets.reduce((m, d) => m + d.actions.length, 0), 0);
}

function errors(p: Plan): string[] {
  return p.jobs.flatMap((j) => [...j.diagnostics, ...j.datasets.flatMap((d) => d.diagnostics)]).filter((d) => d.severity === 'error').map((d) => `${d.dataset ?? ''}: ${d.summary}`);
}

type Side = 'source' | 'target';

/** Watches one crash point's run: what each side had, what the applied plans named for destruction. */
class Checker {
  private readonly seen = new Map<string, { side: Side; name: string }>();
  private readonly named = new Set<string>();
  private readonly sourceGuids = new Set<string>();
  private readonly initialTarget = new Set<string>();
  private readonly based = new Set<string>();
  /** target datasets the applied plans renamed: [from, to] */
  private readonly renames: [string, string][] = [];
  readonly violations: string[] = [];

  constructor(private readonly c: Case, private readonly p: Pools, readonly where: string) {
    this.observe();
    for (const s of this.snapshots('target')) this.initialTarget.add(s.guid);
    this.observeBases('start');
  }

  private state(side: Side): FakeState {
    return side === 'source' ? this.p.src : this.p.dst;
  }

  private snapshots(side: Side): { name: string; guid: string }[] {
    return [...this.state(side).datasets.values()].flatMap((d) => d.snapshots.map((s) => ({ name: `${d.name}@${s.name}`, guid: s.guid })));
  }

  private observe(): void {
    for (const side of ['source', 'target'] as const) {
      for (const s of this.snapshots(side)) {
        this.seen.set(`${side} ${s.name} ${s.guid}`, { side, name: s.name });
        if (side === 'source') this.sourceGuids.add(s.guid);
      }
    }
  }

  notePlan(plan: Plan): void {
    for (const a of plan.jobs.flatMap((j) => j.datasets.flatMap((d) => d.actions))) {
      if (a.kind === 'destroy_snapshots') for (const s of a.snapshots) this.named.add(`${a.side} ${s.ref.dataset}@${s.ref.name}`);
      if (a.kind === 'rollback') for (const s of a.destroys) if (s.kind === 'snapshot') this.named.add(`${a.side} ${s.dataset}@${s.name}`);
      if (a.kind === 'destroy_dataset') for (const s of a.destroys) if (s.kind === 'snapshot') this.named.add(`${a.side} ${s.dataset}@${s.name}`);
      if (a.kind === 'rename_dataset') this.renames.push([a.dataset, a.to]);
    }
  }

  /** A snapshot's name after the renames the plans made (a renamed snapshot is the same snapshot). */
  private moved(name: string): string {
    for (const [from, to] of this.renames) if (name.startsWith(`${from}@`) || name.startsWith(`${from}/`)) return to + name.slice(from.length);
    return name;
  }

  /** Source dataset → target dataset of the job (root_fs + source name). */
  private pairs(): [string, string][] {
    const root = this.c.config.jobs[0]!.target!.rootFs;
    return [...this.p.src.datasets.keys()].map((s) => [s, `${root}/${s}`]);
  }

  /** Whether the pair has a common snapshot, or a source bookmark of a target snapshot. */
  private hasBase(source: string, target: string): boolean {
    const s = this.p.src.datasets.get(source);
    const t = this.p.dst.datasets.get(target);
    if (!s || !t) return false;
    const guids = new Set([...s.snapshots.map((x) => x.guid), ...s.bookmarks.map((x) => x.guid)]);
    return t.snapshots.some((x) => guids.has(x.guid));
  }

  private observeBases(at: string): void {
    const guarded = this.c.config.jobs[0]!.replication.protection.incremental !== 'guarantee_nothing';
    for (const [s, t] of this.pairs()) {
      if (this.hasBase(s, t)) this.based.add(s);
      else if (guarded && this.based.has(s)) this.violations.push(`${this.where}, ${at}: ${s} → ${t} has no common snapshot or cursor any more`);
    }
  }

  check(at: string): void {
    const now = new Set<string>();
    for (const side of ['source', 'target'] as const) for (const s of this.snapshots(side)) now.add(`${side} ${s.name} ${s.guid}`);
    for (const [key, s] of this.seen) {
      const guid = key.slice(key.lastIndexOf(' ') + 1);
      const kept = now.has(key) || (s.side === 'target' && now.has(`${s.side} ${this.moved(s.name)} ${guid}`));
      if (!kept && !this.named.has(`${s.side} ${s.name}`)) this.violations.push(`${this.where}, ${at}: ${s.side} ${s.name} was destroyed but no plan named it`);
    }
    this.observe();
    for (const s of this.snapshots('target')) {
      if (!this.sourceGuids.has(s.guid) && !this.initialTarget.has(s.guid)) this.violations.push(`${this.where}, ${at}: target ${s.name} is no source snapshot`);
    }
    this.observeBases(at);
  }

  /** Converged: no step hold, no tentative cursor, and per dataset only the cursor of the newest common snapshot. */
  checkClean(at: string): void {
    for (const side of ['source', 'target'] as const) {
      for (const d of this.state(side).datasets.values()) {
        for (const s of d.snapshots) for (const tag of s.holds.keys()) if (tag.startsWith(STEP_HOLD_PREFIX)) this.violations.push(`${this.where}, ${at}: step hold left on ${side} ${d.name}@${s.name}`);
        for (const b of d.bookmarks) if (b.name.startsWith(TENTATIVE_CURSOR_PREFIX)) this.violations.push(`${this.where}, ${at}: tentative cursor left: ${d.name}#${b.name}`);
      }
    }
    for (const [source, target] of this.pairs()) {
      const s = this.p.src.datasets.get(source)!;
      const cursors = s.bookmarks.filter((b) => parseBookmarkName(b.name)?.type === 'cursor');
      const t = this.p.dst.datasets.get(target);
      const onSource = new Set([...s.snapshots.map((x) => x.guid), ...cursors.map((x) => x.guid)]);
      const common = t ? [...t.snapshots].reverse().find((x) => onSource.has(x.guid)) : undefined;
      for (const b of cursors) if (b.guid !== common?.guid) this.violations.push(`${this.where}, ${at}: stale cursor ${source}#${b.name}`);
    }
  }
}

function describePoint(pt: CrashPoint, trace: TracedCommand[]): string {
  const t = trace[pt.command];
  const cmd = t ? `${t.host}: ${t.argv.slice(t.argv.indexOf('zfs'), t.argv.indexOf('zfs') + 3).join(' ')}` : '?';
  return `${pt.when}${pt.when === 'mid' ? ` substream ${pt.substream}` : ''} of #${pt.command} (${cmd})`;
}

/** After a crash (or none): applies again until the plan is empty, at most two more times, checking each step. */
async function recover(c: Case, pools: Pools, checker: Checker, now: number): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    const t = now + i * 1000;
    const p = await planAt(c, pools, t);
    const errs = errors(p);
    if (errs.length > 0) { checker.violations.push(`${checker.where}, plan ${i}: errors: ${errs.join('; ')}`); return; }
    if (changes(p) === 0) { checker.checkClean(`after ${i - 1} more applies`); return; }
    if (i === 3) { checker.violations.push(`${checker.where}: still ${changes(p)} changes after two more applies`); return; }
    checker.notePlan(p);
    await applyAt(c, p, pools, t);
    checker.check(`apply ${i}`);
  }
}

async function runCase(c: Case): Promise<{ points: number; resumable: number; violations: string[] }> {
  let resumable = 0;
  const { pools: base, now } = await c.prepare();
  const plan = await planAt(c, base, now);
  assert.ok(changes(plan) > 0, `${c.name}: the plan has changes`);
  assert.deepEqual(errors(plan), [], `${c.name}: the plan has no errors`);
  // the run without a crash, traced: its commands are the crash points
  const traced = clonePools(base);
  const sw = new CrashSwitch(null);
  const clean = new Checker(c, traced, `${c.name} without a crash`);
  clean.notePlan(plan);
  assert.equal(await applyAt(c, plan, traced, now, sw), 'done');
  clean.check('apply');
  await recover(c, traced, clean, now);
  const violations = [...clean.violations];
  const points = computeCrashPoints(sw.trace);
  for (const pt of points) {
    const pools = clonePools(base);
    const where = `${c.name}: crash ${describePoint(pt, sw.trace)}`;
    const checker = new Checker(c, pools, where);
    checker.notePlan(plan);
    const crash = new CrashSwitch(pt);
    const r = await applyAt(c, plan, pools, now, crash);
    if (r !== 'crashed') { violations.push(`${where}: the run did not reach it`); continue; }
    checker.check('after the crash');
    if ([...pools.dst.datasets.values()].some((d) => d.partial !== null)) resumable++;
    await recover(c, pools, checker, now);
    violations.push(...checker.violations);
  }
  return { points: points.length, resumable, violations };
}

// ---- the plans ----

function config(o: { filesystems: string; protection: string; rollback?: boolean; extra?: string; concurrency?: number }): Config {
  return parseConfig(`
hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: ${JOB}
    source: { host: local, filesystems: { ${o.filesystems} } }
    target: { host: nas, root_fs: backup }
    replication:
      protection: { initial: ${o.protection}, incremental: ${o.protection} }
      initial: all${o.rollback ? '\n      allow_rollback: true' : ''}${o.concurrency ? `\n      concurrency: ${o.concurrency}` : ''}
${o.extra ?? ''}`, 'zform.yml');
}

/** Builds both sides with layout lines at `now` (no commands counted). */
function build(now: number, src: string[], dst: string[] = []): Pools {
  const s = new FakeHost('local', { clock: () => new Date(now) }).apply('pool tank', ...src);
  const d = new FakeHost('nas', { clock: () => new Date(now) }).apply('pool backup', ...dst);
  return { src: s.zfs.state, dst: d.zfs.state };
}

/** Applies the plan of `now` fully (a preparation step). */
async function settle(c: Case, pools: Pools, now: number): Promise<void> {
  await applyAt(c, await planAt(c, pools, now), pools, now);
  assert.equal(changes(await planAt(c, pools, now)), 0, `${c.name}: preparation converged`);
}

const TREE = ['create tank/a', 'create tank/a/b', 'create tank/a/b/c', 'write tank/a/b 100K', 'write tank/a/b/c 60K',
  'snapshot tank/a/b@s1 tank/a/b/c@s1', 'write tank/a/b 30K', 'snapshot tank/a/b@s2 tank/a/b/c@s2'];

/** tank/a/b with three children: chains that run side by side at concurrency > 1 */
const WIDE = ['create tank/a', 'create tank/a/b', 'create tank/a/b/c', 'create tank/a/b/d', 'create tank/a/b/e', 'write tank/a/b 100K',
  'write tank/a/b/c 60K', 'write tank/a/b/d 30K', 'write tank/a/b/e 45K', 'snapshot tank/a/b@s1 tank/a/b/c@s1 tank/a/b/d@s1 tank/a/b/e@s1',
  'write tank/a/b 30K', 'write tank/a/b/d 8K', 'snapshot tank/a/b@s2 tank/a/b/c@s2 tank/a/b/d@s2 tank/a/b/e@s2'];

function incremental(protection: string, concurrency?: number): Case {
  const c: Case = {
    name: `incremental -I under ${protection}${concurrency ? `, concurrency ${concurrency}` : ''}`,
    config: config({ filesystems: '"tank/a/b<": true', protection, concurrency }),
    allowRollback: false,
    async prepare() {
      const pools = build(T0, concurrency ? WIDE : TREE);
      await settle(c, pools, T0);
      const more = new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + HOUR) });
      const all = concurrency ? ['tank/a/b', 'tank/a/b/c', 'tank/a/b/d', 'tank/a/b/e'] : ['tank/a/b', 'tank/a/b/c'];
      more.apply('write tank/a/b 40K', `snapshot ${all.map((d) => `${d}@s3`).join(' ')}`, 'write tank/a/b/c 20K', `snapshot ${all.map((d) => `${d}@s4`).join(' ')}`);
      return { pools, now: T0 + HOUR };
    },
  };
  return c;
}

/** A clone of tank/a/b@s1 inside the tree (and a clone named before its origin's tree is irrelevant here: planning
 *  orders by origin): received as a clone of the origin's replica, after the chain that delivers it. */
function cloneCase(concurrency: number): Case {
  const c: Case = {
    name: `a source clone received as a clone${concurrency > 1 ? `, concurrency ${concurrency}` : ''}`,
    config: config({ filesystems: '"tank/a/b<": true', protection: 'guarantee_resumability', ...(concurrency > 1 ? { concurrency } : {}) }),
    allowRollback: false,
    async prepare() {
      const pools = build(T0, TREE);
      const host = new FakeHost('local', { state: pools.src, clock: () => new Date(T0) });
      host.cloneSnapshot('tank/a/b@s1', 'tank/a/b/k');
      host.apply('write tank/a/b/k 50K', 'snapshot tank/a/b/k@k1', 'write tank/a/b/k 20K', 'snapshot tank/a/b/k@k2');
      const sends = (await planAt(c, pools, T0)).jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'send');
      assert.ok(sends.some((a) => a.receive.origin === 'backup/tank/a/b@s1'), 'the plan under test receives the clone as a clone');
      return { pools, now: T0 };
    },
  };
  return c;
}

const cases: Case[] = [
  {
    name: 'initial full with placeholders',
    config: config({ filesystems: '"tank/a/b<": true', protection: 'guarantee_resumability' }),
    allowRollback: false,
    async prepare() { return { pools: build(T0, TREE), now: T0 }; },
  },
  incremental('guarantee_resumability'),
  incremental('guarantee_incremental'),
  incremental('guarantee_nothing'),
  {
    name: 'initial full with placeholders, concurrency 3',
    config: config({ filesystems: '"tank/a/b<": true', protection: 'guarantee_resumability', concurrency: 3 }),
    allowRollback: false,
    async prepare() { return { pools: build(T0, WIDE), now: T0 }; },
  },
  incremental('guarantee_resumability', 3),
  incremental('guarantee_incremental', 3),
  (() => {
    const c: Case = {
      name: 'a resume',
      config: config({ filesystems: '"tank/a/b<": true', protection: 'guarantee_resumability' }),
      allowRollback: false,
      async prepare() {
        const pools = build(T0, TREE);
        await settle(c, pools, T0);
        const src = new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + HOUR) }).apply('write tank/a/b 200K', 'snapshot tank/a/b@s3');
        const dst = new FakeHost('nas', { state: pools.dst, clock: () => new Date(T0 + HOUR) });
        // an incremental receive -s cut half-way: the target keeps a resume token
        const send: SendArgs = { kind: 'incremental', from: 'tank/a/b@s2', snapshot: 'tank/a/b@s3', intermediates: false, flags: { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false } };
        const chunks: Buffer[] = [];
        const s = src.send(send);
        for await (const ch of s.stdout) chunks.push(ch as Buffer);
        await s.done;
        const recv: ReceiveArgs = { dataset: 'backup/tank/a/b', resumable: true, force: false, noMount: true, override: {}, inherit: [] };
        const r = dst.receive(recv);
        const all = Buffer.concat(chunks);
        r.stdin!.end(all.subarray(0, Math.floor(all.length / 2)));
        await r.done.catch(() => {});
        assert.ok([...pools.dst.datasets.values()].some((d) => d.partial !== null), 'a partial receive to resume');
        return { pools, now: T0 + HOUR };
      },
    };
    return c;
  })(),
  (() => {
    const c: Case = {
      name: 'pruning on both sides',
      config: config({
        filesystems: '"tank/a/b<": true', protection: 'guarantee_resumability',
        extra: `    snapshotting: { prefix: zf_, interval: 1h }
    pruning:
      keep_source: [ { type: not_replicated }, { type: last_n, count: 2 } ]
      keep_target: [ { type: last_n, count: 3 } ]`,
      }),
      allowRollback: false,
      async prepare() {
        const pools = build(T0, TREE);
        await settle(c, pools, T0);
        for (let h = 1; h <= 3; h++) {
          new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + h * HOUR) }).apply(`write tank/a/b ${h}0K`);
          await settle(c, pools, T0 + h * HOUR);
        }
        new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + 4 * HOUR) }).apply('write tank/a/b 5K');
        return { pools, now: T0 + 4 * HOUR };
      },
    };
    return c;
  })(),
  (() => {
    const c: Case = {
      name: 'a raw encrypted send',
      config: config({ filesystems: '"tank/enc<": true', protection: 'guarantee_resumability', extra: '    send: { encrypted: true }' }),
      allowRollback: false,
      async prepare() {
        const pools = build(T0, ['create tank/enc encryption=on keyformat=hex keylocation=file:///k', 'create tank/enc/x', 'write tank/enc 80K',
          'write tank/enc/x 40K', 'snapshot tank/enc@s1 tank/enc/x@s1']);
        await settle(c, pools, T0);
        new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + HOUR) }).apply('write tank/enc 30K', 'snapshot tank/enc@s2 tank/enc/x@s2', 'write tank/enc/x 9K', 'snapshot tank/enc@s3 tank/enc/x@s3');
        return { pools, now: T0 + HOUR };
      },
    };
    return c;
  })(),
  (() => {
    const c: Case = {
      name: 'a rollback with allow-rollback',
      config: config({ filesystems: '"tank/a/b<": true', protection: 'guarantee_resumability', rollback: true }),
      allowRollback: true,
      async prepare() {
        const pools = build(T0, TREE);
        await settle(c, pools, T0);
        new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + HOUR) }).apply('write tank/a/b 10K', 'snapshot tank/a/b@s3 tank/a/b/c@s3');
        new FakeHost('nas', { state: pools.dst, clock: () => new Date(T0 + HOUR) }).apply('write backup/tank/a/b 7K', 'snapshot backup/tank/a/b@local', 'write backup/tank/a/b 3K');
        return { pools, now: T0 + HOUR };
      },
    };
    return c;
  })(),
  (() => {
    const c: Case = {
      name: 'a source rename followed by zfs rename of the target',
      config: config({ filesystems: '"tank/a/b<": true', protection: 'guarantee_incremental', extra: '      follow_renames: true' }),
      allowRollback: false,
      async prepare() {
        const pools = build(T0, TREE);
        await settle(c, pools, T0);
        new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + HOUR) }).apply('rename tank/a/b/c tank/a/b/d', 'write tank/a/b/d 20K', 'snapshot tank/a/b@s3 tank/a/b/d@s3');
        return { pools, now: T0 + HOUR };
      },
    };
    return c;
  })(),
  cloneCase(1),
  cloneCase(3),
  (() => {
    const c: Case = {
      name: 'a target destroyed after its source (destroy_missing)',
      config: config({ filesystems: '"tank/a/b<": true', protection: 'guarantee_resumability', extra: '      destroy_missing: 1h' }),
      allowRollback: false,
      async prepare() {
        const pools = build(T0, TREE);
        await settle(c, pools, T0);
        new FakeHost('local', { state: pools.src, clock: () => new Date(T0 + HOUR) }).apply('destroy -r tank/a/b/c', 'write tank/a/b 9K', 'snapshot tank/a/b@s3');
        return { pools, now: T0 + 2 * HOUR };
      },
    };
    return c;
  })(),
];

test('every crash point of thirteen kinds of plans (four with concurrent chains): nothing unplanned destroyed, incrementals kept, convergence', async () => {
  let points = 0;
  let resumable = 0;
  const violations: string[] = [];
  for (const c of cases) {
    const r = await runCase(c);
    points += r.points;
    resumable += r.resumable;
    violations.push(...r.violations);
  }
  console.log(`${points} crash points, ${violations.length} violations (${resumable} crashes left a resumable receive)`);
  assert.ok(points >= 100, `${points} crash points`);
  assert.deepEqual(violations, []);
});

test('the checker sees an unplanned destroy, a foreign target snapshot, a lost incremental base and what a run left', async () => {
  const c = incremental('guarantee_incremental');
  const { pools } = await c.prepare();
  const checker = new Checker(c, pools, 'planted');
  const src = new FakeHost('local', { state: pools.src });
  const dst = new FakeHost('nas', { state: pools.dst });
  // every base of tank/a/b/c goes: its snapshots on the source, its cursor; a snapshot of nowhere arrives on the target
  const cursors = [...pools.src.datasets.get('tank/a/b/c')!.bookmarks].map((b) => `tank/a/b/c#${b.name}`);
  src.apply('destroy tank/a/b/c@s1,s2,s3,s4', ...cursors.map((b) => `destroy ${b}`));
  dst.apply('snapshot backup/tank/a/b@foreign', 'hold zform_STEP_J_j backup/tank/a/b@s2');
  src.apply('bookmark tank/a/b@s1 #zform_CURSORTENTATIVE_G_0000000000000001_J_j');
  checker.check('planted');
  checker.checkClean('planted');
  assert.deepEqual(checker.violations.map((v) => v.replace(/^planted, planted: /, '')).sort(), [
    'source tank/a/b/c@s1 was destroyed but no plan named it',
    'source tank/a/b/c@s2 was destroyed but no plan named it',
    'source tank/a/b/c@s3 was destroyed but no plan named it',
    'source tank/a/b/c@s4 was destroyed but no plan named it',
    'step hold left on target backup/tank/a/b@s2',
    'tank/a/b/c → backup/tank/a/b/c has no common snapshot or cursor any more',
    'target backup/tank/a/b@foreign is no source snapshot',
    'tentative cursor left: tank/a/b#zform_CURSORTENTATIVE_G_0000000000000001_J_j',
  ]);
});
