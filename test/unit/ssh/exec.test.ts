// SshExecutor against a real OpenSSH sshd on 127.0.0.1: commands, exit codes, stderr, streaming with backpressure,
// many channels on one connection, kill.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SshExecutor, MAX_REMOTE_COMMAND_BYTES, REMOTE_ENV } from '../../../src/zfs/ssh.js';
import { ZformError } from '../../../src/errors.js';
import { readText, run, startSshd, waitFor, type Sshd } from './sshd.js';

let sshd: Sshd;
let ex: SshExecutor;

before(async () => {
  sshd = await startSshd({ maxSessions: 3 });
  sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  ex = new SshExecutor('nas', sshd.config());
});
after(async () => {
  await ex.close();
  await sshd.stop();
});

const MiB = 1024 * 1024;

/** Chunks of 64 KiB up to `total` bytes, produced only when asked; `produced()` says how many so far. */
function producer(total: number): { stream: Readable; produced: () => number } {
  let produced = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (produced >= total) { this.push(null); return; }
      produced += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, produced: () => produced };
}

test('a command runs with its arguments intact; exit code 0 and empty stderr', async () => {
  const r = await run(ex, ['printf', '%s|', 'a b', "it's", '$HOME', '`id`', 'x;y', '']);
  assert.deepEqual(r, { stdout: "a b|it's|$HOME|`id`|x;y||", code: 0, signal: null, stderr: '' });
});

test('a remote command runs in the C locale whatever the remote user\'s (LC_ALL=C, as for local commands)', async () => {
  const r = await run(ex, ['sh', '-c', 'printf "%s|" "$LC_ALL"; sh -c \'printf %s "$LC_ALL"\'']);
  assert.deepEqual(r, { stdout: 'C|C', code: 0, signal: null, stderr: '' });
});

test('a remote command finds programs in /usr/sbin and /sbin after the remote PATH (zfs there, for a user whose PATH lacks them, as Debian\'s sshd gives)', async () => {
  const narrow = await startSshd({ path: '/usr/bin:/bin' });
  narrow.knownHosts('known_hosts', [`${narrow.hostField} ${narrow.hostKey}`]);
  const nx = new SshExecutor('nas', narrow.config());
  try {
    assert.deepEqual(await run(nx, ['sh', '-c', 'printf %s "$PATH"']), { stdout: '/usr/bin:/bin:/usr/sbin:/sbin', code: 0, signal: null, stderr: '' });
    // sshd itself lives in /usr/sbin only: found through the appended directories
    assert.deepEqual(await run(nx, ['sh', '-c', 'command -v sshd']), { stdout: '/usr/sbin/sshd\n', code: 0, signal: null, stderr: '' });
  } finally {
    await nx.close();
    await narrow.stop();
  }
});

test('exit codes and stderr come back; a missing command is 127', async () => {
  const r = await run(ex, ['sh', '-c', 'echo out; echo "to stderr" >&2; exit 7']);
  assert.deepEqual(r, { stdout: 'out\n', code: 7, signal: null, stderr: 'to stderr\n' });
  const missing = await run(ex, ['zform-no-such-command', 'x']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /zform-no-such-command: command not found/);
});

test('a remote command killed by a signal reports the signal', async () => {
  const r = await run(ex, ['sh', '-c', 'kill -TERM $$']);
  assert.deepEqual(r, { stdout: '', code: null, signal: 'SIGTERM', stderr: '' });
});

test('stdin: 24 MiB stream through with backpressure (the writer stalls while the remote does not read)', async () => {
  const go = join(sshd.dir, 'go-stdin');
  const total = 24 * MiB;
  const src = producer(total);
  const p = ex.spawn(['sh', '-c', `while [ ! -e '${go}' ]; do sleep 0.02; done; wc -c`], { stdin: 'pipe' });
  const out = readText(p.stdout);
  const piping = pipeline(src.stream, p.stdin!);
  await waitFor(() => src.produced() > 0);
  // let the flow fill every buffer on the way (SSH window, sshd, the pipe); it must stop far below 24 MiB
  let last = -1;
  await waitFor(() => { const now = src.produced(); const still = now === last; last = now; return still; });
  assert.ok(src.produced() < 8 * MiB, `${src.produced()} bytes were taken while the remote read nothing`);
  writeFileSync(go, '');
  await piping;
  assert.equal((await out).trim(), String(total));
  assert.deepEqual(await p.exited, { code: 0, signal: null, stderr: '' });
});

test('stdout: 24 MiB stream back with backpressure (the remote stalls while nobody reads)', async () => {
  const progress = join(sshd.dir, 'progress');
  const blocks = 384; // × 64 KiB = 24 MiB
  const p = ex.spawn(['sh', '-c', `i=0; while [ $i -lt ${blocks} ]; do head -c 65536 /dev/zero; i=$((i+1)); echo $i > '${progress}'; done`]);
  await waitFor(() => existsSync(progress));
  const written = () => Number(readFileSync(progress, 'utf8').trim() || '0');
  let last = -1;
  await waitFor(() => { const now = written(); const still = now === last; last = now; return still; }, 1000);
  assert.ok(written() * 64 * 1024 < 8 * MiB, `the remote wrote ${written()} blocks nobody read`);
  let bytes = 0;
  p.stdout.on('data', (d: Buffer) => { bytes += d.length; });
  await new Promise((r) => p.stdout.once('end', r));
  assert.equal(bytes, blocks * 64 * 1024);
  assert.deepEqual(await p.exited, { code: 0, signal: null, stderr: '' });
});

test('40 concurrent commands share one connection; beyond MaxSessions 3 they wait instead of failing', async () => {
  const accepted = () => (sshd.log().match(/Accepted publickey for root/g) ?? []).length;
  const before = accepted();
  const own = new SshExecutor('nas', sshd.config());
  const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => run(own, ['sh', '-c', `sleep 0.05; echo ${i}; echo e${i} >&2; exit ${i % 4}`])));
  await own.close();
  assert.deepEqual(rs.map((r) => [r.stdout, r.stderr, r.code]), Array.from({ length: 40 }, (_, i) => [`${i}\n`, `e${i}\n`, i % 4]));
  assert.equal(accepted() - before, 1);
});

test('kill: a remote writer dies of SIGPIPE when its channel is closed', async () => {
  const pidFile = join(sshd.dir, 'writer.pid');
  const p = ex.spawn(['sh', '-c', `echo $$ > '${pidFile}'; exec cat /dev/zero`]);
  await new Promise((r) => p.stdout.once('data', r));
  const pid = readFileSync(pidFile, 'utf8').trim();
  p.kill('SIGTERM');
  p.stdout.resume();
  const r = await p.exited;
  assert.deepEqual({ ...r }, { code: null, signal: 'SIGPIPE', stderr: '' });
  assert.equal(existsSync(`/proc/${pid}`), false);
});

test('kill: a remote reader of stdin sees EOF and ends', async () => {
  const pidFile = join(sshd.dir, 'reader.pid');
  const eofFile = join(sshd.dir, 'reader.eof');
  const p = ex.spawn(['sh', '-c', `echo $$ > '${pidFile}'; cat > /dev/null; echo $? > '${eofFile}'; exit 3`], { stdin: 'pipe' });
  p.stdin!.write(Buffer.alloc(100_000));
  // `echo $$ > file` creates the file before it writes the pid: wait for the whole line, not for the file
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
  const pid = readFileSync(pidFile, 'utf8').trim();
  p.kill();
  const r = await p.exited;
  // the remote cat ended at EOF (status 0), not by a signal, and the shell is gone
  await waitFor(() => existsSync(eofFile) && !existsSync(`/proc/${pid}`));
  assert.equal(readFileSync(eofFile, 'utf8'), '0\n');
  // sshd sends the exit status when the shell ends before it answers our close; on a busy machine it may answer
  // first, and then `exited` reports the signal we sent (see ssh.ts)
  assert.ok(r.code === 3 ? r.signal === null : r.code === null && r.signal === 'SIGTERM', JSON.stringify(r));
  assert.equal(r.stderr, '');
});

test('kill before the channel is open: the command never starts', async () => {
  const marker = join(sshd.dir, 'never');
  const own = new SshExecutor('nas', sshd.config());
  const p = own.spawn(['touch', marker]);
  p.kill('SIGINT');
  assert.deepEqual(await p.exited, { code: null, signal: 'SIGINT', stderr: '' });
  assert.equal(await readText(p.stdout), '');
  assert.deepEqual(await run(own, ['echo', 'later']), { stdout: 'later\n', code: 0, signal: null, stderr: '' });
  await own.close();
  assert.equal(existsSync(marker), false);
});

test('destroying stdout early closes the channel: the remote writer dies of SIGPIPE', async () => {
  const p = ex.spawn(['cat', '/dev/zero']);
  await new Promise((r) => p.stdout.once('data', r));
  p.stdout.destroy();
  assert.deepEqual(await p.exited, { code: null, signal: 'SIGPIPE', stderr: '' });
});

test('destroying stdin early sends EOF: the remote reader ends', async () => {
  const p = ex.spawn(['sh', '-c', 'cat > /dev/null; echo EOF-SEEN'], { stdin: 'pipe' });
  const out = readText(p.stdout);
  p.stdin!.write('some input');
  p.stdin!.destroy();
  assert.equal(await out, 'EOF-SEEN\n');
  assert.deepEqual(await p.exited, { code: 0, signal: null, stderr: '' });
});

test('when the remote command ends first, a pipeline writing into its stdin fails and stops', async () => {
  const src = producer(64 * MiB);
  const p = ex.spawn(['head', '-c', '1000'], { stdin: 'pipe' });
  const out = readText(p.stdout);
  await assert.rejects(pipeline(src.stream, p.stdin!), (e: NodeJS.ErrnoException) => e.code === 'ERR_STREAM_PREMATURE_CLOSE');
  assert.equal((await out).length, 1000);
  assert.equal((await p.exited).code, 0);
  assert.ok(src.produced() < 16 * MiB, `${src.produced()}`);
});

test('the longest command line the remote shell accepts runs; one byte more is refused before sending', async () => {
  const overhead = `${REMOTE_ENV}'printf' '%s' ''`.length;
  const arg = 'x'.repeat(MAX_REMOTE_COMMAND_BYTES - overhead);
  const r = await run(ex, ['printf', '%s', arg]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.length, arg.length);
  assert.throws(() => ex.spawn(['printf', '%s', `${arg}x`]), (e: unknown) => e instanceof ZformError && e.kind === 'internal'
    && e.message === `a command for nas is ${MAX_REMOTE_COMMAND_BYTES + 1} bytes once quoted; the remote shell accepts at most ${MAX_REMOTE_COMMAND_BYTES} (split it into batches)`);
});
