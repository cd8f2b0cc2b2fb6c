// Source clones received as clones, end to end over the fake (which has OpenZFS's clone send and receive rules, the
// contract suite runs them on real OpenZFS): the plan shows the step from the origin, apply makes the target a clone
// of the origin's replica, a failed origin chain skips the clone (saying why) and the next run completes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliRun } from '../../support/cli.js';
import { FakeHost } from '../../support/fake-zfs/host.js';

interface World { dir: string; src: FakeHost; dst: FakeHost }

async function world(concurrency: number): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-clone-sends-'));
  await writeFile(path.join(dir, 'zform.yml'), `hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: bk
    source: { host: local, filesystems: { "tank/vms<": true } }
    target: { host: nas, root_fs: backup }
    replication: { concurrency: ${concurrency} }
`);
  const src = new FakeHost('local').apply('pool tank', 'create tank/vms', 'create tank/vms/tmpl', 'write tank/vms/tmpl 800K', 'snapshot tank/vms@p tank/vms/tmpl@base');
  src.cloneSnapshot('tank/vms/tmpl@base', 'tank/vms/a-vm').apply('write tank/vms/a-vm 100K', 'snapshot tank/vms/a-vm@v1', 'write tank/vms/tmpl 10K', 'snapshot tank/vms/tmpl@later');
  const dst = new FakeHost('nas').apply('pool backup');
  return { dir, src, dst };
}

function zform(w: World, args: string[]): Promise<CliRun> {
  return runCli([args[0]!, '-c', path.join(w.dir, 'zform.yml'), ...args.slice(1)], { hosts: { local: w.src, nas: w.dst }, now: () => new Date('2026-12-01T10:00:00Z'), env: { ZFORM_LOCK_DIR: path.join(w.dir, 'lock') } });
}

for (const concurrency of [1, 2]) {
  test(`a clone named before its template is received as a clone of the template's replica (concurrency ${concurrency})`, async () => {
    const w = await world(concurrency);
    const p = await zform(w, ['plan']);
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, /send incremental tank\/vms\/tmpl@base → @v1 to nas:backup\/tank\/vms\/a-vm \(-i, /);
    assert.match(p.out, /initial replication of a clone \(initial: most_recent\): incremental from its origin tank\/vms\/tmpl@base, received as a clone of backup\/tank\/vms\/tmpl@base \(zfs receive -o origin\)/);
    assert.match(p.out, /send full tank\/vms\/tmpl@base to nas:backup\/tank\/vms\/tmpl/);
    const a = await zform(w, ['apply', '--auto-approve']);
    assert.equal(a.code, 0, a.out + a.err);
    const l = await w.dst.list(['backup']);
    assert.equal(l.datasets.find((d) => d.name === 'backup/tank/vms/a-vm')?.origin, 'backup/tank/vms/tmpl@base');
    assert.equal(w.dst.guidOf('backup/tank/vms/a-vm@v1'), w.src.guidOf('tank/vms/a-vm@v1'));
    assert.equal(w.dst.guidOf('backup/tank/vms/tmpl@later'), w.src.guidOf('tank/vms/tmpl@later'));
    const again = await zform(w, ['plan', '--detailed-exitcode']);
    assert.equal(again.code, 0, again.out);
  });
}

test('the template\'s chain fails: the clone is skipped, naming its origin dataset; the next apply receives it as a clone', async () => {
  const w = await world(1);
  w.dst.failNext((args) => args[0] === 'receive' && args.includes('backup/tank/vms/tmpl'), 'cannot receive new filesystem stream: out of space');
  const a = await zform(w, ['apply', '--auto-approve']);
  assert.equal(a.code, 1, a.out + a.err);
  assert.match(a.out + a.err, /origin dataset tank\/vms\/tmpl did not complete/);
  assert.equal((await w.dst.list(['backup'])).datasets.some((d) => d.name === 'backup/tank/vms/a-vm'), false);
  const b = await zform(w, ['apply', '--auto-approve']);
  assert.equal(b.code, 0, b.out + b.err);
  assert.equal((await w.dst.list(['backup'])).datasets.find((d) => d.name === 'backup/tank/vms/a-vm')?.origin, 'backup/tank/vms/tmpl@base');
});
