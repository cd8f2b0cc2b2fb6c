// Coming from zrepl on real OpenZFS: a target left as zrepl leaves it (zrepl_YYYYMMDD_HHMMSS_000 snapshots received
// incrementally, the sending job's v2 cursor bookmark on the source, the sink's last-received hold on the target, a
// zrepl:placeholder parent), a zrepl config converted with `zform import zrepl`; the converted config's first plan
// continues incrementally from zrepl's newest snapshot (matched by GUID): no full send, no rollback, no destroy,
// the data identical, and zrepl's own hold and bookmark left alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import { Zform, assertExit, checksumReceived, checksumSnapshot, planActions, planSends, readGuids, readProtection, writeData } from './apply-helpers.js';

requireGuest(import.meta.url);

const S = 'zizs';
const T = 'zizt';
const FS = `${S}/data`;
const SINK_ROOT = `${T}/zrepl/sink`;
const ROOT_FS = `${SINK_ROOT}/laptop`; // zrepl's sink receives into root_fs/<client identity>
const TGT = `${ROOT_FS}/${FS}`;
const SNAPS = ['zrepl_20261201_100000_000', 'zrepl_20261201_101000_000', 'zrepl_20261201_102000_000'];
const z = new Zform();
let src: Pool;
let dst: Pool;

// the shape of zrepl's local-replication example: a push and a sink joined by the local transport
const ZREPL = `jobs:
  - type: sink
    name: backup_sink
    root_fs: "${SINK_ROOT}"
    serve: { type: local, listener_name: backups }
  - type: push
    name: laptop_push
    connect: { type: local, listener_name: backups, client_identity: laptop }
    filesystems: { "${FS}<": true }
    snapshotting: { type: periodic, prefix: zrepl_, interval: 10m }
    pruning:
      keep_sender:
        - type: not_replicated
        - type: last_n
          count: 10
      keep_receiver:
        - type: grid
          grid: 1x1h(keep=all) | 24x1h | 30x1d
          regex: "^zrepl_"
`;

before(async () => {
  src = await createPool(S, { mounted: true });
  dst = await createPool(T);
  // what zrepl did: two snapshots replicated (full, then -i), its placeholder parent, cursor and hold
  await sh(`zfs create ${FS} && zfs create -p ${SINK_ROOT} && zfs create -o zrepl:placeholder=on ${ROOT_FS} && zfs create -o zrepl:placeholder=on ${ROOT_FS}/${S}`);
  await writeData([FS, 512 * 1024]);
  await sh(`zfs snapshot ${FS}@${SNAPS[0]}`);
  await writeData([FS, 256 * 1024]);
  await sh(`zfs snapshot ${FS}@${SNAPS[1]}`);
  await sh(`zfs send ${FS}@${SNAPS[0]} | zfs receive -s ${TGT} && zfs send -i @${SNAPS[0]} ${FS}@${SNAPS[1]} | zfs receive -s ${TGT}`);
  const guid = (await sh(`zfs get -H -p -o value guid ${FS}@${SNAPS[1]}`)).trim();
  await sh(`zfs bookmark ${FS}@${SNAPS[1]} '${FS}#zrepl_CURSOR_G_${BigInt(guid).toString(16).padStart(16, '0')}_J_laptop_push'`);
  await sh(`zfs hold zrepl_last_received_J_backup_sink ${TGT}@${SNAPS[1]}`);
  // zrepl stopped after taking one more snapshot, not yet replicated
  await writeData([FS, 256 * 1024]);
  await sh(`zfs snapshot ${FS}@${SNAPS[2]}`);
});

after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

test('a converted zrepl config continues incrementally from zrepl\'s snapshots: no full send, no rollback, data identical', async () => {
  const zrepl = z.config('zrepl.yml', ZREPL);
  const cfg = z.file('zform.yml');
  const imported = await z.run(['import', 'zrepl', zrepl, '--out', cfg]);
  assertExit(imported, 0, 'import zrepl'); // it validates what it writes (unit tests run zform validate on it)
  const before = await readProtection([S, T]);
  assert.deepEqual(before.holds, [`${TGT}@${SNAPS[1]} zrepl_last_received_J_backup_sink`]);
  assert.equal(before.bookmarks.length, 1);
  assert.match(before.bookmarks[0]!, /#zrepl_CURSOR_G_[0-9a-f]{16}_J_laptop_push$/);

  const plan = await z.plan(cfg);
  assert.deepEqual(planSends(plan), [[TGT, 'incremental', `@${SNAPS[1]}`, `@${SNAPS[2]}`]]);
  const kinds = planActions(plan).map((a) => a.kind);
  for (const k of ['rollback', 'destroy_snapshots', 'create_placeholder', 'abort_resume', 'snapshot']) assert.ok(!kinds.includes(k as never), `${k} in ${kinds.join(', ')}`);

  assertExit(await z.run(['apply', '-c', cfg, '--auto-approve']), 0, 'apply');
  const g = await readGuids(S);
  const t = await readGuids(T);
  for (const n of SNAPS) assert.equal(t.get(`${TGT}@${n}`), g.get(`${FS}@${n}`), n);
  assert.equal(await checksumReceived(TGT), await checksumSnapshot(FS, SNAPS[2]!));
  // zrepl's hold and cursor are not zform's: still there
  const afterApply = await readProtection([S, T]);
  for (const h of before.holds.filter((x) => x.includes('zrepl_'))) assert.ok(afterApply.holds.includes(h), h);
  for (const b of before.bookmarks.filter((x) => x.includes('zrepl_'))) assert.ok(afterApply.bookmarks.includes(b), b);
  assert.ok(afterApply.holds.includes(`${TGT}@${SNAPS[2]} zform_last_received_J_laptop_push`), afterApply.holds.join('\n'));
});
