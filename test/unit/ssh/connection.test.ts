// SshExecutor's connection: refused, timed out, unresolvable, lost under running commands, keepalive, close/reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { SshExecutor, type SshExecResult } from '../../../src/zfs/ssh.js';
import { freePort, run, startSshd, waitFor, type Sshd } from './sshd.js';

/** The failure of one command on an executor that cannot connect: exited's result, checked to be a transport one. */
async function failure(ex: SshExecutor): Promise<{ reason: string; message: string }> {
  const r = await run(ex, ['true']);
  assert.equal(r.code, null);
  assert.equal(r.signal, null);
  assert.ok(r.connectionError, 'connectionError is set');
  assert.equal(r.connectionError.kind, 'ssh');
  assert.equal(r.connectionError.host, 'nas');
  assert.equal(r.stderr, `${r.connectionError.shortMessage}\n`);
  assert.equal(r.stdout, '');
  return { reason: r.connectionError.reason, message: r.connectionError.shortMessage };
}

async function withSshd<T>(fn: (sshd: Sshd) => Promise<T>): Promise<T> {
  const sshd = await startSshd();
  try {
    sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
    return await fn(sshd);
  } finally {
    await sshd.stop();
  }
}

/** pids of the listener's per-connection processes */
function connectionPids(sshd: Sshd): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(sshd.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

test('a closed port: connection refused, and every later spawn reports the same error without retrying', async () => {
  await withSshd(async (sshd) => {
    const port = await freePort();
    const ex = new SshExecutor('nas', { ...sshd.config(), port });
    const f = await failure(ex);
    assert.deepEqual(f, { reason: 'connection_refused', message: `ssh root@127.0.0.1:${port} (host nas): connection refused` });
    const again = await run(ex, ['true']);
    assert.equal(again.connectionError?.shortMessage, f.message);
    await ex.close();
  });
});

test('a server that accepts TCP but never speaks SSH: connect timeout', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => { sockets.push(s); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const sshd = await startSshd();
  try {
    const ex = new SshExecutor('nas', { ...sshd.config(), port, knownHosts: '/dev/null', connectTimeoutMs: 300 });
    assert.deepEqual(await failure(ex), {
      reason: 'timeout', message: `ssh root@127.0.0.1:${port} (host nas): connection timed out after 300 ms (no finished SSH handshake)`,
    });
    await ex.close();
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
    await sshd.stop();
  }
});

test('an unresolvable host name', async () => {
  await withSshd(async (sshd) => {
    const ex = new SshExecutor('nas', { ...sshd.config(), host: 'zform-test.invalid', port: 22, knownHosts: '/dev/null' });
    assert.deepEqual(await failure(ex), {
      reason: 'dns', message: 'ssh root@zform-test.invalid:22 (host nas): cannot resolve host name zform-test.invalid',
    });
  });
});

test('a lost connection ends running commands with connection_lost; later spawns fail the same way', async () => {
  await withSshd(async (sshd) => {
    const ex = new SshExecutor('nas', sshd.config());
    assert.equal((await run(ex, ['true'])).code, 0);
    const pidFile = join(sshd.dir, 'sleep.pid');
    const p = ex.spawn(['sh', '-c', `echo $$ > '${pidFile}'; exec sleep 30`]);
    await waitFor(() => { try { return readFileSync(pidFile, 'utf8').endsWith('\n'); } catch { return false; } });
    const [conn] = connectionPids(sshd);
    process.kill(conn!, 'SIGKILL');
    const r = (await p.exited) as SshExecResult;
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM'); // the orphaned remote sleep
    const msg = `ssh root@127.0.0.1:${sshd.port} (host nas): connection lost: the server closed the connection`;
    assert.equal(r.connectionError?.reason, 'connection_lost');
    assert.deepEqual({ code: r.code, signal: r.signal, stderr: r.stderr }, { code: null, signal: null, stderr: `${msg}\n` });
    const later = await run(ex, ['true']);
    assert.equal(later.connectionError, r.connectionError);
    await ex.close();
  });
});

test('a server that stops answering: keepalive timeout after 3 unanswered keepalives', async () => {
  await withSshd(async (sshd) => {
    // every second: at 200 ms, an sshd short of CPU beside two QEMU guests (CI) missed 3 keepalives before the first
    // command ended, and the connection was taken as lost while it still answered
    const ex = new SshExecutor('nas', sshd.config({ keepaliveIntervalMs: 1000 }));
    assert.equal((await run(ex, ['true'])).code, 0);
    const p = ex.spawn(['sleep', '5']);
    const [conn] = connectionPids(sshd);
    process.kill(conn!, 'SIGSTOP');
    try {
      const r = (await p.exited) as SshExecResult;
      assert.equal(r.connectionError?.reason, 'connection_lost');
      assert.equal(r.connectionError?.shortMessage,
        `ssh root@127.0.0.1:${sshd.port} (host nas): connection lost: no answer to 3 keepalives sent every 1000 ms`);
    } finally {
      for (const sig of ['SIGCONT', 'SIGTERM'] as const) {
        try { process.kill(conn!, sig); } catch { /* it may end on its own once continued */ }
      }
    }
    await ex.close();
  });
});

test('close() ends the connection; a later spawn opens a new one', async () => {
  await withSshd(async (sshd) => {
    const accepted = () => (sshd.log().match(/Accepted publickey for root/g) ?? []).length;
    const ex = new SshExecutor('nas', sshd.config());
    assert.equal((await run(ex, ['echo', 'one'])).stdout, 'one\n');
    assert.equal((await run(ex, ['echo', 'two'])).stdout, 'two\n');
    assert.equal(accepted(), 1);
    await ex.close();
    await waitFor(() => connectionPids(sshd).length === 0);
    assert.equal((await run(ex, ['echo', 'three'])).stdout, 'three\n');
    assert.equal(accepted(), 2);
    await ex.close();
    await ex.close(); // twice is fine
  });
});
