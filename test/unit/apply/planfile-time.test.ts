// A saved plan is planned again as of its own time, never a time to come; and as `zform plan` plans (the programs
// a compressed SSH send needs are asked again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../../src/cli.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import type { Io } from '../../../src/io.js';
import type { Plan } from '../../../src/plan/types.js';

const T0 = new Date('2026-11-21T12:00:00Z');
const base = (job: string) => `hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
${job}`;

interface World { dir: string; cfg: string; src: FakeHost; dst: FakeHost; clock: { now: Date } }

async function world(yaml: string, src: string[]): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-plantime-'));
  const cfg = path.join(dir, 'zform.yml');
  await writeFile(cfg, yaml);
  const clock = { now: new Date(T0.getTime() - 3600_000) };
  return {
    dir, cfg, clock,
    src: new FakeHost('local', { clock: () => clock.now }).apply('pool tank', ...src),
    dst: new FakeHost('nas', { clock: () => clock.now }).apply('pool backup'),
  };
}

async function zform(w: World, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(); const err = new PassThrough();
  let o = ''; let e = '';
  out.on('data', (c) => (o += c)); err.on('data', (c) => (e += c));
  const io: Io = {
    stdout: out, stderr: err, stdin: new PassThrough(), env: { ZFORM_LOCK_DIR: path.join(w.dir, 'lock'), NO_COLOR: '1' }, now: () => w.clock.now,
    openHosts: () => staticHosts({ local: w.src, nas: w.dst }),
  };
  const code = await run(argv, io);
  return { code, out: o, err: e };
}

test('a plan dated minutes ahead is planned again as of now: a destroy_missing not yet due is refused, not run', async () => {
  const w = await world(base('    replication: { destroy_missing: 1h }\n'), ['create tank/a', 'create tank/a/b', 'write tank/a 100K', 'write tank/a/b 10K', 'snapshot tank/a@s1 tank/a/b@s1']);
  const first = await zform(w, ['apply', '-c', w.cfg, '--auto-approve']);
  assert.equal(first.code, 0, first.err);
  assert.ok(w.dst.guidOf('backup/tank/a/b'));
  w.src.apply('destroy -r tank/a/b');
  // the target's newest snapshot is 57 minutes old now: a fresh plan keeps it
  w.clock.now = new Date(T0.getTime() - 3 * 60_000);
  const fresh = await zform(w, ['plan', '-c', w.cfg]);
  assert.match(fresh.out, /kept until/);
  // a plan made on a clock 4.5 minutes ahead (or its createdAt edited so) destroys it
  const realNow = w.clock.now;
  w.clock.now = new Date(realNow.getTime() + 4.5 * 60_000);
  const file = path.join(w.dir, 'p.plan');
  const planned = await zform(w, ['plan', '-c', w.cfg, '--out', file]);
  assert.equal(planned.code, 0, planned.err);
  const saved = JSON.parse(await readFile(file, 'utf8')) as Plan;
  assert.ok(saved.jobs[0]!.datasets.some((d) => d.actions.some((a) => a.kind === 'destroy_dataset')));
  w.clock.now = realNow;
  const r = await zform(w, ['apply', '-c', w.cfg, file]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /^zform: saved plan (is stale|refused): job j, dataset tank\/a\/b: .*; plan again\n$/);
  assert.ok(w.dst.guidOf('backup/tank/a/b'), 'destroyed as of a time to come');
});

test('a saved plan of a job that compresses over SSH applies (the programs are asked as plan asks them)', async () => {
  const w = await world(base('    send: { compression: zstd }\n'), ['create tank/a', 'write tank/a 100K', 'snapshot tank/a@s1']);
  w.clock.now = T0;
  const file = path.join(w.dir, 'p.plan');
  const p = await zform(w, ['plan', '-c', w.cfg, '--out', file]);
  assert.equal(p.code, 0, p.err);
  w.clock.now = new Date(T0.getTime() + 60_000);
  const r = await zform(w, ['apply', '-c', w.cfg, file]);
  assert.equal(r.code, 0, r.err);
  assert.ok(w.dst.guidOf('backup/tank/a@s1'));
});
