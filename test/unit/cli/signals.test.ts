// A closed terminal or SSH session (SIGHUP) stops an apply the way SIGINT and SIGTERM do: bin/zform against a
// stand-in `zfs` on PATH whose `zfs snapshot` takes a while. The step running ends, the rest is skipped, the lock is
// let go, and zform exits 128 + the signal's number instead of dying by it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesystemRow, writeStandInZfs } from '../../support/standin-zfs.js';

const BIN = fileURLToPath(new URL('../../../../bin/zform', import.meta.url));
const made: string[] = [];
after(async () => { for (const dir of made) await rm(dir, { recursive: true, force: true }); });

/** Two jobs on the one local host (so one after the other): "first" snapshots tank/a, "second" tank/b. Each
 *  `zfs snapshot` touches STARTED, waits a second, then logs its operands. */
async function standIn(): Promise<{ config: string; started: string; snapshotLog: string; lockDir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'zform-sig-'));
  made.push(dir);
  const rows = ['tank', 'tank/a', 'tank/b'].map((name, i) => filesystemRow(name, 6934086900805188463n + BigInt(i)));
  await writeFile(join(dir, 'datasets'), rows.join('\n') + '\n');
  const started = join(dir, 'started');
  const snapshotLog = join(dir, 'snapshots');
  await writeStandInZfs(dir, `cat ${join(dir, 'datasets')}`, `touch ${started}; sleep 1; for s in "$@"; do echo "$s"; done >> ${snapshotLog}`);
  const config = join(dir, 'two-jobs.yml');
  const job = (name: string, root: string) =>
    `  - name: ${name}\n    source: { filesystems: { "${root}<": true } }\n    snapshotting: { prefix: zform_, interval: 1h }\n`;
  await writeFile(config, `jobs:\n${job('first', 'tank/a')}${job('second', 'tank/b')}`);
  const lockDir = join(dir, 'lock');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}`, ZFORM_LOCK_DIR: lockDir, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return { config, started, snapshotLog, lockDir, env };
}

/** Runs the apply and sends `signal` to zform once the first `zfs snapshot` has started. */
function applyAndSignal(s: Awaited<ReturnType<typeof standIn>>, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'apply', '--auto-approve', '-c', s.config], { env: s.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const poll = setInterval(() => { if (existsSync(s.started)) { clearInterval(poll); child.kill(signal); } }, 20);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code, sig) => { clearInterval(poll); clearTimeout(timer); resolve({ code, signal: sig, stderr }); });
  });
}

for (const [signal, code] of [['SIGHUP', 129], ['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${signal} during an apply: the running step ends, the next job is skipped, the lock is let go, exit ${code}`, async () => {
    const s = await standIn();
    const r = await applyAndSignal(s, signal);
    assert.equal(r.signal, null, `zform died by ${r.signal}`);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`^zform: ${signal}: stopping every running transfer \\(each keeps its resumable state\\), skipping the rest$`, 'm'));
    const snapshots = (await readFile(s.snapshotLog, 'utf8')).trim().split('\n');
    assert.equal(snapshots.length, 1, snapshots.join(' '));
    assert.match(snapshots[0]!, /^tank\/a@zform_\d/);
    const locks = existsSync(s.lockDir) ? await readdir(s.lockDir) : [];
    assert.deepEqual(locks, []);
  });
}

for (const [signal, code] of [['SIGINT', 130], ['SIGHUP', 129]] as const) {
  test(`${signal} at apply's confirmation prompt cancels at once: exit ${code}, nothing taken (it went on waiting for an answer)`, async () => {
    const s = await standIn();
    const pidFile = s.started + '.pid';
    // the listing writes zform's pid (the stand-in's parent), so the signal goes to zform, not to `script`
    await writeStandInZfs(dirname(s.config), `{ echo $PPID > ${pidFile}; cat ${join(dirname(s.config), 'datasets')}; }`, `for s in "$@"; do echo "$s"; done >> ${s.snapshotLog}`);
    const cmd = `exec "${process.execPath}" "${BIN}" apply -c "${s.config}"`;
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], { env: s.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && out.includes('Enter a value:')) {
        sent = true;
        void readFile(pidFile, 'utf8').then((pid) => process.kill(Number(pid.trim()), signal));
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const exit = await new Promise<number | null>((resolve) => child.on('close', (c) => { clearTimeout(timer); resolve(c); }));
    assert.ok(sent, out.slice(-500));
    assert.equal(exit, code, out.slice(-500));
    assert.match(out, /Apply cancelled\./);
    assert.equal(existsSync(s.snapshotLog), false, 'no snapshot taken');
  });
}
