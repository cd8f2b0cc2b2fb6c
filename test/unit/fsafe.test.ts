// Safe writes (--out, --metrics-file, --trace): a symlink or a file planted at the temporary or final name is never
// written through, the result has exactly its mode, and a missing folder is a usage error before the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { checkOutputFile, readInputFile, writeFileSafely } from '../../src/fsafe.js';
import { run } from '../../src/cli.js';
import { FakeHost } from '../support/fake-zfs/host.js';
import { staticHosts } from '../../src/hosts.js';
import type { Io } from '../../src/io.js';

const YAML = 'jobs:\n  - name: j\n    source: { host: local, filesystems: { "tank/a<": true } }\n    target: { host: local, root_fs: backup }\n';

async function folder() {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-fsafe-'));
  const victim = path.join(dir, 'victim');
  await writeFile(victim, 'root-owned content\n');
  await chmod(victim, 0o644);
  return { dir, victim };
}

function io(dir: string) {
  const out = new PassThrough(); const err = new PassThrough();
  let o = ''; let e = '';
  out.on('data', (c) => (o += c)); err.on('data', (c) => (e += c));
  const src = new FakeHost('local').apply('pool tank', 'pool backup', 'create tank/a', 'snapshot tank/a@s1');
  const value: Io = {
    stdout: out, stderr: err, stdin: new PassThrough(), env: { ZFORM_LOCK_DIR: path.join(dir, 'locks') }, now: () => new Date('2026-11-21T12:00:00Z'),
    openHosts: () => staticHosts({ local: src }),
  };
  return { value, out: () => o, err: () => e, src };
}

test('writeFileSafely never opens a name that exists: a planted symlink and a pre-created file are skipped', async () => {
  const { dir, victim } = await folder();
  const dest = path.join(dir, 'out.plan');
  const planted = [path.join(dir, '.t1'), path.join(dir, '.t2')];
  await symlink(victim, planted[0]!);
  await writeFile(planted[1]!, 'attacker\n', { mode: 0o666 });
  await chmod(planted[1]!, 0o666);
  const names = [...planted, path.join(dir, '.t3')];
  let i = 0;
  const old = process.umask(0o077);
  try {
    await writeFileSafely(dest, ['{', '}\n'], { mode: 0o644, tempName: () => names[i++]! });
  } finally {
    process.umask(old);
  }
  assert.equal(i, 3);
  assert.equal(await readFile(victim, 'utf8'), 'root-owned content\n');
  assert.equal(await readFile(planted[1]!, 'utf8'), 'attacker\n');
  assert.equal(await readFile(dest, 'utf8'), '{}\n');
  assert.equal((await stat(dest)).mode & 0o777, 0o644); // exactly, whatever the umask
  assert.deepEqual((await readdir(dir)).sort(), ['.t1', '.t2', 'out.plan', 'victim']);
});

test('writeFileSafely replaces a symlink or a foreign file at the destination instead of writing through it', async () => {
  const { dir, victim } = await folder();
  const link = path.join(dir, 'link.plan');
  await symlink(victim, link);
  await writeFileSafely(link, 'mine\n', { mode: 0o600 });
  assert.equal(await readFile(victim, 'utf8'), 'root-owned content\n');
  assert.ok((await lstat(link)).isFile());
  const shared = path.join(dir, 'shared.plan');
  await writeFile(shared, 'theirs\n');
  await chmod(shared, 0o666);
  const before = (await stat(shared)).ino;
  await writeFileSafely(shared, 'mine\n', { mode: 0o600 });
  assert.notEqual((await stat(shared)).ino, before); // a new file: an fd they kept open does not reach it
  assert.equal((await stat(shared)).mode & 0o777, 0o600);
});

test('writeFileSafely gives up when every temporary name exists, and writes nothing', async () => {
  const { dir, victim } = await folder();
  await symlink(victim, path.join(dir, '.x'));
  await assert.rejects(writeFileSafely(path.join(dir, 'out'), 'y', { mode: 0o600, tempName: () => path.join(dir, '.x') }), { code: 'EEXIST' });
  assert.equal(await readFile(victim, 'utf8'), 'root-owned content\n');
  assert.deepEqual((await readdir(dir)).sort(), ['.x', 'victim']);
});

test('checkOutputFile: a missing folder, a file as folder, a folder as destination are usage errors', async () => {
  const { dir, victim } = await folder();
  await assert.rejects(checkOutputFile('--out', path.join(dir, 'no/p.plan')), { kind: 'usage', message: `--out ${dir}/no/p.plan: the folder ${dir}/no does not exist` });
  await assert.rejects(checkOutputFile('--out', path.join(victim, 'p.plan')), { kind: 'usage', message: `--out ${victim}/p.plan: ${victim} is not a folder` });
  await mkdir(path.join(dir, 'sub'));
  await assert.rejects(checkOutputFile('--trace', path.join(dir, 'sub')), { kind: 'usage', message: `--trace ${dir}/sub: is a folder` });
  await checkOutputFile('--out', path.join(dir, 'fine.plan'));
});

/** The three writers through the CLI: the destination is a symlink to a victim, the old predictable temporary name
 *  (.NAME.PID.tmp) a symlink to it too; the victim keeps its content, the destination is a new file of its mode. */
for (const writer of [
  { name: 'plan --out', file: 'p.plan', mode: 0o600, args: (cfg: string, f: string) => ['plan', '-c', cfg, '--out', f] },
  { name: 'apply --metrics-file', file: 'z.prom', mode: 0o644, args: (cfg: string, f: string) => ['apply', '-c', cfg, '--auto-approve', '--metrics-file', f] },
  { name: '--trace', file: 't.json', mode: 0o600, args: (cfg: string, f: string) => ['validate', '-c', cfg, '--trace', f] },
]) {
  test(`${writer.name}: a symlinked destination and planted temporary files are not written through`, async () => {
    const { dir, victim } = await folder();
    const cfg = path.join(dir, 'zform.yml');
    await writeFile(cfg, YAML);
    const dest = path.join(dir, writer.file);
    await symlink(victim, dest);
    const oldTmp = path.join(dir, `.${writer.file}.${process.pid}.tmp`);
    await symlink(victim, oldTmp);
    const t = io(dir);
    assert.equal(await run(writer.args(cfg, dest), t.value), 0, t.err());
    assert.equal(await readFile(victim, 'utf8'), 'root-owned content\n');
    const st = await lstat(dest);
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o777, writer.mode);
    assert.ok((await readFile(dest, 'utf8')).length > 10);
    assert.ok((await lstat(oldTmp)).isSymbolicLink());
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), [path.basename(oldTmp)]); // none of ours left
  });

  test(`${writer.name}: a FIFO planted at the destination is replaced by the file, and the run never waits on it`, { timeout: 20_000 }, async () => {
    const { dir } = await folder();
    const cfg = path.join(dir, 'zform.yml');
    await writeFile(cfg, YAML);
    const dest = path.join(dir, writer.file);
    execFileSync('mkfifo', [dest]);
    const t = io(dir);
    assert.equal(await run(writer.args(cfg, dest), t.value), 0, t.err());
    const st = await lstat(dest);
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o777, writer.mode);
  });

  test(`${writer.name}: a missing folder is a usage error (64) before anything runs`, async () => {
    const { dir } = await folder();
    const cfg = path.join(dir, 'zform.yml');
    await writeFile(cfg, YAML);
    const t = io(dir);
    const dest = path.join(dir, 'missing', writer.file);
    assert.equal(await run(writer.args(cfg, dest), t.value), 64);
    assert.match(t.err(), new RegExp(`^zform: --\\S+ ${dest}: the folder ${path.dirname(dest)} does not exist\\n`));
    assert.deepEqual(t.src.commandLog, []); // no zfs command ran: nothing was planned
  });
}

test('zform plan --out whose folder is gone when the plan is written: one line naming the file, exit 1', async () => {
  const { dir } = await folder();
  const sub = path.join(dir, 'plans');
  await mkdir(sub);
  await writeFile(path.join(dir, 'c.yml'), YAML);
  const t = io(dir);
  const hosts = t.value.openHosts!;
  // checked before the listing (it exists then), removed while planning
  t.value.openHosts = (config, observer) => { rmSync(sub, { recursive: true }); return hosts(config, observer); };
  const code = await run(['plan', '-c', path.join(dir, 'c.yml'), '--out', path.join(sub, 'p.plan')], t.value);
  assert.equal(code, 1);
  assert.match(t.err(), new RegExp(`^zform: cannot write the plan file ${path.join(sub, 'p.plan').replace(/[.]/g, '\\.')}: ENOENT: no such file or directory, open '[^']*\\.tmp'\n$`));
  assert.doesNotMatch(t.err(), /internal error/);
});

test('readInputFile: a regular file only (a FIFO refused without waiting for a writer, a device, a folder), at most max bytes', { timeout: 20_000 }, async () => {
  const { dir, victim } = await folder();
  assert.equal(await readInputFile(victim), 'root-owned content\n');
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readInputFile(fifo), { message: 'is a FIFO (a named pipe), not a regular file' });
  await assert.rejects(readInputFile('/dev/zero'), { message: 'is a device, not a regular file' });
  await assert.rejects(readInputFile(dir), { message: 'is a folder, not a regular file' });
  await assert.rejects(readInputFile(path.join(dir, 'none')), { code: 'ENOENT' });
  await assert.rejects(readInputFile(victim, 5), { message: 'is larger than 5 bytes, more than zform reads' });
  assert.equal(await readInputFile(victim, 19), 'root-owned content\n');
});

test('apply of a saved plan that is a FIFO or a device: a usage error (64) at once, nothing run', { timeout: 20_000 }, async () => {
  const { dir } = await folder();
  const cfg = path.join(dir, 'zform.yml');
  await writeFile(cfg, YAML);
  const fifo = path.join(dir, 'p.plan');
  execFileSync('mkfifo', [fifo]);
  for (const [file, kind] of [[fifo, 'a FIFO \\(a named pipe\\)'], ['/dev/urandom', 'a device']] as const) {
    const t = io(dir);
    assert.equal(await run(['apply', '-c', cfg, '--auto-approve', file], t.value), 64);
    assert.match(t.err(), new RegExp(`^zform: cannot read plan file ${file}: is ${kind}, not a regular file\n`));
    assert.deepEqual(t.src.commandLog, []);
  }
});
