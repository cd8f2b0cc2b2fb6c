// zform run by a user who is not root, with only the ZFS rights that README.md's `zfs allow` lines delegate (no
// sudo): a nested tree is replicated locally (a placeholder parent, full sends, holds, cursor bookmarks one `zfs
// bookmark` at a time, since OpenZFS runs channel programs only for root), then incrementally with pruning on both
// sides, and the next plan has nothing to do. The user runs zform as an admin would have installed it: from a copy
// of the package's files that every user can read (the checkout itself may lie under a folder only root may enter).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, q, requireGuest, sh, shResult, type Pool, type ShResult } from './lib.js';
import { assertSameSnapshots, readProtection, readSnapshots, writeData } from './apply-helpers.js';

requireGuest(import.meta.url);

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const USER = 'zformdeleg';
const S = 'zdls';
const T = 'zdlt';
const FS = `${S}/data`;
const ROOT_FS = `${T}/backup`;
const tgt = (source: string) => `${ROOT_FS}/${source}`;
let src: Pool;
let dst: Pool;
let dir: string;
let devZfsMode = '';

/** README.md's delegation lines, for this test's pools (read from the README, so that the two cannot drift apart). */
function readmeAllowLines(): string[] {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const lines = [...readme.matchAll(/`(zfs allow -u zform [^`]+)`/g)].map((m) => m[1]!);
  assert.equal(lines.length, 2, 'README.md has a source and a target `zfs allow` line');
  return [lines[0]!.replace(/ \S+$/, ` ${FS}`), lines[1]!.replace(/ \S+$/, ` ${T}`)].map((l) => l.replace(' -u zform ', ` -u ${USER} `));
}

/** zform as the delegated user, stdin from /dev/null, with cron's PATH (no sbin folder; Debian's package also puts
 *  a /usr/bin/zfs link there, so this does not test zform's own look in /usr/sbin: test/unit/zfs/run.test.ts does). */
function zform(args: string[]): Promise<ShResult> {
  const env = `env PATH=/usr/bin:/bin HOME=${q(dir)} NO_COLOR=1 ZFORM_LOCK_DIR=${q(path.join(dir, 'locks'))}`;
  return shResult(`runuser -u ${USER} -- ${env} ${q(process.execPath)} ${q(path.join(dir, 'zform', 'bin', 'zform'))} ${args.map(q).join(' ')} < /dev/null`);
}

function assertOk(r: ShResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
}

before(async () => {
  src = await createPool(S, { mounted: true });
  dst = await createPool(T);
  // a system with udev makes /dev/zfs 0666 (OpenZFS's 90-zfs.rules); the guest has no udev. Put back afterwards:
  // other files in this guest expect a user without rights to be refused by /dev/zfs (zfs-layer: permission_denied).
  devZfsMode = (await sh('stat -c %a /dev/zfs')).trim();
  await sh(`chmod 0666 /dev/zfs && (id ${USER} >/dev/null 2>&1 || useradd --no-create-home ${USER})`);
  dir = mkdtempSync('/tmp/zform-deleg-');
  chmodSync(dir, 0o755);
  const pkg = path.join(dir, 'zform');
  for (const p of ['bin', 'dist/src', 'dist/bundle', 'schemas', 'package.json']) cpSync(path.join(REPO, p), path.join(pkg, p), { recursive: true });
  await sh(`chmod -R a+rX ${q(pkg)} && mkdir -m 0700 ${q(path.join(dir, 'locks'))} && chown ${USER} ${q(path.join(dir, 'locks'))}`);
  mkdirSync(path.join(dir, 'cfg'));
  writeFileSync(path.join(dir, 'cfg', 'zform.yml'), `jobs:
  - name: deleg
    source: { host: local, filesystems: { "${FS}<": true } }
    target: { host: local, root_fs: ${ROOT_FS} }
    snapshotting: { prefix: zform_, interval: 1h }
    pruning:
      keep_source: [ { type: not_replicated }, { type: last_n, count: 2, regex: "^zform_" } ]
      keep_target: [ { type: last_n, count: 2, regex: "^zform_" } ]
`);
  await sh(`chmod -R a+rX ${q(path.join(dir, 'cfg'))}`);
  await sh(`zfs create ${FS} && zfs create ${FS}/a && zfs create ${ROOT_FS}`);
  await writeData([FS, 64 * 1024], [`${FS}/a`, 256 * 1024]);
  for (const line of readmeAllowLines()) await sh(line);
});

after(async () => {
  if (devZfsMode) await sh(`chmod ${q(devZfsMode)} /dev/zfs`);
  await src?.destroy();
  await dst?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a user with only README.md's zfs allow rights replicates, prunes both sides, and ends with nothing to do", async () => {
  const cfg = path.join(dir, 'cfg', 'zform.yml');
  assert.notEqual((await sh(`runuser -u ${USER} -- id -u`)).trim(), '0');

  const first = await zform(['apply', '-c', cfg, '--auto-approve']);
  assertOk(first, 'first apply as the delegated user');
  assert.match(first.stdout, /done {2}create placeholder zdlt\/backup\/zdls/);
  assert.match(first.stdout, /done {2}bookmark zdls\/data@zform_\S+ as replication cursor/);
  assert.equal((await sh(`zfs get -H -o value -s local zform:placeholder ${tgt(S)}`)).trim(), 'on');
  await assertSameSnapshots(FS, tgt);

  // two more snapshots of zform's prefix: the next apply sends both, and pruning keeps the newest 2 on each side
  for (const k of [1, 2]) {
    await writeData([`${FS}/a`, 32 * 1024]);
    await sh(`zfs snapshot -r ${FS}@zform_r${k}`);
  }
  const second = await zform(['apply', '-c', cfg, '--auto-approve']);
  assertOk(second, 'second apply as the delegated user');
  for (const ds of [FS, `${FS}/a`]) {
    assert.deepEqual(await readSnapshots(ds), ['zform_r1', 'zform_r2'], ds);
    assert.deepEqual(await readSnapshots(tgt(ds)), ['zform_r1', 'zform_r2'], tgt(ds));
  }
  await assertSameSnapshots(FS, tgt);
  const p = await readProtection([S, T]);
  assert.deepEqual(p.holds, [FS, `${FS}/a`].map((ds) => `${tgt(ds)}@zform_r2 zform_last_received_J_deleg`).sort());
  assert.equal(p.bookmarks.filter((b) => b.includes('#zform_CURSOR_')).length, 2);

  const again = await zform(['plan', '-c', cfg, '--detailed-exitcode']);
  assertOk(again, 'plan after both applies');
  assert.match(again.stdout, /^No changes\. ZFS matches the configuration\.$/m);
  assertOk(await zform(['status', '-c', cfg]), 'status');
});
