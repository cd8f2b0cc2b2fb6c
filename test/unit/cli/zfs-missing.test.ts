// No `zfs` on a host: one line on stderr saying OpenZFS's zfs command was not found there, once, nothing on
// stdout, exit 1: here (PATH without zfs) and over SSH (a real sshd whose shell has no zfs: exit 127).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/cli.js';
import type { Io } from '../../../src/io.js';
import { ZfsError, isZfsNotFound } from '../../../src/zfs/errors.js';
import { startSshd, type Sshd } from '../ssh/sshd.js';

const BIN = fileURLToPath(new URL('../../../../bin/zform', import.meta.url));
const exec = promisify(execFile);

test('isZfsNotFound: spawn ENOENT, bash and dash "not found", sudo; not a missing sudo, not a zfs error', () => {
  assert.ok(isZfsNotFound('zfs: spawn zfs ENOENT\n', 127));
  assert.ok(isZfsNotFound('bash: line 1: zfs: command not found\n', 127));
  assert.ok(isZfsNotFound('sh: 1: zfs: not found\n', 127));
  assert.ok(isZfsNotFound('sudo: zfs: command not found\n', 1));
  assert.ok(isZfsNotFound('', 127));
  assert.ok(!isZfsNotFound('bash: line 1: sudo: command not found\n', 127));
  assert.ok(!isZfsNotFound("cannot open 'tank/x': dataset does not exist\n", 1));
  const e = new ZfsError({ host: 'nas', argv: ['zfs', 'list'], stderr: 'bash: line 1: zfs: command not found\n', exitCode: 127 });
  assert.equal(e.code, 'zfs_not_found');
  assert.match(e.shortMessage, /^OpenZFS's zfs command was not found on host nas/);
  assert.deepEqual(e.details, []);
});

test('no zfs on PATH: plan, apply, status, holds list each print one line on stderr, nothing on stdout, exit 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-nozfs-'));
  const config = join(dir, 'zform.yml');
  // two jobs, each listing a source and a target: four listings used to give four errors
  await writeFile(config, `jobs:
  - { name: a, source: { filesystems: { "tank<": true } }, target: { root_fs: backup } }
  - { name: b, source: { filesystems: { "pool<": true } }, target: { root_fs: backup2 } }
`);
  for (const args of [['plan'], ['apply', '--auto-approve'], ['status'], ['holds', 'list']]) {
    const r = await exec(process.execPath, [BIN, ...args, '-c', config], { env: { PATH: dir, ZFORM_LOCK_DIR: join(dir, 'lock') } })
      .then(() => ({ code: 0, stdout: '', stderr: '' }), (e: { code: number; stdout: string; stderr: string }) => e);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.equal(r.stderr, "zform: OpenZFS's zfs command was not found on this host (local): install OpenZFS (Debian: zfsutils-linux) or put zfs on PATH\n", args.join(' '));
  }
});

let sshd: Sshd;
before(async () => { sshd = await startSshd(); });
after(async () => { await sshd.stop(); });

test('no zfs on the SSH host: one line naming the host, on stderr; exit 1', async () => {
  const c = sshd.config();
  const known = sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  const dir = await mkdtemp(join(tmpdir(), 'zform-nozfs-ssh-'));
  const config = join(dir, 'zform.yml');
  await writeFile(config, `hosts:
  nas: { ssh: { host: ${c.host}, port: ${c.port}, user: root, identity_file: ${c.identityFile}, known_hosts: ${known} } }
jobs:
  - { name: a, source: { host: nas, filesystems: { "tank<": true } }, snapshotting: { prefix: zform_, interval: 1h } }
  - { name: b, source: { host: nas, filesystems: { "pool<": true } }, snapshotting: { prefix: zform_, interval: 1h } }
`);
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const io: Io = { stdout, stderr, stdin: new PassThrough(), env: {}, now: () => new Date() };
  assert.equal(await run(['plan', '-c', config], io), 1);
  assert.equal(out, '');
  assert.equal(err, "zform: OpenZFS's zfs command was not found on host nas (over SSH): install OpenZFS there (Debian: zfsutils-linux) or put zfs on the remote PATH\n");
});
