// Source datasets destroyed, renamed and recreated, end to end over the fake (zform plan/apply/status as a user runs
// them): warned and kept; destroyed as planned once replication.destroy_missing allows; a rename followed by zfs
// rename and an incremental; a recreated dataset a conflict that leaves the old target alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../../src/cli.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import type { Io } from '../../../src/io.js';

const T0 = new Date('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const yaml = (extra: string) => `hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
    snapshotting: { prefix: zf_, interval: 1h }
${extra}`;

interface World { cfg: string; lock: string; src: FakeHost; dst: FakeHost; now: Date }

async function zform(w: World, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(); const err = new PassThrough();
  let o = ''; let e = '';
  out.on('data', (c) => (o += c)); err.on('data', (c) => (e += c));
  const io: Io = {
    stdout: out, stderr: err, stdin: new PassThrough(), env: { ZFORM_LOCK_DIR: w.lock, NO_COLOR: '1' }, now: () => w.now,
    openHosts: () => staticHosts({ local: w.src, nas: w.dst }),
  };
  const code = await run([args[0]!, '-c', w.cfg, ...args.slice(1)], io);
  return { code, out: o, err: e };
}

/** tank/a with children x, y, z, replicated once at T0. */
async function world(extra: string): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-missing-'));
  const cfg = path.join(dir, 'zform.yml');
  await writeFile(cfg, yaml(extra));
  const clock = { now: T0 };
  const w: World = {
    cfg, lock: path.join(dir, 'lock'), get now() { return clock.now; }, set now(d: Date) { clock.now = d; },
    src: new FakeHost('local', { clock: () => clock.now }).apply('pool tank', 'create tank/a', 'create tank/a/x', 'create tank/a/y', 'create tank/a/z', 'write tank/a/y 50K'),
    dst: new FakeHost('nas', { clock: () => clock.now }).apply('pool backup'),
  };
  const first = await zform(w, ['apply', '--auto-approve']);
  assert.equal(first.code, 0, first.err);
  return w;
}

test('destroyed on the source: warned and kept (plan, status); destroyed as planned once destroy_missing allows', async () => {
  const w = await world('    replication: { destroy_missing: 2d }\n');
  const guids = w.dst.zfs.state.datasets.get('backup/tank/a/x')!.snapshots.map((s) => s.guid);
  w.now = new Date(T0.getTime() + DAY);
  w.src.apply('destroy -r tank/a/x');
  const p = await zform(w, ['plan']);
  assert.match(p.out, /Warning: source gone: tank\/a\/x no longer exists on local; nas:backup\/tank\/a\/x and its 1 snapshot are kept\n {2}on job j, dataset tank\/a\/x\n {2}newest on the target: nas:backup\/tank\/a\/x@zf_20261121_120000_000/);
  assert.match(p.out, /kept until 2026-11-23T12:00:00.000Z: replication.destroy_missing 2d counts from the newest snapshot/);
  const s = await zform(w, ['status', '--json']);
  assert.ok((JSON.parse(s.out) as { jobs: { reasons: string[] }[] }).jobs[0]!.reasons.some((r) => r.startsWith('source gone: tank/a/x')), s.out);
  assert.equal((await zform(w, ['apply', '--auto-approve'])).code, 0);
  assert.deepEqual(w.dst.zfs.state.datasets.get('backup/tank/a/x')!.snapshots.map((x) => x.guid), guids, 'kept, every snapshot');

  w.now = new Date(T0.getTime() + 3 * DAY);
  const due = await zform(w, ['plan']);
  assert.match(due.out, / {4}- release zform_last_received_J_j on nas:backup\/tank\/a\/x@zf_20261121_120000_000\n[^\n]*\n {4}- destroy dataset nas:backup\/tank\/a\/x, with 1 snapshot\/bookmark:\n {8}nas:backup\/tank\/a\/x@zf_20261121_120000_000\n/);
  const a = await zform(w, ['apply', '--auto-approve']);
  assert.equal(a.code, 0, a.err);
  assert.equal(w.dst.zfs.state.datasets.has('backup/tank/a/x'), false);
  assert.ok(w.dst.zfs.state.datasets.has('backup/tank/a/y'));
  const again = await zform(w, ['plan', '--json']);
  assert.equal(again.out.includes('tank/a/x'), false, 'nothing left to say about it');
});

test('a destroy whose target changed since the plan (a new snapshot, another GUID) fails; nothing it did not name goes', async () => {
  const w = await world('    replication: { destroy_missing: 1d }\n');
  w.src.apply('destroy -r tank/a/x');
  w.now = new Date(T0.getTime() + 2 * DAY);
  const file = path.join(path.dirname(w.cfg), 'p.plan');
  assert.equal((await zform(w, ['plan', '--out', file])).code, 0);
  w.dst.apply('snapshot backup/tank/a/x@mine');
  const r = await zform(w, ['apply', file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /saved plan is stale/);
  assert.ok(w.dst.guidOf('backup/tank/a/x@mine'));
  assert.ok(w.dst.guidOf('backup/tank/a/x@zf_20261121_120000_000'));
});

test('renamed on the source: a warning without follow_renames; with it, zfs rename of the target and an incremental', async () => {
  for (const follow of [false, true]) {
    const w = await world(`    replication: { follow_renames: ${follow} }\n`);
    const old = w.dst.guidOf('backup/tank/a/y@zf_20261121_120000_000')!;
    w.now = new Date(T0.getTime() + 2 * 3600_000);
    w.src.apply('rename tank/a/y tank/a/y2');
    const p = await zform(w, ['plan']);
    if (!follow) {
      assert.match(p.out, /Warning: tank\/a\/y2 looks like tank\/a\/y renamed: its snapshots are those of backup\/tank\/a\/y \(same GUIDs\)/);
      assert.match(p.out, /~ send full tank\/a\/y2@zf_20261121_140000_000 to nas:backup\/tank\/a\/y2/);
      continue;
    }
    assert.match(p.out, / {4}~ rename nas:backup\/tank\/a\/y to nas:backup\/tank\/a\/y2 \(zfs rename\)\n {8}tank\/a\/y was renamed to tank\/a\/y2 on the source/);
    assert.match(p.out, /~ send incremental tank\/a\/y2@zf_20261121_120000_000 → @zf_20261121_140000_000/);
    const a = await zform(w, ['apply', '--auto-approve']);
    assert.equal(a.code, 0, a.err);
    assert.equal(w.dst.zfs.state.datasets.has('backup/tank/a/y'), false);
    assert.equal(w.dst.guidOf('backup/tank/a/y2@zf_20261121_120000_000'), old, 'the same snapshot, renamed');
    assert.equal(w.dst.guidOf('backup/tank/a/y2@zf_20261121_140000_000'), w.src.guidOf('tank/a/y2@zf_20261121_140000_000'));
    assert.ok(w.dst.commandLog.some((c) => c.slice(1).join(' ') === 'rename backup/tank/a/y backup/tank/a/y2'));
  }
});

test('recreated with the same name: a conflict with both GUIDs, the old target untouched, the others replicated', async () => {
  const w = await world('');
  const old = w.dst.guidOf('backup/tank/a/z@zf_20261121_120000_000')!;
  w.now = new Date(T0.getTime() + 2 * 3600_000);
  w.src.apply('destroy -r tank/a/z', 'create tank/a/z', 'snapshot tank/a/z@fresh');
  const p = await zform(w, ['plan']);
  assert.match(p.out, /Error: recreated on the source: tank\/a\/z has new GUIDs, none of its snapshots is on backup\/tank\/a\/z/);
  assert.match(p.out, new RegExp(`newest on the target: nas:backup/tank/a/z@zf_20261121_120000_000 \\(guid ${old}`));
  const a = await zform(w, ['apply', '--auto-approve']);
  assert.notEqual(a.code, 0);
  assert.equal(w.dst.guidOf('backup/tank/a/z@zf_20261121_120000_000'), old);
  assert.equal(w.dst.guidOf('backup/tank/a/z@fresh'), undefined);
  assert.ok(w.dst.guidOf('backup/tank/a/y@zf_20261121_140000_000'), 'the sibling went on');
  const s = await zform(w, ['status', '--json']);
  const z = (JSON.parse(s.out) as { jobs: { datasets: { source: string; verdict: string }[] }[] }).jobs[0]!.datasets.find((d) => d.source === 'tank/a/z')!;
  assert.equal(z.verdict, 'conflict');
});
