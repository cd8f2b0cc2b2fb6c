// A hook on a remote host runs there as the user zform logs in as: an executable someone else could change (the file,
// a folder above it, or above where it links to) is not run, by the rule for local hooks (fsafe.ts), read over SSH
// with realpath, id and ls. Here the "remote" host is this machine through a real sshd, so the commands are the real
// GNU tools; the fake's answers are checked in test/unit/apply/hooks.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshExecutor } from '../../../src/zfs/ssh.js';
import { runHookCommand } from '../../../src/zfs/hook.js';
import { parseLsLong, computeRemoteWriteExposure } from '../../../src/zfs/remote-exposure.js';
import { computeCheckedPaths } from '../../../src/fsafe.js';
import type { Executor } from '../../../src/zfs/exec.js';
import { FakeDoneProcess, type Reply } from '../../support/fake-zfs/process.js';
import { startSshd, type Sshd } from '../ssh/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'zform-hook-remote-'));
const uid = process.getuid!();
const who = uid === 0 ? 'root' : `root or uid ${uid}`;

/** A hook in `folder` that creates a marker file when it runs. */
function hook(folder: string, name: string, mode: number): { path: string; marker: string } {
  const path = join(folder, name);
  const marker = `${path}.ran`;
  writeFileSync(path, `#!/bin/sh\ntouch '${marker}'\necho ran\n`);
  chmodSync(path, mode);
  return { path, marker };
}

let sshd: Sshd;
let ex: SshExecutor;
before(async () => {
  sshd = await startSshd();
  sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  ex = new SshExecutor('nas', sshd.config());
});
after(async () => {
  await ex.close();
  await sshd.stop();
});

const run = (path: string) => runHookCommand(ex, { path, env: { ZFORM_JOB: 'j' }, timeoutMs: 20_000 });

test('over SSH: a hook only root or the login user can change runs', async () => {
  const h = hook(dir, 'ok', 0o755);
  const r = await run(h.path);
  assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: 'ran\n', stderr: '' });
  assert.ok(existsSync(h.marker));
});

test('over SSH: a hook writable by others, in a folder others may write, or linked from such a folder is not run, and the failure says why', async () => {
  const open = hook(dir, 'open', 0o777);
  const r = await run(open.path);
  assert.deepEqual({ code: r.code, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr }, {
    code: null, timedOut: false, stdout: '',
    stderr: `not run: ${open.path} on nas: the file is writable by others (mode 0777); whoever can change it would run their code there as the user zform logs in as: make it and its folders writable only by ${who}\n`,
  });
  assert.ok(!existsSync(open.marker));

  const folder = (name: string, mode: number) => { const f = join(dir, name); mkdirSync(f); chmodSync(f, mode); return f; };
  const shared = folder('shared', 0o777);
  const inShared = hook(shared, 'h', 0o755);
  const s = await run(inShared.path);
  assert.deepEqual([s.code, existsSync(inShared.marker)], [null, false]);
  assert.match(s.stderr, new RegExp(`^not run: ${inShared.path} on nas: its folder ${shared} is writable by others \\(mode 0777\\); `));

  // the configured path is in a safe folder, the file it links to is not
  const safe = folder('safe', 0o755);
  symlinkSync(inShared.path, join(safe, 'link'));
  const l = await run(join(safe, 'link'));
  assert.deepEqual([l.code, existsSync(inShared.marker)], [null, false]);
  assert.match(l.stderr, new RegExp(`^not run: ${safe}/link on nas: its folder ${shared} is writable by others`));

  // a sticky folder (/tmp) lets others add names, not replace ours: a hook in one runs
  const inSticky = hook(folder('sticky', 0o1777), 'h', 0o755);
  const t = await run(inSticky.path);
  assert.deepEqual({ code: t.code, stderr: t.stderr }, { code: 0, stderr: '' });
});

test('over SSH: a hook that is not there is not run, and the failure names the file', async () => {
  const r = await run(join(dir, 'absent'));
  assert.equal(r.code, null);
  // GNU realpath resolves a missing last name, ls then reports it (BusyBox's and FreeBSD's realpath fail first)
  assert.match(r.stderr, new RegExp(`^not run: cannot check who can change ${dir}/absent on nas: (realpath|ls) exited \\d+: .*${dir}/absent.*: No such file or directory\n$`));
});

test('ls -ldn lines: type, owner, group and mode bits, setuid, setgid and sticky included; anything else is not read', () => {
  const f = parseLsLong('-rwsr-x--- 1 0 27 120 Dec  7 00:00 /usr/local/bin/x')!;
  assert.deepEqual({ type: f.type, uid: f.uid, gid: f.gid, mode: f.mode.toString(8), dir: f.isDirectory() }, { type: '-', uid: 0, gid: 27, mode: '4750', dir: false });
  const d = parseLsLong('drwxrwxrwt. 12 0 0 4096 Dec  7 00:00 /tmp')!;
  assert.deepEqual({ type: d.type, mode: d.mode.toString(8), dir: d.isDirectory() }, { type: 'd', mode: '1777', dir: true });
  assert.equal(parseLsLong('drwxr-sr-T+ 2 1000 1000 4096 Dec  7 00:00 /srv/x')!.mode.toString(8), '3754');
  for (const bad of ['', 'total 4', 'drwxr-xr-x 2 root root 4096 Dec  7 00:00 /x', 'drwxr-xr-xx 2 0 0 1 Dec  7 00:00 /x', '-rw-r--r--']) {
    assert.equal(parseLsLong(bad), null, bad);
  }
});

test('the paths checked: the file, then every folder above where it is named and above where it really is', () => {
  assert.deepEqual(computeCheckedPaths('/usr/local/bin/x', '/opt/x/bin/x'), ['/opt/x/bin/x', '/usr/local/bin', '/usr/local', '/usr', '/', '/opt/x/bin', '/opt/x', '/opt']);
  assert.deepEqual(computeCheckedPaths('/a/../b/x', '/b/x'), ['/b/x', '/b', '/']);
});

/** A host whose realpath, id and ls print what `reply` says (the commands it was asked go to `asked`). */
function scripted(reply: (argv: string[]) => Reply): Executor & { asked: string[][] } {
  const asked: string[][] = [];
  return { host: 'nas', asked, spawn: (argv) => { asked.push(argv); return new FakeDoneProcess(reply(argv), null, false); }, close: async () => {} };
}

const LS: Record<string, string> = {
  '/': 'drwxr-xr-x 18 0 0 4096 Dec  7 00:00 /',
  '/opt': 'drwxr-xr-x 3 0 0 4096 Dec  7 00:00 /opt',
  '/opt/hooks': 'drwxrwxr-x 2 0 0 4096 Dec  7 00:00 /opt/hooks',
  '/opt/hooks/my hook': '-rwxr-x--- 1 1001 0 100 Dec  7 00:00 /opt/hooks/my hook',
};

test('the remote check: ls lines read in any order, by the path after the columns; the login user and root\'s group may write', async () => {
  const ex = scripted((argv) => argv[0] === 'realpath' ? { stdout: `${argv[1]}\n` } : argv[0] === 'id' ? { stdout: '1001\n' }
    : { stdout: argv.slice(4).reverse().map((p) => `${LS[p]}\n`).join('') });
  assert.deepEqual(await computeRemoteWriteExposure(ex, '/opt/hooks/my hook'), { kind: 'safe' });
  assert.deepEqual(ex.asked, [['realpath', '/opt/hooks/my hook'], ['id', '-u'], ['env', 'LC_ALL=C', 'ls', '-ldnL', '/opt/hooks/my hook', '/opt/hooks', '/opt', '/']]);
  const other = scripted((argv) => argv[0] === 'realpath' ? { stdout: `${argv[1]}\n` } : argv[0] === 'id' ? { stdout: '0\n' }
    : { stdout: argv.slice(4).map((p) => `${LS[p]}\n`).join('') });
  assert.deepEqual(await computeRemoteWriteExposure(other, '/opt/hooks/my hook'), { kind: 'exposed', why: 'the file is owned by uid 1001', uid: 0 });
});

test('the remote check: output it cannot read for certain, or a command that fails, is "cannot check" (the hook is not run)', async () => {
  const check = (reply: (argv: string[]) => Reply) => computeRemoteWriteExposure(scripted(reply), '/opt/hooks/my hook');
  const ok = (argv: string[]): Reply => argv[0] === 'realpath' ? { stdout: `${argv[1]}\n` } : argv[0] === 'id' ? { stdout: '1001\n' }
    : { stdout: argv.slice(4).map((p) => `${LS[p]}\n`).join('') };
  const cases: [string, (argv: string[]) => Reply, string][] = [
    ['realpath missing', (a) => a[0] === 'realpath' ? { stderr: 'sh: 1: realpath: not found\n', code: 127 } : ok(a), 'realpath exited 127: sh: 1: realpath: not found'],
    ['a relative real path', (a) => a[0] === 'realpath' ? { stdout: 'hooks/x\n' } : ok(a), 'realpath printed "hooks/x\\n"'],
    ['a real path of two lines', (a) => a[0] === 'realpath' ? { stdout: '/a\n/b\n' } : ok(a), 'realpath printed "/a\\n/b\\n"'],
    ['id not a number', (a) => a[0] === 'id' ? { stdout: 'root\n' } : ok(a), 'id -u printed "root\\n"'],
    ['a line too many', (a) => a[0] === 'env' ? { stdout: `${ok(a).stdout}${LS['/']}\n` } : ok(a), 'ls printed 5 lines for 4 paths'],
    ['a path twice', (a) => a[0] === 'env' ? { stdout: `${LS['/']}\n${ok(a).stdout!.split('\n').slice(1).join('\n')}` } : ok(a), `ls printed ${JSON.stringify(LS['/'])}`],
    ['a path not asked', (a) => a[0] === 'env' ? { stdout: ok(a).stdout!.replace(' /opt\n', ' /other\n') } : ok(a), 'ls printed "drwxr-xr-x 3 0 0 4096 Dec  7 00:00 /other"'],
    ['owner names, not numbers', (a) => a[0] === 'env' ? { stdout: ok(a).stdout!.replace('3 0 0 4096', '3 root root 4096') } : ok(a), 'ls printed "drwxr-xr-x 3 root root 4096 Dec  7 00:00 /opt"'],
    ['ls failing', (a) => a[0] === 'env' ? { stderr: "ls: cannot access '/opt/hooks/my hook': Permission denied\n", code: 2 } : ok(a), "ls exited 2: ls: cannot access '/opt/hooks/my hook': Permission denied"],
  ];
  for (const [what, reply, why] of cases) assert.deepEqual(await check(reply), { kind: 'unknown', why }, what);
});
