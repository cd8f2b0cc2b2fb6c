// An admin clones a snapshot (to look into a backup, or to test an upgrade on the source): zfs destroy refuses a
// snapshot with clones, so pruning keeps it with a warning instead of failing the dataset on every run; once the
// clone is destroyed, the next run prunes it. End to end over the fake, which has the real host's rules (the
// contract suite runs the same clone rules on real OpenZFS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliRun } from '../../support/cli.js';
import { FakeHost } from '../../support/fake-zfs/host.js';

interface World { dir: string; host: FakeHost; clock: { now: Date } }

async function world(): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-clones-'));
  await writeFile(path.join(dir, 'zform.yml'), `jobs:
  - name: bk
    source: { host: local, filesystems: { "tank/a": true } }
    target: { host: local, root_fs: backup }
    snapshotting: { prefix: zf_, interval: 1h }
    pruning:
      keep_source: [ { type: not_replicated }, { type: last_n, count: 2, regex: "^zf_" } ]
      keep_target: [ { type: last_n, count: 2, regex: "^zf_" } ]
`);
  const clock = { now: new Date('2026-12-01T10:00:00Z') };
  const host = new FakeHost('local', { clock: () => clock.now }).apply('pool tank', 'create tank/a', 'pool backup');
  return { dir, host, clock };
}

function zform(w: World, args: string[]): Promise<CliRun> {
  return runCli([args[0]!, '-c', path.join(w.dir, 'zform.yml'), ...args.slice(1)], { hosts: { local: w.host }, now: () => w.clock.now, env: { ZFORM_LOCK_DIR: path.join(w.dir, 'lock') } });
}

async function snapshots(w: World, dataset: string): Promise<string[]> {
  const l = await w.host.list([dataset]);
  return l.versions.filter((v) => v.kind === 'snapshot' && v.dataset === dataset).map((v) => v.name);
}

test('a clone of a source and of a target snapshot: kept with a warning, apply exits 0 run after run; pruned once the clone is gone', async () => {
  const w = await world();
  for (const hour of [10, 11]) {
    w.clock.now = new Date(`2026-12-01T${hour}:00:00Z`);
    assert.equal((await zform(w, ['apply', '--auto-approve'])).code, 0);
  }
  // the admin clones the oldest snapshot on both sides
  w.host.cloneSnapshot('tank/a@zf_20261201_100000_000', 'tank/look');
  w.host.cloneSnapshot('backup/tank/a@zf_20261201_100000_000', 'backup/restore-test');
  for (const hour of [12, 13]) {
    w.clock.now = new Date(`2026-12-01T${hour}:00:00Z`);
    const p = await zform(w, ['plan']);
    assert.match(p.out, /Warning: pruning keeps 1 source snapshot\(s\) of tank\/a that no rule keeps, because datasets were cloned from them/);
    assert.match(p.out, /Warning: pruning keeps 1 target snapshot\(s\) of backup\/tank\/a that no rule keeps, because datasets were cloned from them/);
    assert.match(p.out, /@zf_20261201_100000_000: 1 clone\(s\) \(zfs get clones tank\/a@zf_20261201_100000_000\)/);
    assert.doesNotMatch(p.out, /destroy tank\/a@zf_20261201_100000_000/);
    const a = await zform(w, ['apply', '--auto-approve']);
    assert.equal(a.code, 0, a.out + a.err);
    assert.doesNotMatch(a.out + a.err, /failed|dependent clones/);
  }
  // the cloned snapshot stays, the others beyond the newest 2 go
  assert.deepEqual(await snapshots(w, 'tank/a'), ['zf_20261201_100000_000', 'zf_20261201_120000_000', 'zf_20261201_130000_000']);
  assert.deepEqual(await snapshots(w, 'backup/tank/a'), ['zf_20261201_100000_000', 'zf_20261201_120000_000', 'zf_20261201_130000_000']);
  // the clones are gone: the next run prunes the snapshots, without a warning
  await w.host.destroyDataset('tank/look');
  await w.host.destroyDataset('backup/restore-test');
  w.clock.now = new Date('2026-12-01T14:00:00Z');
  const a = await zform(w, ['apply', '--auto-approve']);
  assert.equal(a.code, 0, a.out + a.err);
  assert.doesNotMatch(a.out, /Warning/);
  assert.deepEqual(await snapshots(w, 'tank/a'), ['zf_20261201_130000_000', 'zf_20261201_140000_000']);
  assert.deepEqual(await snapshots(w, 'backup/tank/a'), ['zf_20261201_130000_000', 'zf_20261201_140000_000']);
});
