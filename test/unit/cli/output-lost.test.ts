// Nothing zform prints can stop it: bin/zform with its stdout closed by the reader (`| head`), or on a full disk
// (/dev/full), against a stand-in `zfs` on PATH. A reader that went away is no error: no stack trace, the run's exit
// code, and an apply takes every step it planned. Output lost otherwise is: one line on stderr, exit 1.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesystemRow, writeStandInZfs } from '../../support/standin-zfs.js';

const BIN = fileURLToPath(new URL('../../../../bin/zform', import.meta.url));
/** Datasets: enough that the plan (a line or more each) is several times a pipe's 64 KiB. */
const DATASETS = 3000;
const made: string[] = [];
after(async () => { for (const dir of made) await rm(dir, { recursive: true, force: true }); });

/** A stand-in `zfs`: DATASETS filesystems under tank, no snapshots; `zfs snapshot` logs its arguments, one a line. */
async function standIn(): Promise<{ dir: string; config: string; snapshotLog: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'zform-out-'));
  made.push(dir);
  const rows = ['tank', ...Array.from({ length: DATASETS }, (_, i) => `tank/d${String(i).padStart(5, '0')}`)]
    .map((name, i) => filesystemRow(name, 6934086900805188463n + BigInt(i)));
  await writeFile(join(dir, 'datasets'), rows.join('\n') + '\n');
  const snapshotLog = join(dir, 'snapshots');
  const config = await writeStandInZfs(dir, `cat ${join(dir, 'datasets')}`, `for s in "$@"; do echo "$s"; done >> ${snapshotLog}`);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}`, ZFORM_LOCK_DIR: join(dir, 'lock'), NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return { dir, config, snapshotLog, env };
}

interface Ran { code: number | null; stdoutBytes: number; stderr: string }

/** bin/zform with its stdout a pipe that this side closes after `keep` bytes (0: at once), or an open file. */
function runZform(args: string[], env: NodeJS.ProcessEnv, stdout: { keep: number } | { fd: number }): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'keep' in stdout ? 'pipe' : stdout.fd, 'pipe'] });
  let stdoutBytes = 0;
  if ('keep' in stdout) {
    if (stdout.keep === 0) child.stdout!.destroy();
    else child.stdout!.on('data', (d: Buffer) => { stdoutBytes += d.length; if (stdoutBytes >= stdout.keep) child.stdout!.destroy(); });
  }
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdoutBytes, stderr }); });
  });
}

test('zform plan | head: the reader leaving early is no error (no stack trace; exit 0, or 2 with --detailed-exitcode)', async () => {
  const s = await standIn();
  const plain = await runZform(['plan', '-c', s.config], s.env, { keep: 1 });
  assert.equal(plain.stderr, '');
  assert.equal(plain.code, 0);
  assert.ok(plain.stdoutBytes < 200_000, `${plain.stdoutBytes} bytes read`);
  const detailed = await runZform(['plan', '--json', '--detailed-exitcode', '-c', s.config], s.env, { keep: 1 });
  assert.equal(detailed.stderr, '');
  assert.equal(detailed.code, 2);
});

test('zform apply whose stdout reader is gone before it starts takes every planned step and exits 0', async () => {
  const s = await standIn();
  const r = await runZform(['apply', '--auto-approve', '-c', s.config], s.env, { keep: 0 });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  const snapshots = (await readFile(s.snapshotLog, 'utf8')).trim().split('\n');
  assert.equal(snapshots.length, DATASETS + 1);
  assert.ok(snapshots.every((n) => /^tank(\/d\d{5})?@zform_\d/.test(n)), snapshots.slice(0, 3).join(' '));
});

test('zform plan on a full disk (/dev/full): one line on stderr naming standard output, exit 1 (2 becomes 1)', async () => {
  const s = await standIn();
  const full = await open('/dev/full', 'w');
  try {
    for (const extra of [[], ['--detailed-exitcode']]) {
      const r = await runZform(['plan', ...extra, '-c', s.config], s.env, { fd: full.fd });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^zform: could not write to standard output: ENOSPC: no space left on device, write; the output is incomplete\n$/);
    }
    const version = await runZform(['version'], s.env, { fd: full.fd });
    assert.equal(version.code, 1);
    assert.match(version.stderr, /^zform: could not write to standard output: ENOSPC/);
  } finally {
    await full.close();
  }
});
