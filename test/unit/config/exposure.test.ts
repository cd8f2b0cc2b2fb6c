// A configuration another user could change is refused (exit 78, one line naming the file or folder and why), as
// sshd refuses such an authorized_keys and sudo such a sudoers: whoever writes zform's configuration decides what it
// destroys and which hooks it runs, as the user who runs zform (root, from cron).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { computeWriteExposure as computeConfigExposure } from '../../../src/fsafe.js';
import { run } from '../../../src/cli.js';
import type { Io } from '../../../src/io.js';

const CONFIG = `jobs:
  - name: j
    source: { host: local, filesystems: { "tank<": true } }
    target: { host: local, root_fs: backup }
`;
const uid = process.getuid!();

async function config(dir: string, name = 'zform.yml', mode = 0o644): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, CONFIG);
  await chmod(file, mode);
  return file;
}

/** A fresh folder below the temp folder (mkdtemp: 0700, ours; the temp folder itself is sticky). */
function fresh(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'zform-exposure-'));
}

async function validate(file: string): Promise<{ code: number; err: string }> {
  const out = new PassThrough(); const err = new PassThrough();
  let e = '';
  err.on('data', (c) => (e += c));
  out.resume();
  const io: Io = { stdout: out, stderr: err, stdin: new PassThrough(), env: { NO_COLOR: '1' }, now: () => new Date() };
  return { code: await run(['validate', '-c', file], io), err: e };
}

test('a configuration only root or this user can change is accepted, in a sticky shared folder too', async () => {
  const dir = await fresh();
  assert.equal(await computeConfigExposure(await config(dir), uid), null);
  assert.equal(await computeConfigExposure(await config(dir, 'ro.yml', 0o400), uid), null);
  const shared = path.join(dir, 'shared');
  await mkdir(shared);
  await chmod(shared, 0o1777); // like /tmp: others may add names, not replace ours
  assert.equal(await computeConfigExposure(await config(shared), uid), null);
  assert.deepEqual(await validate(path.join(shared, 'zform.yml')), { code: 0, err: '' });
});

test('a configuration file writable by others, or by a group other than root\'s, is refused with exit 78 and one line', async () => {
  const dir = await fresh();
  const open = await config(dir, 'open.yml', 0o666);
  assert.equal(await computeConfigExposure(open, uid), 'the file is writable by others (mode 0666)');
  const r = await validate(open);
  assert.equal(r.code, 78);
  const who = uid === 0 ? 'root' : `root or uid ${uid}`;
  assert.equal(r.err, `zform: config ${open}: the file is writable by others (mode 0666); whoever can change it decides what zform destroys and which hooks it runs: make it and its folders writable only by ${who}\n`);
  const group = await config(dir, 'group.yml', 0o664);
  if (uid === 0) {
    await chown(group, 0, 65534);
    assert.equal(await computeConfigExposure(group, uid), 'the file is writable by its group, gid 65534 (mode 0664)');
    await chown(group, 0, 0);
    assert.equal(await computeConfigExposure(group, uid), null, 'root\'s group may write it');
  } else {
    assert.match((await computeConfigExposure(group, uid))!, /^the file is writable by its group, gid \d+ \(mode 0664\)$/);
  }
});

test('a folder above it that others may write (not sticky), or a link into one, is refused', async () => {
  const dir = await fresh();
  const open = path.join(dir, 'open');
  await mkdir(open);
  await chmod(open, 0o777);
  const inside = await config(open);
  assert.equal(await computeConfigExposure(inside, uid), `its folder ${open} is writable by others (mode 0777)`);
  // a link from a safe folder to the file in that folder: the folder the file is really in counts
  const link = path.join(dir, 'link.yml');
  await symlink(inside, link);
  assert.equal(await computeConfigExposure(link, uid), `its folder ${open} is writable by others (mode 0777)`);
  assert.equal((await validate(link)).code, 78);
  // a file in a safe folder, reached through a link in a folder others may write: that folder could swap the link
  const safe = await config(dir, 'safe.yml');
  const swappable = path.join(open, 'to-safe.yml');
  await symlink(safe, swappable);
  assert.equal(await computeConfigExposure(swappable, uid), `its folder ${open} is writable by others (mode 0777)`);
});

test('a file or folder another user owns is refused; a pipe (-c <(...)) is not checked', async () => {
  const dir = await fresh();
  if (uid === 0) {
    const theirs = await config(dir, 'theirs.yml');
    await chown(theirs, 65534, 65534);
    assert.equal(await computeConfigExposure(theirs, uid), 'the file is owned by uid 65534');
    const folder = path.join(dir, 'theirs');
    await mkdir(folder, { mode: 0o755 });
    const inside = await config(folder);
    await chown(folder, 65534, 65534);
    assert.equal(await computeConfigExposure(inside, uid), `its folder ${folder} is owned by uid 65534`);
  } else {
    // root's files are trusted by every user: the configuration root installed for a delegated user
    assert.equal(await computeConfigExposure('/etc/hostname', uid), null);
  }
  assert.equal(await computeConfigExposure('/dev/stdin', uid), null);
});
