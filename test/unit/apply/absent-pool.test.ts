// A target root_fs in a pool that does not exist (a typo in the pool's name): plan says so as the job's error, instead
// of planning placeholders that apply can only fail to create; end to end over the fake (the real host's rules).
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

interface World { cfg: string; lock: string; src: FakeHost; dst: FakeHost }

async function world(rootFs: string): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-absent-pool-'));
  const cfg = path.join(dir, 'zform.yml');
  await writeFile(cfg, `jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: ${rootFs} }
    snapshotting: { prefix: zf_, interval: 1h }
hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
`);
  return {
    cfg, lock: path.join(dir, 'lock'),
    src: new FakeHost('local').apply('pool tank', 'create tank/a', 'snapshot tank/a@s1'),
    dst: new FakeHost('nas').apply('pool backup', 'create backup/z'),
  };
}

async function zform(w: World, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(); const err = new PassThrough();
  let o = ''; let e = '';
  out.on('data', (c) => (o += c)); err.on('data', (c) => (e += c));
  const io: Io = {
    stdout: out, stderr: err, stdin: new PassThrough(), env: { ZFORM_LOCK_DIR: w.lock, NO_COLOR: '1' }, now: () => new Date('2026-12-01T12:00:00Z'),
    openHosts: () => staticHosts({ local: w.src, nas: w.dst }),
  };
  const code = await run([args[0]!, '-c', w.cfg, ...args.slice(1)], io);
  return { code, out: o, err: e };
}

test('root_fs below a pool that does not exist: a job error in plan (exit 1), no placeholder planned; apply creates nothing on the target', async () => {
  const w = await world('bakcup/z');
  const p = await zform(w, ['plan', '--json']);
  const plan = JSON.parse(p.out) as { jobs: { diagnostics: { severity: string; summary: string }[]; datasets: { actions: { kind: string }[] }[] }[] };
  const job = plan.jobs[0]!;
  assert.deepEqual(job.diagnostics.map((d) => [d.severity, d.summary]), [
    ['error', 'root_fs bakcup/z is in pool bakcup, which does not exist on nas, and zform does not create pools'],
  ]);
  const kinds = job.datasets.flatMap((d) => d.actions.map((a) => a.kind));
  assert.ok(!kinds.includes('create_placeholder') && !kinds.includes('send'), `planned: ${kinds.join(', ')}`);
  // the check is one `zfs list` of the pool, asked only because the root was missing
  assert.ok(w.dst.commandLog.some((c) => c.join(' ') === 'zfs list -H -o name -d 0 bakcup'), w.dst.commandLog.map((c) => c.join(' ')).join('\n'));

  // the job cannot replicate: plan fails although the snapshot is due, and the dataset is blocked, not up to date
  const human = await zform(w, ['plan', '--detailed-exitcode']);
  assert.equal(human.code, 1, human.out + human.err);
  assert.match(human.out, /Error: root_fs bakcup\/z is in pool bakcup, which does not exist on nas/);
  assert.match(human.out, /# job j \(local → nas\): 1 snapshot\n/);
  assert.match(human.out, /1 dataset cannot proceed/);
  assert.doesNotMatch(human.out, /placeholder|up to date/);

  const before = [...w.dst.zfs.state.datasets.keys()].sort();
  const a = await zform(w, ['apply', '--auto-approve']);
  assert.equal(a.code, 1, a.out + a.err);
  assert.match(a.out, /Apply failed: 1 snapshot done; 1 problem\(s\):\n  skipped j: bakcup\/z\/tank\/a: root_fs bakcup\/z is in pool bakcup/);
  assert.deepEqual([...w.dst.zfs.state.datasets.keys()].sort(), before, 'nothing created on the target');
});

test('root_fs missing in a pool that exists: its placeholder is planned, and the pool is not asked about again', async () => {
  const w = await world('backup/z/new');
  const p = await zform(w, ['plan']);
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /\+ placeholder nas:backup\/z\/new \(/);
  assert.doesNotMatch(p.out + p.err, /does not create pools/);
  const a = await zform(w, ['apply', '--auto-approve']);
  assert.equal(a.code, 0, a.err);
  assert.ok(w.dst.zfs.state.datasets.has('backup/z/new/tank/a'));
  w.dst.resetCommands();
  const again = await zform(w, ['plan', '--detailed-exitcode']);
  assert.equal(again.code, 0, again.out + again.err);
  assert.ok(!w.dst.commandLog.some((c) => c.includes('-d') && c.includes('0')), 'root_fs exists now: no pool check');
});
