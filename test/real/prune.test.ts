// Pruning on real OpenZFS: ten days of hourly snapshots (the guest's clock set before each one), replicated
// and pruned to a grid on both sides in one apply; a held snapshot survives with a warning; the next hour's
// replication is still incremental and prunes again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, writeFile, q, type Pool } from './lib.js';
import { Zform, assertExit, readSnapshots } from './apply-helpers.js';
import { formatTimestamp } from '../../src/config/timestamp.js';
import type { Plan } from '../../src/plan/types.js';

requireGuest(import.meta.url);

const H = 3600;
// ten days, not a month: every case of the grid (hourly and daily buckets on both sides, older than the grid on the
// source, a held snapshot) with a third of the snapshots to take, send and destroy (each snapshot is a txg of its own)
const HOURS = 240;
const DAYS = HOURS / 24;
const realStart = Date.now();
// hour-aligned start, so the last of the hourly snapshots is a little over an hour old at "now"
const t0 = Math.floor(realStart / 1000 / H) * H - HOURS * H;
const name = (unix: number) => `zf_${formatTimestamp(new Date(unix * 1000), 'dense')}`;
const hourName = (h: number) => name(t0 + h * H);

/** The name of the snapshot a plan takes (one dataset). */
function takenName(p: Plan): string {
  const a = p.jobs[0]!.snapshots[0];
  assert.ok(a && a.kind === 'snapshot' && a.snapshots.length === 1, 'one snapshot due');
  return a.snapshots[0]!.slice(a.snapshots[0]!.indexOf('@') + 1);
}

async function setClock(unix: number): Promise<void> { await sh(`date -u -s @${unix} >/dev/null`); }

const pools: Pool[] = [];
after(async () => {
  // back to real time (plus what the test took), whatever happened
  await setClock(Math.floor(realStart / 1000) + Math.ceil((Date.now() - realStart) / 1000) + 1);
  for (const p of pools) await p.destroy().catch(() => undefined);
});

test('ten days of hourly snapshots pruned to the grid on both sides; the next run is still incremental', { timeout: 900_000 }, async () => {
  const src = await createPool('zprsrc', { mounted: true, sizeMiB: 512 });
  const dst = await createPool('zprdst', { sizeMiB: 512 });
  pools.push(src, dst);
  await sh('zfs create zprsrc/data');
  await writeFile('zprsrc/data', 'f', 64 * 1024);
  // one shell loop in the guest: set the clock, snapshot, every hour of the ten days (the name from bash's own
  // printf, not one more date process per hour)
  await sh(`export TZ=UTC; for ((h = 0; h < ${HOURS}; h++)); do t=$((${t0} + h * ${H})); date -u -s @$t >/dev/null; ` +
    `printf -v n '%(%Y%m%d_%H%M%S)T' $t; zfs snapshot "zprsrc/data@zf_\${n}_000" || exit 1; done`);
  await sh(`zfs hold audit ${q(`zprsrc/data@${hourName(100)}`)}`);
  assert.equal((await readSnapshots('zprsrc/data')).length, HOURS);

  const now = t0 + HOURS * H + 300; // 5 minutes past the hour after the last of the hourly snapshots
  await setClock(now);
  const z = new Zform();
  const cfg = z.config('prune.yml', `
jobs:
  - name: month
    source: { host: local, filesystems: { "zprsrc/data": true } }
    target: { host: local, root_fs: zprdst }
    snapshotting: { prefix: zf_, interval: 1h }
    replication: { initial: all }
    pruning:
      keep_source:
        - { type: not_replicated }
        - { type: grid, grid: "1x1h(keep=all) | 24x1h | 3x1d", regex: "^zf_" }
      keep_target:
        - { type: grid, grid: "1x1h(keep=all) | 24x1h | ${DAYS}x1d", regex: "^zf_" }
`);
  const human = await z.run(['plan', '-c', cfg]);
  assertExit(human, 0, 'plan');
  // apply executes exactly this saved plan (a new plan would name the snapshot it takes anew)
  const p = await z.plan(cfg, z.file('month.plan'));
  // the snapshot zform takes is named after its own clock (seconds after `now`)
  const planned = takenName(p);
  const ds = p.jobs[0]!.datasets.find((d) => d.source === 'zprsrc/data')!;
  const destroys = ds.actions.filter((a) => a.kind === 'destroy_snapshots');
  assert.deepEqual(destroys.map((a) => a.side), ['source', 'target']);
  const srcGone = new Set(destroys[0]!.kind === 'destroy_snapshots' ? destroys[0]!.snapshots.map((s) => s.ref.name) : []);
  const dstGone = new Set(destroys[1]!.kind === 'destroy_snapshots' ? destroys[1]!.snapshots.map((s) => s.ref.name) : []);

  // Ages from the planned snapshot (the youngest): hour h is (HOURS - h) h + 5 min old.
  // Target grid: the planned one, 24 hourly (h 216..239), then one per day bucket: its oldest, h = 192, 168, ..., 0.
  const targetKeeps = new Set([planned, ...Array.from({ length: 24 }, (_, i) => hourName(HOURS - 24 + i)), ...Array.from({ length: DAYS - 1 }, (_, k) => hourName(HOURS - 48 - 24 * k))]);
  // Source grid: 24 hourly and 3 daily (h 192, 168, 144); plus h 100, held.
  const sourceKeeps = new Set([planned, ...Array.from({ length: 24 }, (_, i) => hourName(HOURS - 24 + i)), ...Array.from({ length: 3 }, (_, k) => hourName(HOURS - 48 - 24 * k)), hourName(100)]);
  const all = [...Array.from({ length: HOURS }, (_, h) => hourName(h))];
  assert.deepEqual([...dstGone].sort(), all.filter((n) => !targetKeeps.has(n)).sort());
  assert.deepEqual([...srcGone].sort(), all.filter((n) => !sourceKeeps.has(n)).sort());
  assert.equal(dstGone.size, HOURS - 24 - (DAYS - 1));
  assert.equal(srcGone.size, HOURS - 24 - 3 - 1);

  // The human plan: one line per destroyed snapshot with its reasons; the held one reported.
  // h 215 is 25 h 5 min old: the first day bucket, whose oldest (h 192) stays; h 191 is in the second
  assert.match(human.stdout, new RegExp(`^ +- destroy zprdst/zprsrc/data@${hourName(HOURS - 25)} {2}\\(grid: bucket 1 of ${DAYS}x1d full\\)$`, 'm'));
  assert.match(human.stdout, new RegExp(`^ +- destroy zprdst/zprsrc/data@${hourName(HOURS - 49)} {2}\\(grid: bucket 2 of ${DAYS}x1d full\\)$`, 'm'));
  assert.match(human.stdout, new RegExp(`^ +- destroy zprsrc/data@${hourName(1)} {2}\\(not_replicated: replicated; grid: older than the grid \\(4d1h\\)\\)$`, 'm'));
  assert.match(human.stdout, new RegExp(`@${hourName(100)}: audit \\(zform never releases holds it did not place\\)`));
  assert.ok(p.summary.destroys >= srcGone.size + dstGone.size);
  assert.match(human.stdout, new RegExp(`^Plan: 1 snapshot, 2 sends .*, ${p.summary.destroys} destroys\\.$`, 'm'));

  const r = await z.run(['apply', '-c', cfg, z.file('month.plan')]);
  assertExit(r, 0, 'apply');
  assert.deepEqual(new Set(await readSnapshots('zprsrc/data')), sourceKeeps);
  assert.deepEqual(new Set(await readSnapshots('zprdst/zprsrc/data')), targetKeeps);
  await z.assertNoChanges(cfg);

  // An hour later: a new snapshot, sent incrementally from the last one, and pruned again.
  await writeFile('zprsrc/data', 'g', 32 * 1024);
  // an hour after zform's snapshot was really taken (the guest clock ran on during the first apply)
  const created = Number((await sh(`zfs get -H -p -o value creation ${q(`zprsrc/data@${planned}`)}`)).trim());
  const later = created + H + 120;
  await setClock(later);
  const p2 = await z.plan(cfg, z.file('later.plan'));
  const planned2 = takenName(p2);
  const sends = p2.jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'send');
  assert.deepEqual(sends.map((a) => a.kind === 'send' && [a.mode, a.from?.name, a.to.name]), [['incremental', planned, planned2]]);
  // the grid slid by an hour: on the source h 144 fell out of the 3 days; the target's buckets each still
  // hold exactly their one snapshot
  const destroyed2 = p2.jobs[0]!.datasets.flatMap((d) => d.actions).flatMap((a) => (a.kind === 'destroy_snapshots' ? a.snapshots.map((s) => `${a.side} ${s.ref.name} (${s.reason})`) : []));
  assert.deepEqual(destroyed2, [
    `source ${hourName(HOURS - 48 - 24 * 2)} (not_replicated: replicated; grid: older than the grid (4d1h))`,
  ]);
  assertExit(await z.run(['apply', '-c', cfg, z.file('later.plan')]), 0, 'second apply');
  const target2 = await readSnapshots('zprdst/zprsrc/data');
  assert.deepEqual(new Set(target2), new Set([...targetKeeps, planned2]));
  const guid = async (s: string) => (await sh(`zfs get -H -p -o value guid ${q(s)}`)).trim();
  assert.equal(await guid(`zprdst/zprsrc/data@${planned2}`), await guid(`zprsrc/data@${planned2}`));
  assert.equal((await readSnapshots('zprsrc/data')).length, sourceKeeps.size + 1 - 1);
  await z.assertNoChanges(cfg);
});

test('a snapshot-and-prune job without a target: takes its snapshot and keeps the newest N, held ones too', { timeout: 300_000 }, async () => {
  const pool = await createPool('zprsnap', { sizeMiB: 128 });
  pools.push(pool);
  await sh('zfs create zprsnap/a && zfs create zprsnap/a/b');
  const now = Math.floor(Date.now() / 1000);
  for (let i = 5; i >= 1; i--) {
    await setClock(now - i * H);
    await sh(`zfs snapshot -r zprsnap/a@${name(now - i * H)}`);
  }
  await setClock(now);
  await sh(`zfs hold keep zprsnap/a/b@${name(now - 5 * H)}`);
  const z = new Zform();
  const cfg = z.config('snap.yml', `
jobs:
  - name: snaponly
    source: { host: local, filesystems: { "zprsnap/a<": true } }
    snapshotting: { prefix: zf_, interval: 1h }
    pruning:
      keep_source: [ { type: last_n, count: 3, regex: "^zf_" } ]
`);
  const r = await z.run(['plan', '-c', cfg]);
  assertExit(r, 0, 'plan');
  assert.match(r.stdout, /^Plan: 2 snapshots, 5 destroys\.$/m);
  assertExit(await z.run(['apply', '-c', cfg, '--auto-approve']), 0, 'apply');
  const taken = (await readSnapshots('zprsnap/a')).at(-1)!;
  assert.match(taken, /^zf_\d{8}_\d{6}_\d{3}$/);
  assert.ok(taken > name(now - H), `${taken} is the snapshot zform took`);
  const newest3 = [name(now - 2 * H), name(now - H), taken];
  assert.deepEqual(await readSnapshots('zprsnap/a'), newest3);
  assert.deepEqual(await readSnapshots('zprsnap/a/b'), [name(now - 5 * H), ...newest3]);
  await z.assertNoChanges(cfg);
});
