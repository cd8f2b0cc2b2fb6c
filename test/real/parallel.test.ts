// replication.concurrency on real OpenZFS, both pools local: concurrent full sends of a nested tree keep every
// child after its parent; SIGINT during 4 concurrent transfers leaves 4 resumable receives that the next apply
// resumes; a dataset whose target runs out of space (quota) fails alone while the others replicate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import { layout } from './layout.js';
import {
  Zform, assertExit, checksumReceived, checksumSnapshot, parseApplyEvents, planSends, readGuids, resumeToken, waitForReceiveBegun, writeData,
} from './apply-helpers.js';

requireGuest(import.meta.url);

const MiB = 1024 * 1024;
const S = 'zpas';
const T = 'zpat';
const z = new Zform();
let src: Pool;
let dst: Pool;

const TREE = ['p', 'p/a', 'p/b', 'p/c', 'p/d', 'p/a/x', 'p/a/y', 'p/b/x'].map((d) => `${S}/${d}`);
const KIDS = ['a', 'b', 'c', 'd'].map((d) => `${S}/s/${d}`);

/** One job; `limit`: a bandwidth limit the job's transfers share. */
const config = (job: string, fs: string, root: string, extra = '') => z.config(`${job}${extra ? '-slow' : ''}.yml`, `jobs:
  - name: ${job}
    source: { filesystems: { "${fs}<": true } }
    target: { host: local, root_fs: ${root} }
    replication: { concurrency: 4 }
${extra}`);

type Ev = { type: string; dataset: string; bytes?: number; action: { kind: string } };

before(async () => {
  src = await createPool(S, { mounted: true, sizeMiB: 512 });
  dst = await createPool(T, { sizeMiB: 512 });
  await layout(src, `${TREE.map((d) => d.slice(S.length + 1)).join(' ')} ${TREE.map((d) => `data:${d.slice(S.length + 1)}=512K`).join(' ')} @t1`);
  await layout(src, `s ${KIDS.map((d) => d.slice(S.length + 1)).join(' ')} ${KIDS.map((d) => `data:${d.slice(S.length + 1)}=6M`).join(' ')}`);
  await sh(`zfs snapshot -r ${S}/s@u1`);
  await sh(`zfs create -o mountpoint=none ${T}/q`);
});

after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

test('concurrent full sends of a nested tree: several at once, every child only after its parent, then nothing to do', async () => {
  const cfg = config('tree', `${S}/p`, `${T}/tree`);
  const r = await z.run(['apply', '-c', cfg, '--auto-approve', '--json']);
  assertExit(r, 0, 'apply of the tree');
  const events = parseApplyEvents(r.stdout, ['tree'], [S, T]) as unknown as Ev[];
  const sends = events.filter((e) => (e.type === 'apply_start' || e.type === 'apply_complete') && e.action?.kind === 'send');
  let n = 0;
  let max = 0;
  for (const e of sends) { n += e.type === 'apply_start' ? 1 : -1; max = Math.max(max, n); }
  assert.ok(max >= 2 && max <= 4, `at most 4 and more than 1 transfer at once: ${max}`);
  const at = (type: string, ds: string) => sends.findIndex((e) => e.type === type && e.dataset === `${T}/tree/${ds}`);
  for (const d of TREE) {
    const parent = d.slice(0, d.lastIndexOf('/'));
    if (!TREE.includes(parent)) continue;
    assert.ok(at('apply_start', d) > at('apply_complete', parent), `${d} started after ${parent} was received`);
  }
  const g = await readGuids(S);
  const t = await readGuids(T);
  for (const d of TREE) assert.equal(t.get(`${T}/tree/${d}@t1`), g.get(`${d}@t1`), d);
  await z.assertNoChanges(cfg);
});

test('SIGINT during 4 concurrent transfers: exit 130, 4 resumable receives, which the next apply resumes', async () => {
  const slow = config('sig', `${S}/s`, `${T}/sig`, '    send: { bandwidth_limit: { max: 2 MiB } }   # shared by the 4 transfers\n');
  const fast = config('sig', `${S}/s`, `${T}/sig`);
  const a = z.start(['apply', '-c', slow, '--auto-approve', '--json']);
  const going = new Set<string>();
  await a.waitForLine((l) => {
    const e = JSON.parse(l) as Ev;
    if (e.type === 'apply_progress' && (e.bytes ?? 0) >= 256 * 1024) going.add(e.dataset);
    return going.size === 4;
  }, '4 transfers past 256 KiB each', 60_000);
  for (const k of KIDS) await waitForReceiveBegun(`${T}/sig/${k}`);
  a.kill('SIGINT');
  const r = await a.done;
  assertExit(r, 130, 'apply stopped by SIGINT');
  assert.equal(r.stderr, '\nzform: SIGINT: stopping every running transfer (each keeps its resumable state), skipping the rest\n');
  const events = parseApplyEvents(r.stdout, ['sig'], [S, T]) as unknown as (Ev & { error?: string })[];
  const errored = events.filter((e) => e.type === 'apply_errored').map((e) => [e.dataset, e.action.kind, e.error]).sort();
  assert.deepEqual(errored, KIDS.map((k) => [`${T}/sig/${k}`, 'send', 'interrupted']));
  for (const k of KIDS) assert.match(await resumeToken(`${T}/sig/${k}`), /^1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/, `${k} is resumable`);
  const plan = await z.plan(fast);
  assert.deepEqual(planSends(plan).map((s) => [s[0], s[1]]).sort(), KIDS.map((k) => [`${T}/sig/${k}`, 'resume']));
  const r2 = await z.run(['apply', '-c', fast, '--auto-approve']);
  assertExit(r2, 0, 'the apply that resumes');
  for (const k of KIDS) {
    assert.equal(await resumeToken(`${T}/sig/${k}`), '-');
    assert.equal(await checksumReceived(`${T}/sig/${k}`), await checksumSnapshot(k, 'u1'));
  }
  await z.assertNoChanges(fast);
});

test('a target out of space (quota) fails only that dataset; the others replicate at concurrency 4', async () => {
  const cfg = config('quota', `${S}/p`, `${T}/q`);
  assertExit(await z.run(['apply', '-c', cfg, '--auto-approve']), 0, 'the first apply');
  // b's target gets a quota just above what it holds; every dataset gets new data
  const full = `${T}/q/${S}/p/b`;
  const used = Number((await sh(`zfs get -H -p -o value used ${full}`)).trim());
  await sh(`zfs set quota=${used + 256 * 1024} ${full}`);
  // (b/x gets none: b's quota counts its children)
  await writeData(...TREE.filter((d) => !d.endsWith('/b/x')).map((d): [string, number] => [d, (d.endsWith('/b') ? 3 : 1) * MiB]));
  await sh(`zfs snapshot -r ${S}/p@t2`);
  const r = await z.run(['apply', '-c', cfg, '--auto-approve', '--json']);
  assertExit(r, 1, 'apply with b out of space');
  const events = parseApplyEvents(r.stdout, ['quota'], [S, T]) as unknown as (Ev & { error?: string })[];
  const errored = events.filter((e) => e.type === 'apply_errored');
  assert.deepEqual(errored.map((e) => [e.dataset, e.action.kind]), [[full, 'send']]);
  assert.match(errored[0]!.error!, /space quota exceeded/);
  const g = await readGuids(S);
  const t = await readGuids(T);
  for (const d of TREE.filter((x) => x !== `${S}/p/b` && x !== `${S}/p/b/x`)) assert.equal(t.get(`${T}/q/${d}@t2`), g.get(`${d}@t2`), `${d} replicated`);
  assert.equal(t.has(`${full}@t2`), false, 'b did not');
  await sh(`zfs set quota=none ${full}`);
  assertExit(await z.run(['apply', '-c', cfg, '--auto-approve']), 0, 'apply with space again');
  await z.assertNoChanges(cfg);
});
