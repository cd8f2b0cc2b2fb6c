// What an admin's setup can get wrong, on real OpenZFS: two configuration files whose jobs share a name (each moves
// the other's replication cursor: the plan of the one whose cursor moved warns), a replication hook that starts a
// daemon (apply ends anyway, the daemon keeps running, the hook is ok), a configuration file others may write
// (refused with exit 78 before anything runs), and clones made of snapshots that pruning would destroy (kept with a
// warning, apply ok; pruned once the clones are gone).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import { Zform, assertExit } from './apply-helpers.js';
import type { Plan } from '../../src/plan/types.js';

requireGuest(import.meta.url);

const S = 'zamsrc';
const D = 'zamdst';
let src: Pool;
let dst: Pool;
const z = new Zform();

const cfg = (file: string, root: string, replication = '') => z.config(file, `jobs:
  - name: bk
    source: { host: local, filesystems: { "${S}/a": true } }
    target: { host: local, root_fs: ${D}/${root} }
${replication}`);

const warnings = (p: Plan): string[] => p.jobs.flatMap((j) => j.datasets.flatMap((d) => d.diagnostics.filter((x) => x.severity === 'warning').map((x) => x.summary)));

before(async () => {
  src = await createPool(S);
  dst = await createPool(D);
  await sh(`zfs create ${S}/a && zfs create ${D}/one && zfs create ${D}/two && zfs snapshot ${S}/a@s1`);
});
after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

test('two configuration files with a job of the same name: the plan whose cursor the other moved warns, the other does not', { timeout: 900_000 }, async () => {
  const one = cfg('one.yml', 'one');
  const two = cfg('two.yml', 'two');
  assertExit(await z.run(['apply', '-c', one, '--auto-approve']), 0, 'one\'s first apply');
  await sh(`zfs snapshot ${S}/a@s2`);
  assertExit(await z.run(['apply', '-c', one, '--auto-approve']), 0, 'one\'s second apply');
  assert.deepEqual(warnings(await z.plan(one)), [], 'one configuration alone: no warning');
  await sh(`zfs snapshot ${S}/a@s3`);
  assertExit(await z.run(['apply', '-c', two, '--auto-approve']), 0, 'two\'s apply');
  // two moved the job's one cursor to @s3, which one's target does not have
  const bookmarks = (await sh(`zfs list -H -t bookmark -o name ${S}/a`)).trim().split('\n');
  assert.equal(bookmarks.length, 1, bookmarks.join('\n'));
  assert.deepEqual(warnings(await z.plan(one)), [`the replication cursor of job bk on ${S}/a is on @s3, which ${D}/one/${S}/a does not have`]);
  assert.deepEqual(warnings(await z.plan(two)), []);
});

test('a replication hook that starts a daemon: apply ends with the hook ok and the daemon running; a config others may write is refused', { timeout: 900_000 }, async () => {
  const pidFile = z.file('daemon.pid');
  const hook = z.file('hook.sh');
  writeFileSync(hook, `#!/bin/sh\necho notified\nsetsid sh -c 'echo $$ > "$1"; exec sleep 300' sh '${pidFile}' &\nexit 0\n`);
  chmodSync(hook, 0o755);
  await sh(`zfs snapshot ${S}/a@s4`);
  const file = cfg('hooked.yml', 'hooked', `    replication:\n      hooks: [ { type: command, path: ${hook}, timeout: 60s } ]\n`);
  const r = await z.run(['apply', '-c', file, '--auto-approve', '--json']);
  assertExit(r, 0, 'apply with the hook');
  const done = r.stdout.split('\n').filter((l) => l.includes('"hook_done"')).map((l) => JSON.parse(l) as { ok: boolean; end: string });
  assert.deepEqual(done.map((d) => [d.ok, d.end]), [[true, 'ok']]);
  assert.ok(existsSync(pidFile), 'the daemon started');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  // zform has exited (z.run resolved) while the daemon still runs
  assert.equal((await sh(`kill -0 ${pid} && echo alive || echo gone`)).trim(), 'alive');
  await sh(`kill ${pid}`);

  chmodSync(file, 0o666);
  const refused = await z.run(['apply', '-c', file, '--auto-approve']);
  assertExit(refused, 78, 'a world-writable config');
  assert.equal(refused.stderr, `zform: config ${file}: the file is writable by others (mode 0666); whoever can change it decides what zform destroys and which hooks it runs: make it and its folders writable only by root\n`);
  assert.equal((await sh(`zfs list -H -t snapshot -o name -r ${D}/hooked | wc -l`)).trim(), '1', 'nothing ran');
});

test('clones of a source and a target snapshot that pruning lets go: kept with a warning and apply exits 0; pruned once the clones are gone', { timeout: 900_000 }, async () => {
  await sh(`zfs create ${S}/c && zfs snapshot ${S}/c@c1 && zfs snapshot ${S}/c@c2`);
  const file = z.config('clones.yml', `jobs:
  - name: cl
    source: { host: local, filesystems: { "${S}/c": true } }
    target: { host: local, root_fs: ${D}/cl }
    replication: { initial: all }
    pruning:
      keep_source: [ { type: not_replicated }, { type: last_n, count: 1 } ]
      keep_target: [ { type: last_n, count: 1 } ]
`);
  await sh(`zfs create ${D}/cl`);
  // the first apply sends both and prunes @c1 on both sides; then @c2 is cloned on both, and @c3 taken
  assertExit(await z.run(['apply', '-c', file, '--auto-approve']), 0, 'first apply');
  await sh(`zfs clone ${S}/c@c2 ${S}/look && zfs clone -o mountpoint=none ${D}/cl/${S}/c@c2 ${D}/restore && zfs snapshot ${S}/c@c3`);
  assert.deepEqual(warnings(await z.plan(file)), [
    `pruning keeps 1 source snapshot(s) of ${S}/c that no rule keeps, because datasets were cloned from them`,
    `pruning keeps 1 target snapshot(s) of ${D}/cl/${S}/c that no rule keeps, because datasets were cloned from them`,
  ]);
  const r = await z.run(['apply', '-c', file, '--auto-approve']);
  assertExit(r, 0, 'apply with the clones');
  assert.doesNotMatch(r.stdout + r.stderr, /dependent clones|failed/);
  const snaps = async () => (await sh(`zfs list -H -t snapshot -o name -s createtxg -d 1 ${S}/c; zfs list -H -t snapshot -o name -s createtxg -d 1 ${D}/cl/${S}/c`)).trim().split('\n');
  assert.deepEqual(await snaps(), [`${S}/c@c2`, `${S}/c@c3`, `${D}/cl/${S}/c@c2`, `${D}/cl/${S}/c@c3`]);
  await sh(`zfs destroy ${S}/look && zfs destroy ${D}/restore`);
  assertExit(await z.run(['apply', '-c', file, '--auto-approve']), 0, 'apply after the clones are gone');
  assert.deepEqual(await snaps(), [`${S}/c@c3`, `${D}/cl/${S}/c@c3`]);
});
