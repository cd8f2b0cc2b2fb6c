// A hook that starts a daemon (`setsid prog &`, its output still ours) and exits 0: zform keeps what the hook printed,
// reports it as ok, and does not wait for the daemon, locally or over SSH. Before, a local apply's process stayed
// alive until the daemon closed the pipe (a cron run then held its lock for as long), and over SSH the hook was
// reported as timed out and killed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SshExecutor } from '../../../src/zfs/ssh.js';
import { runHookCommand } from '../../../src/zfs/hook.js';
import { startSshd, waitFor, type Sshd } from '../ssh/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'zform-hook-daemon-'));
const daemons: number[] = [];

/** A hook that prints, starts `sleep 60` in a session of its own with our stdout and stderr, prints again and
 *  exits 0; the daemon's pid goes to `pidFile`. */
function daemonHook(name: string): { path: string; pidFile: string } {
  const path = join(dir, name);
  const pidFile = join(dir, `${name}.pid`);
  writeFileSync(path, `#!/bin/sh\necho before\nsetsid sh -c 'echo $$ > "$1"; exec sleep 60' sh '${pidFile}' &\necho after\necho warn >&2\nexit 0\n`);
  chmodSync(path, 0o755);
  return { path, pidFile };
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function daemonPid(pidFile: string): Promise<number> {
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  daemons.push(pid);
  return pid;
}

let sshd: Sshd;
before(async () => {
  sshd = await startSshd();
  sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
});
after(async () => {
  for (const pid of daemons) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  await sshd.stop();
});

test('locally: the hook is ok with its output, and the process that ran it exits while the daemon still runs', async () => {
  const hook = daemonHook('local-hook');
  // a process of its own that runs the hook and then has nothing left to do, as `zform apply` after its last hook
  const script = join(dir, 'run-hook.mjs');
  const hookModule = fileURLToPath(new URL('../../../src/zfs/hook.js', import.meta.url));
  const localModule = fileURLToPath(new URL('../../../src/zfs/local.js', import.meta.url));
  writeFileSync(script, `import { runHookCommand } from ${JSON.stringify(hookModule)};
import { LocalExecutor } from ${JSON.stringify(localModule)};
const r = await runHookCommand(new LocalExecutor('here'), { path: ${JSON.stringify(hook.path)}, env: { ZFORM_JOB: 'j' }, timeoutMs: 30000 });
process.stdout.write(JSON.stringify(r));
`);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 45_000);
    child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
  });
  const pid = await daemonPid(hook.pidFile);
  assert.equal(code, 0, 'the process exited by itself');
  assert.ok(alive(pid), 'it did not wait for the daemon');
  const r = JSON.parse(out) as { code: number; timedOut: boolean; stdout: string; stderr: string };
  assert.deepEqual({ code: r.code, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr }, { code: 0, timedOut: false, stdout: 'before\nafter\n', stderr: 'warn\n' });
});

test('over SSH: the hook is ok with its output (not reported as timed out), and the connection closes while the daemon still runs', async () => {
  const hook = daemonHook('ssh-hook');
  const ex = new SshExecutor('nas', sshd.config());
  try {
    const r = await runHookCommand(ex, { path: hook.path, env: { ZFORM_JOB: 'j' }, timeoutMs: 20_000 });
    const pid = await daemonPid(hook.pidFile);
    assert.deepEqual({ code: r.code, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr }, { code: 0, timedOut: false, stdout: 'before\nafter\n', stderr: 'warn\n' });
    assert.ok(r.durationMs < 20_000, `reported before the hook's timeout: ${r.durationMs} ms`);
    assert.ok(alive(pid), 'the daemon was left running');
  } finally {
    await ex.close();
  }
});
