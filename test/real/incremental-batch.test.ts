// guarantee_incremental on real OpenZFS: several new snapshots go in one `zfs send -I` stream after one channel
// program bookmarked each of them as a tentative cursor; a stream cut short (SIGINT) leaves the target at one of
// them, and even with that snapshot destroyed on the source, the next apply continues incrementally from its
// tentative cursor: no full send, no rollback, the data intact, and then only this job's one cursor is left.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import {
  Zform, assertExit, checksumReceived, checksumSnapshot, cursorName, planActions, planSends, readGuids, readProtection, resumeToken, writeData,
} from './apply-helpers.js';

requireGuest(import.meta.url);

const MiB = 1024 * 1024;
const S = 'zibs';
const T = 'zibt';
const FS = `${S}/d`;
const TGT = `${T}/bk/${FS}`;
const z = new Zform();
let src: Pool;
let dst: Pool;
let cfg = '';

before(async () => {
  src = await createPool(S, { mounted: true });
  dst = await createPool(T);
  await sh(`zfs create ${FS} && zfs create ${T}/bk`);
  await writeData([FS, 256 * 1024]);
  await sh(`zfs snapshot ${FS}@n0`);
  cfg = z.config('zform.yml', `jobs:
  - name: inc
    source: { filesystems: { "${FS}": true } }
    target: { host: local, root_fs: ${T}/bk }
    replication: { protection: { initial: guarantee_incremental, incremental: guarantee_incremental } }
    send: { bandwidth_limit: { max: 2 MiB } }   # slow enough to stop the stream in the middle
`);
});

after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

test('guarantee_incremental: one -I stream after one channel program of tentative cursors; cut short and its snapshot pruned, the next apply continues from the tentative cursor', async () => {
  assertExit(await z.run(['apply', '-c', cfg, '--auto-approve']), 0, 'initial apply');
  for (let i = 1; i <= 5; i++) {
    await writeData([FS, 2 * MiB]);
    await sh(`zfs snapshot ${FS}@n${i}`);
  }
  const g = await readGuids(S);

  // the plan: a tentative cursor on each of n1..n5, then one -I stream
  const plan = await z.plan(cfg);
  assert.deepEqual(planSends(plan), [[TGT, 'incremental', '@n0', '@n5']]);
  const acts = planActions(plan);
  const tentatives = acts.filter((a) => a.kind === 'bookmark' && a.role === 'tentative_cursor').map((a) => a.kind === 'bookmark' ? a.snapshot.name : '');
  assert.deepEqual(tentatives, ['n1', 'n2', 'n3', 'n4', 'n5']);
  assert.ok(acts.findIndex((a) => a.kind === 'send') > acts.findIndex((a) => a.kind === 'bookmark'), 'the tentative cursors come before the send');

  // -v logs every zfs command: the five bookmarks are one `zfs program`, never `zfs bookmark`
  const run = z.start(['apply', '-c', cfg, '--auto-approve', '--json', '-v', '--log-format', 'json']);
  await run.waitForLine((l) => { const e = JSON.parse(l) as { type: string; bytes?: number }; return e.type === 'apply_progress' && (e.bytes ?? 0) >= 5 * MiB; }, 'progress past two snapshots', 240_000);
  run.kill('SIGINT');
  const r = await run.done;
  assertExit(r, 130, 'apply stopped in the middle of the -I stream');
  const commands = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { argv?: string[] }).argv?.join(' ') ?? '').filter((a) => a.startsWith('zfs '));
  assert.equal(commands.filter((c) => c.startsWith('zfs program')).length, 1, commands.join('\n'));
  assert.equal(commands.filter((c) => c.startsWith('zfs bookmark')).length, 0, commands.join('\n'));
  const protection = await readProtection([S]);
  for (const n of ['n1', 'n2', 'n3', 'n4', 'n5']) {
    assert.ok(protection.bookmarks.some((b) => b.startsWith(`${FS}#zform_CURSORTENTATIVE_G_`) && b.includes(BigInt(g.get(`${FS}@${n}`)!).toString(16))), `tentative cursor on @${n}:\n${protection.bookmarks.join('\n')}`);
  }

  // where the stream stopped: the target's newest snapshot, somewhere in n2..n4
  const onTarget = (await sh(`zfs list -H -t snapshot -o name -s createtxg -d 1 ${TGT}`)).trim().split('\n').map((l) => l.slice(l.indexOf('@') + 1));
  const newest = onTarget.at(-1)!;
  assert.ok(['n2', 'n3', 'n4'].includes(newest), `the cut left the target at @${newest}: ${onTarget.join(' ')}`);
  // the source prunes that snapshot (nothing holds it under guarantee_incremental): only its bookmarks are left
  await sh(`zfs destroy ${FS}@${newest}`);

  const next = await z.plan(cfg);
  const sends = planSends(next);
  assert.ok(sends.every(([, mode]) => mode !== 'full'), JSON.stringify(sends));
  assert.ok(!planActions(next).some((a) => a.kind === 'rollback'));
  const r2 = await z.run(['apply', '-c', cfg, '--auto-approve']);
  assertExit(r2, 0, 'the apply that continues');
  assert.equal(await resumeToken(TGT), '-');
  const t = await readGuids(T);
  for (const n of ['n1', 'n2', 'n3', 'n4', 'n5']) assert.equal(t.get(`${TGT}@${n}`), g.get(`${FS}@${n}`), n);
  assert.equal(await checksumReceived(TGT), await checksumSnapshot(FS, 'n5'));
  // one cursor on n5 and nothing tentative left; the last-received hold on the target's n5 only
  const after = await readProtection([S, T]);
  assert.deepEqual(after.bookmarks.filter((b) => b.startsWith(`${FS}#`)), [`${FS}#${cursorName(g.get(`${FS}@n5`)!, 'inc')}`]);
  assert.deepEqual(after.holds.filter((h) => h.includes('zform_')), [`${TGT}@n5 zform_last_received_J_inc`]);
  await z.assertNoChanges(cfg);
});
