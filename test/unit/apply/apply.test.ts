// apply against FakeHost: plans executed end to end, protection left on disk, failure isolation,
// interruption and resume, saved-plan staleness, the cursor as incremental base after pruning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import { checkSavedPlanFile, recomputeSavedPlan } from '../../../src/apply/stale.js';
import type { HostPool } from '../../../src/hosts.js';
import { StalePlanError } from '../../../src/errors.js';
import type { Plan } from '../../../src/plan/types.js';
import type { Config } from '../../../src/config/types.js';
import type { ApplyEvent } from '../../../src/apply/events.js';

const YAML = (protection = 'guarantee_resumability', extra = '') => `
hosts:
  nas:
    ssh: { host: nas.example.org, known_hosts: /dev/null }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
    replication:
      protection: { initial: ${protection}, incremental: ${protection} }
${extra}`;

interface World { config: Config; src: FakeHost; dst: FakeHost; now: Date }

function world(yaml = YAML()): World {
  const now = new Date('2026-11-21T12:00:00Z');
  const src = new FakeHost('local', { clock: () => now }).apply('pool tank', 'create tank/a', 'create tank/a/b', 'write tank/a 100K', 'write tank/a/b 50K', 'snapshot tank/a@s1 tank/a/b@s1');
  const dst = new FakeHost('nas', { clock: () => now }).apply('pool backup');
  return { config: parseConfig(yaml, 'zform.yml'), src, dst, now };
}

async function plan(w: World, allowRollback = false): Promise<Plan> {
  const hosts = staticHosts({ local: w.src, nas: w.dst });
  const { inventories, resumeTokens } = await readInventories(w.config, ['j'], (n) => hosts.get(n));
  return computePlan({ config: w.config, jobs: ['j'], inventories, resumeTokens, now: w.now, zformVersion: 'test', allowRollback });
}

async function apply(w: World, p: Plan, signal?: AbortSignal, events: ApplyEvent[] = []) {
  return applyPlan(p, w.config, { hosts: staticHosts({ local: w.src, nas: w.dst }), signal, hooks: (e) => events.push(e), clock: () => w.now });
}

/** What `zform apply PLANFILE` checks before running a saved plan (throws StalePlanError). */
async function checkPlanFresh(p: Plan, config: Config, hosts: HostPool): Promise<void> {
  await recomputeSavedPlan(p, config, checkSavedPlanFile(p, config, new Date(p.createdAt)), hosts, new Date(p.createdAt));
}

function actionCount(p: Plan): number {
  return p.jobs.reduce((n, j) => n + j.snapshots.length + j.datasets.reduce((m, d) => m + d.actions.length, 0), 0);
}

async function holdsOf(h: FakeHost) {
  const l = await h.list([]);
  return l.holds.map((x) => `${x.snapshot} ${x.tag}`).sort();
}
async function bookmarksOf(h: FakeHost) {
  const l = await h.list([]);
  return l.versions.filter((v) => v.kind === 'bookmark').map((v) => `${v.dataset}#${v.name}`).sort();
}

test('initial replication of a nested tree, then a second plan has no changes', async () => {
  const w = world();
  const p = await plan(w);
  assert.ok(actionCount(p) > 0);
  const r = await apply(w, p);
  assert.equal(r.interrupted, false);
  assert.deepEqual(r.outcomes.map((o) => [o.source, o.target, o.status]), [
    ['tank', 'backup/tank', 'ok'], ['tank/a', 'backup/tank/a', 'ok'], ['tank/a/b', 'backup/tank/a/b', 'ok'],
  ]);
  assert.equal(w.dst.guidOf('backup/tank/a@s1'), w.src.guidOf('tank/a@s1'));
  assert.equal(w.dst.guidOf('backup/tank/a/b@s1'), w.src.guidOf('tank/a/b@s1'));
  assert.equal(r.totals.sends, 2);
  const again = await plan(w);
  assert.equal(actionCount(again), 0);
  // On disk: last-received holds on the target, cursors on the source, no step holds left.
  assert.deepEqual(await holdsOf(w.dst), ['backup/tank/a/b@s1 zform_last_received_J_j', 'backup/tank/a@s1 zform_last_received_J_j']);
  assert.deepEqual(await holdsOf(w.src), []);
  const hex = (g: string) => BigInt(g).toString(16).padStart(16, '0');
  assert.deepEqual(await bookmarksOf(w.src), [
    `tank/a/b#zform_CURSOR_G_${hex(w.src.guidOf('tank/a/b@s1')!)}_J_j`,
    `tank/a#zform_CURSOR_G_${hex(w.src.guidOf('tank/a@s1')!)}_J_j`,
  ].sort());
});

test('incremental: the abstractions on disk afterwards are exactly those the plan listed', async () => {
  const w = world();
  await apply(w, await plan(w));
  w.src.apply('write tank/a 10K', 'snapshot tank/a@s2', 'snapshot tank/a@s3');
  const p = await plan(w);
  const kinds = p.jobs[0]!.datasets.find((d) => d.source === 'tank/a')!.actions.map((a) => a.kind);
  assert.ok(kinds.includes('send'));
  const r = await apply(w, p);
  assert.equal(r.totals.sends, 1, 'one batched -I step under guarantee_resumability');
  assert.equal(w.dst.guidOf('backup/tank/a@s2'), w.src.guidOf('tank/a@s2'));
  assert.equal(w.dst.guidOf('backup/tank/a@s3'), w.src.guidOf('tank/a@s3'));
  assert.deepEqual(await holdsOf(w.dst), ['backup/tank/a/b@s1 zform_last_received_J_j', 'backup/tank/a@s3 zform_last_received_J_j']);
  assert.deepEqual(await holdsOf(w.src), []);
  const bms = await bookmarksOf(w.src);
  assert.equal(bms.filter((b) => b.startsWith('tank/a#')).length, 1, 'the old cursor is gone');
  assert.ok(bms.some((b) => b.startsWith('tank/a#zform_CURSOR_G_') && b.includes(BigInt(w.src.guidOf('tank/a@s3')!).toString(16))));
  assert.equal(actionCount(await plan(w)), 0);
});

test('the cursor bookmark keeps incrementals possible after the last common snapshot is pruned', async () => {
  const w = world();
  await apply(w, await plan(w));
  w.src.apply('snapshot tank/a@s2', 'destroy tank/a@s1');
  const p = await plan(w);
  const send = p.jobs[0]!.datasets.find((d) => d.source === 'tank/a')!.actions.find((a) => a.kind === 'send');
  assert.ok(send && send.kind === 'send');
  assert.equal(send.mode, 'incremental');
  assert.equal(send.from?.kind, 'bookmark');
  const r = await apply(w, p);
  assert.equal(r.outcomes.find((o) => o.source === 'tank/a')!.status, 'ok');
  assert.equal(w.dst.guidOf('backup/tank/a@s2'), w.src.guidOf('tank/a@s2'));
});

test('a failing dataset stops only its chain; the others replicate; the outcome names the error', async () => {
  const w = world();
  w.src.apply('create tank/a/c', 'snapshot tank/a/c@s1');
  const p = await plan(w);
  // The first receive (tank/a) succeeds; make the receive of tank/a/b fail with out of space.
  const order = p.jobs[0]!.datasets.filter((d) => d.actions.some((a) => a.kind === 'send')).map((d) => d.source);
  assert.deepEqual(order, ['tank/a', 'tank/a/b', 'tank/a/c']);
  let receives = 0;
  const orig = w.dst.receive.bind(w.dst);
  w.dst.receive = (args) => {
    receives++;
    if (receives === 2) w.dst.failNext('receive', 'cannot receive new filesystem stream: out of space');
    return orig(args);
  };
  const r = await apply(w, p);
  const by = Object.fromEntries(r.outcomes.map((o) => [o.source, o]));
  assert.equal(by['tank/a']!.status, 'ok');
  assert.equal(by['tank/a/b']!.status, 'failed');
  assert.match(by['tank/a/b']!.reason!, /out of space/);
  assert.equal(by['tank/a/c']!.status, 'ok');
  assert.equal(w.dst.guidOf('backup/tank/a/c@s1'), w.src.guidOf('tank/a/c@s1'));
  assert.equal(w.dst.guidOf('backup/tank/a/b@s1'), undefined);
  // The failed dataset's step holds stay (its send is protected for the retry) and the next plan retries it.
  const again = await plan(w);
  assert.deepEqual(again.jobs[0]!.datasets.filter((d) => d.actions.some((a) => a.kind === 'send')).map((d) => d.source), ['tank/a/b']);
  await apply(w, again);
  assert.equal(w.dst.guidOf('backup/tank/a/b@s1'), w.src.guidOf('tank/a/b@s1'));
  assert.equal(actionCount(await plan(w)), 0);
  assert.deepEqual(await holdsOf(w.src), []);
});

test('an interrupted transfer leaves resumable state; the next plan resumes it and completes', async () => {
  const w = world();
  await apply(w, await plan(w));
  w.src.apply('write tank/a 4M', 'snapshot tank/a@s2');
  const p = await plan(w);
  const ctl = new AbortController();
  const events: ApplyEvent[] = [];
  const hooks = (e: ApplyEvent) => { events.push(e); if (e.type === 'apply_progress' && e.bytes > 1024 * 1024) ctl.abort(); };
  const r = await applyPlan(p, w.config, { hosts: staticHosts({ local: w.src, nas: w.dst }), signal: ctl.signal, hooks, clock: () => w.now });
  assert.equal(r.interrupted, true);
  assert.equal(r.outcomes.find((o) => o.source === 'tank/a')!.status, 'interrupted');
  const listing = await w.dst.list(['backup']);
  const token = listing.datasets.find((d) => d.name === 'backup/tank/a')!.resumeToken;
  assert.ok(token, 'receive_resume_token present');
  const p2 = await plan(w);
  const sends = p2.jobs[0]!.datasets.find((d) => d.source === 'tank/a')!.actions.filter((a) => a.kind === 'send');
  assert.deepEqual(sends.map((s) => s.kind === 'send' && s.mode), ['resume']);
  const r2 = await apply(w, p2);
  assert.equal(r2.outcomes.find((o) => o.source === 'tank/a')!.status, 'ok');
  assert.equal(w.dst.guidOf('backup/tank/a@s2'), w.src.guidOf('tank/a@s2'));
  assert.equal(actionCount(await plan(w)), 0);
  assert.deepEqual(await holdsOf(w.src), []);
});

test('a saved plan is refused as stale when a dataset changed, and when the config changed', async () => {
  const w = world();
  const p = await plan(w);
  const hosts = staticHosts({ local: w.src, nas: w.dst });
  await checkPlanFresh(p, w.config, hosts); // fresh: no throw
  w.src.apply('snapshot tank/a/b@s9');
  await assert.rejects(checkPlanFresh(p, w.config, hosts), (e: unknown) => {
    assert.ok(e instanceof StalePlanError);
    assert.equal(e.shortMessage, 'saved plan is stale: job j, dataset tank/a/b: local:tank/a/b changed since the plan was made (snapshots, GUIDs or resume state); plan again');
    return true;
  });
  const other = { ...w.config, digest: 'different' };
  await assert.rejects(checkPlanFresh(p, other, hosts), /saved plan is stale: it was made from the configuration "zform.yml", and zform.yml differs from it/);
});

test('due snapshots are taken atomically per pool and replicated; the cursor name is derived after apply', async () => {
  const w = world(YAML('guarantee_resumability', '    snapshotting: { prefix: zform_, interval: 1h }\n'));
  const p = await plan(w);
  assert.deepEqual(p.jobs[0]!.snapshots.map((a) => a.kind === 'snapshot' && a.snapshots), [['tank/a@zform_20261121_120000_000', 'tank/a/b@zform_20261121_120000_000']]);
  const r = await apply(w, p);
  assert.equal(r.totals.snapshots, 2);
  const g = w.src.guidOf('tank/a@zform_20261121_120000_000')!;
  assert.equal(w.dst.guidOf('backup/tank/a@zform_20261121_120000_000'), g);
  assert.ok((await bookmarksOf(w.src)).includes(`tank/a#zform_CURSOR_G_${BigInt(g).toString(16).padStart(16, '0')}_J_j`));
  assert.equal(actionCount(await plan(w)), 0);
});

test('guarantee_incremental leaves no step holds and one cursor; guarantee_nothing leaves nothing', async () => {
  const w = world(YAML('guarantee_incremental'));
  await apply(w, await plan(w));
  w.src.apply('snapshot tank/a@s2', 'snapshot tank/a@s3');
  const r = await apply(w, await plan(w));
  assert.equal(r.totals.sends, 1, 'one -I step for s2 and s3');
  assert.equal(w.dst.guidOf('backup/tank/a@s2'), w.src.guidOf('tank/a@s2'));
  assert.equal(w.dst.guidOf('backup/tank/a@s3'), w.src.guidOf('tank/a@s3'));
  assert.deepEqual(await holdsOf(w.src), []);
  // the tentative cursors on s2 and s3 are gone: one cursor, on s3
  assert.deepEqual((await bookmarksOf(w.src)).filter((b) => b.startsWith('tank/a#')),
    [`tank/a#zform_CURSOR_G_${BigInt(w.src.guidOf('tank/a@s3')!).toString(16).padStart(16, '0')}_J_j`]);

  const n = world(YAML('guarantee_nothing'));
  await apply(n, await plan(n));
  assert.deepEqual(await holdsOf(n.src), []);
  assert.deepEqual(await holdsOf(n.dst), []);
  assert.deepEqual(await bookmarksOf(n.src), []);
});

test('a conflict is reported per dataset and the others still replicate', async () => {
  const w = world();
  await apply(w, await plan(w));
  w.dst.apply('snapshot backup/tank/a/b@foreign');
  w.src.apply('snapshot tank/a@s2', 'snapshot tank/a/b@s2');
  const p = await plan(w);
  const r = await apply(w, p);
  const by = Object.fromEntries(r.outcomes.map((o) => [o.source, o]));
  assert.equal(by['tank/a']!.status, 'ok');
  assert.equal(by['tank/a/b']!.status, 'conflict');
  assert.equal(w.dst.guidOf('backup/tank/a/b@foreign') !== undefined, true, 'nothing destroyed on the target');
});

test('guarantee_incremental with a snapshot taken by this apply: its tentative cursor is derived and removed', async () => {
  const w = world(YAML('guarantee_incremental', '    snapshotting: { prefix: zform_, interval: 1h }\n'));
  await apply(w, await plan(w));
  w.now = new Date('2026-11-21T13:00:00Z');
  const p = await plan(w);
  const derived = p.jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'destroy_bookmarks' && (a.derived ?? []).length > 0);
  assert.ok(derived.length > 0, 'the plan destroys tentative cursors whose names are known only after apply');
  const r = await apply(w, p);
  assert.equal(r.outcomes.every((o) => o.status === 'ok'), true);
  const bms = await bookmarksOf(w.src);
  assert.equal(bms.filter((b) => b.includes('CURSORTENTATIVE')).length, 0);
  const g = w.src.guidOf('tank/a@zform_20261121_130000_000')!;
  assert.deepEqual(bms.filter((b) => b.startsWith('tank/a#')), [`tank/a#zform_CURSOR_G_${BigInt(g).toString(16).padStart(16, '0')}_J_j`]);
  assert.equal(actionCount(await plan(w)), 0);
});

test('pruning end to end: both sides pruned after the send, replication still incremental next time', async () => {
  const w = world(YAML('guarantee_resumability', `    snapshotting: { prefix: zf_, interval: 1h }
    pruning:
      keep_source: [{ type: last_n, count: 2 }]
      keep_target: [{ type: last_n, count: 1 }]`));
  w.src.apply('snapshot tank/a@s2 tank/a/b@s2', 'snapshot tank/a@s3 tank/a/b@s3');
  await apply(w, await plan(w));
  const names = async (h: FakeHost, ds: string) => (await h.list([])).versions.filter((v) => v.kind === 'snapshot' && v.dataset === ds).map((v) => v.name);
  // source: the newest 2 of s1 s2 s3 zf_<now> ; target: its newest only (the full send of the newest)
  assert.deepEqual(await names(w.src, 'tank/a'), ['s3', 'zf_20261121_120000_000']);
  assert.deepEqual(await names(w.dst, 'backup/tank/a'), ['zf_20261121_120000_000']);
  w.now = new Date('2026-11-21T13:00:00Z');
  const next = await plan(w);
  const sends = next.jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'send');
  assert.deepEqual(sends.map((a) => a.kind === 'send' && [a.mode, a.from?.name]), [['incremental', 'zf_20261121_120000_000'], ['incremental', 'zf_20261121_120000_000']]);
  const r = await apply(w, next);
  assert.deepEqual(r.outcomes.map((o) => o.status), ['ok', 'ok']);
  assert.deepEqual(await names(w.dst, 'backup/tank/a'), ['zf_20261121_130000_000']);
  assert.deepEqual(await names(w.src, 'tank/a'), ['zf_20261121_120000_000', 'zf_20261121_130000_000']);
  assert.equal(actionCount(await plan(w)), 0, 'converged: nothing left to prune right after apply');
  w.now = new Date('2026-11-21T14:00:00Z');
  await apply(w, await plan(w));
  assert.deepEqual(await names(w.dst, 'backup/tank/a'), ['zf_20261121_140000_000']);
  assert.deepEqual(await names(w.src, 'tank/a'), ['zf_20261121_130000_000', 'zf_20261121_140000_000']);
});

test('a snapshot-only job whose new snapshot failed does not prune: the rules counted that snapshot', async () => {
  const w = world(`
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a": true } }
    snapshotting: { prefix: zf_, interval: 1h }
    pruning:
      keep_source: [{ type: last_n, count: 1 }]
`);
  const p = await plan(w);
  assert.deepEqual(p.jobs[0]!.datasets[0]!.actions.map((a) => a.kind === 'destroy_snapshots' && a.snapshots.map((s) => s.ref.name)), [['s1']]);
  w.src.failNext('snapshot', "cannot create snapshot 'tank/a@zf_20261121_120000_000': out of space");
  const r = await apply(w, p);
  assert.deepEqual(r.outcomes.map((o) => [o.status, o.reason]), [['skipped', "snapshot of pool tank failed: zfs snapshot on local: cannot create snapshot 'tank/a@zf_20261121_120000_000': out of space"]]);
  assert.deepEqual((await w.src.list([])).versions.filter((v) => v.dataset === 'tank/a').map((v) => v.name), ['s1']);
});

test('a pool\'s snapshots beyond one command\'s argument limit go in several, each atomic; one failing leaves the others taken and reported so', async () => {
  const now = new Date('2026-11-21T12:00:00Z');
  const datasets = Array.from({ length: 3000 }, (_, i) => `tank/home/user${String(i).padStart(4, '0')}`);
  const src = new FakeHost('local', { clock: () => now }).apply('pool tank', 'create tank/home', ...datasets.map((d) => `create ${d}`));
  const w: World = { config: parseConfig('jobs:\n  - name: j\n    source: { host: local, filesystems: { "tank/home<": true, "tank/home": false } }\n    snapshotting: { prefix: zf_, interval: 1h }\n', 'zform.yml'), src, dst: new FakeHost('nas'), now };
  const p = await plan(w);
  const batch = p.jobs[0]!.snapshots[0]!;
  assert.ok(batch.kind === 'snapshot' && batch.snapshots.length === 3000);
  const { renderPlanHuman } = await import('../../../src/views/plan-human.js');
  assert.match(renderPlanHuman(p, { color: false }), /\+ snapshot, pool tank, 3000 names, more than one zfs snapshot may take on every host: atomic in batches:\n/);
  // the command holding the last dataset's snapshot fails (the fake's argument budget is the default 100 KiB)
  const last = `${datasets[2999]}@zf_20261121_120000_000`;
  src.failNext((args) => args[0] === 'snapshot' && args.includes(last), `cannot create snapshot '${last}': out of space`);
  const r = await apply(w, p);
  const commands = src.commandLog.filter((c) => c[1] === 'snapshot');
  assert.equal(commands.length, 2, 'two commands: the first took its snapshots, the second failed');
  const takenCount = commands[0]!.length - 2;
  assert.ok(takenCount > 1000 && takenCount < 3000, String(takenCount));
  const listed = new Set((await src.list([])).versions.map((v) => `${v.dataset}@${v.name}`));
  assert.equal(datasets.filter((d) => listed.has(`${d}@zf_20261121_120000_000`)).length, takenCount);
  assert.deepEqual(r.snapshotFailures, [`j: snapshot of pool tank failed: zfs snapshot on local: cannot create snapshot '${last}': out of space (${takenCount} of its 3000 snapshots were taken)`]);
  assert.equal(r.totals.snapshots, takenCount);
});

test('send.compression: apply runs each side in its compressing pipeline; progress and completion carry the stream\'s and the wire\'s bytes', async () => {
  const w = world(YAML('guarantee_resumability', '    send: { compression: "zstd:3", buffer: 8 MiB }\n'));
  const hosts = staticHosts({ local: w.src, nas: w.dst });
  const inv = await readInventories(w.config, ['j'], (n) => hosts.get(n), { checkPrograms: true });
  const p = computePlan({ config: w.config, jobs: ['j'], ...inv, now: w.now, zformVersion: 'test', allowRollback: false });
  const events: ApplyEvent[] = [];
  const r = await apply(w, p, undefined, events);
  assert.deepEqual(r.outcomes.map((o) => o.status), ['ok', 'ok', 'ok']);
  assert.equal(w.dst.guidOf('backup/tank/a@s1'), w.src.guidOf('tank/a@s1'));
  const sends = w.src.commandLog.filter((a) => a.includes('send'));
  assert.equal(sends.length, 2);
  for (const a of sends) assert.deepEqual([a[0], a[1], a.slice(4, 9)], ['sh', '-c', ['zfs', 'send', '-v', '-P', a[8]!]]);
  assert.ok(w.dst.commandLog.filter((a) => a.includes('receive')).every((a) => a[0] === 'sh' && /^zstd -d -c -q \| "\$@"$/.test(a[2]!)));
  const done = events.filter((e): e is Extract<ApplyEvent, { type: 'apply_complete' }> => e.type === 'apply_complete' && e.action.kind === 'send');
  assert.equal(done.length, 2);
  // the fake does not compress: its wire count equals its stream count, each from its own source
  for (const e of done) assert.ok(e.bytes !== null && e.bytes > 0 && e.wireBytes === e.bytes, JSON.stringify([e.bytes, e.wireBytes]));
  assert.ok(events.some((e) => e.type === 'apply_progress' && e.wireBytes !== undefined));
});
