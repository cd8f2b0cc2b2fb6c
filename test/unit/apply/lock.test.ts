// Job locks: one holder at a time, a clear message naming pid and time, stale locks taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { acquireJobLock } from '../../../src/apply/lock.js';
import { LockedError, ZformError } from '../../../src/errors.js';

async function dir() { return mkdtemp(path.join(tmpdir(), 'zform-lock-')); }

test('a second acquire of the same job is refused with pid and time', async () => {
  const d = await dir();
  const release = await acquireJobLock(d, 'tank_to_nas', new Date('2026-11-21T10:00:00Z'));
  // Pretend another live process holds it: rewrite the pid to our parent's (alive, not us).
  const file = path.join(d, 'tank_to_nas.lock');
  const info = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...info, pid: process.ppid }));
  await assert.rejects(acquireJobLock(d, 'tank_to_nas'), (e: unknown) => {
    assert.ok(e instanceof LockedError);
    assert.equal((e as LockedError).shortMessage, `job tank_to_nas is locked by pid ${process.ppid} since 2026-11-21T10:00:00.000Z`);
    return true;
  });
  // Releasing does not remove a lock that is no longer ours.
  await release();
  assert.equal(JSON.parse(await readFile(file, 'utf8')).pid, process.ppid);
});

test('different jobs lock independently, and release frees the job', async () => {
  const d = await dir();
  const a = await acquireJobLock(d, 'a');
  const b = await acquireJobLock(d, 'b');
  await a();
  const a2 = await acquireJobLock(d, 'a');
  await a2();
  await b();
  assert.deepEqual((await readdir(d)).sort(), []);
});

test('a lock left by a dead process is stale and taken over', async () => {
  const d = await dir();
  const child = spawn(process.execPath, ['-e', '0']);
  const deadPid: number = await new Promise((r) => child.on('exit', () => r(child.pid!)));
  await writeFile(path.join(d, 'j.lock'), JSON.stringify({ pid: deadPid, since: '2020-01-01T00:00:00.000Z', host: 'localhost' }));
  const release = await acquireJobLock(d, 'j', new Date('2026-11-21T11:00:00Z'));
  const info = JSON.parse(await readFile(path.join(d, 'j.lock'), 'utf8'));
  assert.equal(info.pid, process.pid);
  assert.equal(info.since, '2026-11-21T11:00:00.000Z');
  await release();
});

test('an unreadable lock file is treated as stale', async () => {
  const d = await dir();
  await writeFile(path.join(d, 'j.lock'), 'garbage');
  const release = await acquireJobLock(d, 'j');
  assert.equal(JSON.parse(await readFile(path.join(d, 'j.lock'), 'utf8')).pid, process.pid);
  await release();
});

test('job names with slashes or odd characters map to one file each', async () => {
  const d = await dir();
  const r = await acquireJobLock(d, 'a/b c');
  assert.deepEqual(await readdir(d), ['a%2Fb%20c.lock']);
  await r();
});

test('two processes racing for one job: exactly one wins', async () => {
  const d = await dir();
  const script = `import('${path.resolve('dist/src/apply/lock.js')}').then(async (m) => {
    try { await m.acquireJobLock(${JSON.stringify(d)}, 'race'); console.log('won'); await new Promise(r => setTimeout(r, 1500)); }
    catch (e) { console.log('lost:' + e.constructor.name); }
  })`;
  const runOne = () => new Promise<string>((resolve) => {
    const p = spawn(process.execPath, ['-e', script]);
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.on('exit', () => resolve(out.trim()));
  });
  const results = (await Promise.all([runOne(), runOne(), runOne()])).sort();
  assert.deepEqual(results, ['lost:LockedError', 'lost:LockedError', 'won']);
});

test('the lock folder is created 0700; a folder of another user, writable by others, or a symlink is refused (exit 75)', async () => {
  const { chmod, chown, mkdir, stat, symlink } = await import('node:fs/promises');
  const { exitCodeFor } = await import('../../../src/errors.js');
  const base = await dir();
  const fresh = path.join(base, 'new', 'zform');
  await (await acquireJobLock(fresh, 'j'))();
  assert.equal((await stat(fresh)).mode & 0o777, 0o700);

  const refused = async (d: string, message: string) => {
    await assert.rejects(acquireJobLock(d, 'j'), (e: unknown) => {
      assert.ok(e instanceof LockedError);
      assert.equal(exitCodeFor(e), 75);
      assert.equal(e.shortMessage, message);
      return true;
    });
    assert.deepEqual(await readdir(d).catch(() => []), []); // no lock file written there
  };
  const uid = process.getuid!();
  const fix = `remove it or make it a folder owned by uid ${uid} with mode 0700`;
  const shared = path.join(base, 'shared');
  await mkdir(shared);
  await chmod(shared, 0o1777); // like /run/lock/zform made by someone as 1777
  await refused(shared, `lock folder ${shared} is writable by its group and others (mode 1777): ${fix}`);
  const group = path.join(base, 'group');
  await mkdir(group);
  await chmod(group, 0o770);
  await refused(group, `lock folder ${group} is writable by its group (mode 0770): ${fix}`);
  const link = path.join(base, 'link');
  await symlink(fresh, link);
  await assert.rejects(acquireJobLock(link, 'j'), { message: `lock folder ${link} is not a folder (a symlink?): ${fix}` });
  if (uid === 0) {
    // another user's zform/ folder, planted first in a shared parent (only root can make one for the test)
    const foreign = path.join(base, 'foreign');
    await mkdir(foreign, { mode: 0o755 });
    await chown(foreign, 65534, 65534);
    await refused(foreign, `lock folder ${foreign} is owned by uid 65534, not this user (uid 0): ${fix}`);
  } else {
    await refused('/', `lock folder / is owned by uid 0, not this user (uid ${uid}): ${fix}`);
  }
});

test('a lock file that is a symlink is not followed: the target keeps its content and the lock is taken', async () => {
  const { symlink, lstat } = await import('node:fs/promises');
  const d = await dir();
  const victim = path.join(await dir(), 'victim');
  await writeFile(victim, JSON.stringify({ pid: process.ppid, since: 'planted', host: 'x' }));
  await symlink(victim, path.join(d, 'j.lock'));
  const release = await acquireJobLock(d, 'j', new Date('2026-11-21T10:00:00Z'));
  assert.ok((await lstat(path.join(d, 'j.lock'))).isFile());
  assert.equal(JSON.parse(await readFile(path.join(d, 'j.lock'), 'utf8')).pid, process.pid);
  assert.equal(JSON.parse(await readFile(victim, 'utf8')).since, 'planted');
  await release();
});

test('a lock folder that cannot be made is one error, at once: below /proc node\'s recursive mkdir spun for ever', { timeout: 20_000 }, async () => {
  for (const d of ['/proc/zform-locks', '/proc/zform/locks']) {
    await assert.rejects(acquireJobLock(d, 'j'), (e: unknown) => {
      assert.ok(e instanceof ZformError && !(e instanceof LockedError));
      assert.match((e as ZformError).shortMessage, new RegExp(`^cannot create lock folder ${d}: ENOENT`));
      return true;
    });
  }
});

test('missing parents of the lock folder are made, the lock folder 0700', async () => {
  const base = await dir();
  const d = path.join(base, 'a', 'b', 'locks');
  const release = await acquireJobLock(d, 'j');
  assert.equal((await stat(d)).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(d), ['j.lock']);
  await release();
  assert.deepEqual(await readdir(d), []);
});
