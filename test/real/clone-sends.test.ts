// Source clones received as clones, on real OpenZFS: virtual machines cloned from a template (one of them named
// before it), replicated with the template by one job. The template's first replication starts at the cloned
// snapshot although `initial: most_recent`, each clone arrives as a clone of the template's replica (its `origin`
// there, and only its own blocks: far less than a full copy), incrementals continue as for any dataset, and a
// second plan has nothing to do. A clone of a template outside the job's selection is sent in full.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, writeFile, type Pool } from './lib.js';
import { Zform, assertExit } from './apply-helpers.js';

requireGuest(import.meta.url);

const S = 'zclsrc';
const D = 'zcldst';
const MiB = 1024 * 1024;
let src: Pool;
let dst: Pool;
const z = new Zform();

before(async () => {
  src = await createPool(S, { mounted: true });
  dst = await createPool(D);
});
after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

const prop = async (dataset: string, p: string) => (await sh(`zfs get -H -p -o value ${p} ${dataset}`)).trim();

test('clones of a template: received as clones of its replica, after it; then incrementally; one outside the job is sent whole', { timeout: 900_000 }, async () => {
  await sh(`zfs create ${S}/vms && zfs create ${S}/vms/tmpl && zfs create ${S}/other && zfs snapshot ${S}/vms@p ${S}/other@p`);
  await writeFile(`${S}/vms/tmpl`, 'disk', 4 * MiB);
  await sh(`zfs snapshot ${S}/vms/tmpl@base`);
  // a clone named before its template, one after, and the template moves on
  for (const vm of ['aa', 'vm1']) {
    await sh(`zfs clone ${S}/vms/tmpl@base ${S}/vms/${vm}`);
    await writeFile(`${S}/vms/${vm}`, 'own', MiB / 4);
    await sh(`zfs snapshot ${S}/vms/${vm}@v1`);
  }
  await sh(`zfs clone ${S}/vms/tmpl@base ${S}/other/vm9 && zfs snapshot ${S}/other/vm9@v1`);
  await writeFile(`${S}/vms/tmpl`, 'more', MiB / 4);
  await sh(`zfs snapshot ${S}/vms/tmpl@later && zfs create ${D}/bk && zfs create ${D}/bk2`);
  const file = z.config('clones.yml', `jobs:
  - name: vms
    source: { host: local, filesystems: { "${S}/vms<": true } }
    target: { host: local, root_fs: ${D}/bk }
  - name: other
    source: { host: local, filesystems: { "${S}/other<": true } }
    target: { host: local, root_fs: ${D}/bk2 }
`);
  const plan = await z.plan(file);
  const vms = plan.jobs.find((j) => j.job === 'vms')!;
  const sends = (ds: string) => vms.datasets.find((d) => d.source === ds)!.actions.filter((a) => a.kind === 'send');
  assert.deepEqual(sends(`${S}/vms/aa`).map((a) => [a.mode, a.from && `${a.from.dataset}@${a.from.name}`, a.receive.origin]), [['incremental', `${S}/vms/tmpl@base`, `${D}/bk/${S}/vms/tmpl@base`]]);
  assert.deepEqual(sends(`${S}/vms/tmpl`).map((a) => [a.mode, a.to.name]), [['full', 'base'], ['incremental', 'later']]);

  const r = await z.run(['apply', '-c', file, '--auto-approve']);
  assertExit(r, 0, 'first apply');
  const T = `${D}/bk/${S}`;
  for (const vm of ['aa', 'vm1']) {
    assert.equal(await prop(`${T}/vms/${vm}`, 'origin'), `${T}/vms/tmpl@base`, `${vm} is a clone on the target`);
    const used = Number(await prop(`${T}/vms/${vm}`, 'used'));
    assert.ok(used < 2 * MiB, `${vm} holds only its own blocks: ${used} bytes`);
  }
  assert.equal(await prop(`${D}/bk2/${S}/other/vm9`, 'origin'), '-', 'its template is not in the job: a full copy');
  assert.ok(Number(await prop(`${D}/bk2/${S}/other/vm9`, 'used')) > 3 * MiB);
  assert.equal(await prop(`${T}/vms/tmpl@base`, 'numclones'), '2');
  assert.equal(await prop(`${T}/vms/tmpl@later`, 'guid'), await prop(`${S}/vms/tmpl@later`, 'guid'));

  await writeFile(`${S}/vms/vm1`, 'own2', MiB / 4);
  await sh(`zfs snapshot ${S}/vms/vm1@v2`);
  assertExit(await z.run(['apply', '-c', file, '--auto-approve']), 0, 'second apply');
  assert.equal(await prop(`${T}/vms/vm1@v2`, 'guid'), await prop(`${S}/vms/vm1@v2`, 'guid'));
  assert.equal(await prop(`${T}/vms/vm1`, 'origin'), `${T}/vms/tmpl@base`);
  await z.assertNoChanges(file);

  // zfs promote on the source (how a template is retired): vm1 takes over @base, the template becomes its clone. The
  // replicas stay as they were received; a new clone of vm1@base is received as a clone of the replica that has
  // that GUID (the template's), and the promoted datasets go on incrementally.
  await sh(`zfs promote ${S}/vms/vm1`);
  assert.equal(await prop(`${S}/vms/tmpl`, 'origin'), `${S}/vms/vm1@base`);
  await sh(`zfs clone ${S}/vms/vm1@base ${S}/vms/vm2`);
  await writeFile(`${S}/vms/vm2`, 'own', MiB / 4);
  await writeFile(`${S}/vms/tmpl`, 'after-promote', MiB / 4);
  await sh(`zfs snapshot ${S}/vms/vm2@v1 ${S}/vms/tmpl@after`);
  assertExit(await z.run(['apply', '-c', file, '--auto-approve']), 0, 'apply after the promote');
  assert.equal(await prop(`${T}/vms/vm2`, 'origin'), `${T}/vms/tmpl@base`, 'a clone on the target, of the replica that has @base');
  assert.ok(Number(await prop(`${T}/vms/vm2`, 'used')) < 2 * MiB);
  assert.equal(await prop(`${T}/vms/tmpl@after`, 'guid'), await prop(`${S}/vms/tmpl@after`, 'guid'));
  await z.assertNoChanges(file);
});
