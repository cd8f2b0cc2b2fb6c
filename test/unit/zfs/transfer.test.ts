// runTransfer with real processes on this machine (a stand-in `zfs` that runs a shell script) through the
// local Executor: byte counts, backpressure, the bandwidth limit, and which side a failure is blamed on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExecutor } from '../../../src/zfs/local.js';
import { startZfs } from '../../../src/zfs/run.js';
import { TransferError, computeBlame, runTransfer } from '../../../src/zfs/transfer.js';
import { ZfsError } from '../../../src/zfs/errors.js';
import type { ZfsProcess } from '../../../src/zfs/types.js';

let dir = '';
let zfs = '';
const exec = new LocalExecutor('here');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zform-transfer-'));
  zfs = join(dir, 'zfs');
  // a stand-in zfs: `zfs VERB SCRIPT` runs SCRIPT with sh (so errors read "zfs send on here: ...")
  writeFileSync(zfs, '#!/bin/sh\nshift\nexec sh -c "$1"\n');
  chmodSync(zfs, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const sender = (script: string): ZfsProcess => startZfs(exec, [zfs, 'send', script], { stdin: 'ignore' });
const receiver = (script: string): ZfsProcess => startZfs(exec, [zfs, 'receive', script], { stdin: 'pipe' });

async function transferError(p: Promise<unknown>): Promise<TransferError> {
  try { await p; } catch (err) { assert.ok(err instanceof TransferError, String(err)); return err; }
  assert.fail('the transfer succeeded');
}

test('a transfer copies the stream intact and reports every byte', async () => {
  const src = join(dir, 'src');
  const dst = join(dir, 'dst');
  writeFileSync(src, randomBytes(3 * 1024 * 1024 + 7));
  const progress: number[] = [];
  const r = await runTransfer(sender(`exec cat ${src}`), receiver(`exec cat > ${dst}`), { onProgress: (b) => progress.push(b) });
  assert.equal(r.bytes, 3 * 1024 * 1024 + 7);
  assert.equal(progress[progress.length - 1], r.bytes);
  assert.ok(progress.every((b, i) => i === 0 || b > progress[i - 1]!));
  assert.deepEqual(readFileSync(dst), readFileSync(src));
});

test('backpressure: a receiver that does not read stops the sender after a bounded amount', async () => {
  const flag = join(dir, 'go');
  const send = sender('exec head -c 50000000 /dev/zero');
  const recv = receiver(`while [ ! -e ${flag} ]; do sleep 0.05; done; exec cat > /dev/null`);
  let bytes = 0;
  const t = runTransfer(send, recv, { onProgress: (b) => { bytes = b; } });
  // wait until the count stalls: everything the pipes and buffers hold
  let last = -1;
  while (bytes !== last || bytes === 0) { last = bytes; await new Promise((r) => setTimeout(r, 300)); }
  assert.ok(bytes < 4 * 1024 * 1024, `${bytes} bytes buffered`);
  writeFileSync(flag, '');
  assert.deepEqual(await t, { bytes: 50000000 });
});

test('the bandwidth limit delays the stream by exactly what the token bucket says', async () => {
  const src = join(dir, 'src2');
  const dst = join(dir, 'dst2');
  writeFileSync(src, randomBytes(1_000_000));
  let t = 0;
  const sleeps: number[] = [];
  const r = await runTransfer(sender(`exec cat ${src}`), receiver(`exec cat > ${dst}`), {
    bandwidth: { maxBytesPerSecond: 100_000, bucketCapacityBytes: 200_000 },
    limiter: { now: () => t, sleep: async (ms) => { sleeps.push(ms); t += ms; } },
  });
  assert.equal(r.bytes, 1_000_000);
  assert.equal(Math.round(sleeps.reduce((a, b) => a + b, 0)), 8000); // (1e6 - 2e5 burst) / 1e5 B/s
  assert.deepEqual(readFileSync(dst), readFileSync(src));
});

test('the receiver fails first: the sender is stopped and the error is the receiver\'s, with both stderrs', async () => {
  const err = await transferError(runTransfer(
    sender('echo "sending" >&2; exec cat /dev/zero'),
    receiver('head -c 100000 > /dev/null; printf "cannot receive incremental stream: destination p/x has been modified\\nsince most recent snapshot\\n" >&2; exit 1'),
  ));
  assert.equal(err.side, 'receive');
  assert.equal(err.code, 'destination_modified');
  assert.equal(err.shortMessage, 'zfs receive on here: cannot receive incremental stream: destination p/x has been modified');
  // stopped by our SIGTERM, or by writing to the closed socket first (SIGPIPE or a write error)
  assert.ok(err.sendError !== null && (err.sendError.signal === 'SIGTERM' || err.sendError.signal === 'SIGPIPE' || /Connection reset by peer|Broken pipe/.test(err.sendStderr)), `${err.sendError?.signal} ${err.sendError?.exitCode} ${err.sendStderr}`);
  assert.ok(err.sendStderr.startsWith('sending\n'));
  assert.ok(err.bytes >= 100000);
  assert.deepEqual(err.details.slice(0, 1), ['the receiving side failed first; the sending side was stopped']);
  assert.ok(err.details.includes('zfs send on here stderr:') && err.details.includes('  sending'), err.details.join('|'));
  assert.ok(err.details.includes('zfs receive on here stderr:') && err.details.includes('  since most recent snapshot'), err.details.join('|'));
});

test('the sender fails and the receiver sees a truncated stream: the sender is blamed', async () => {
  const err = await transferError(runTransfer(
    sender('head -c 5000 /dev/zero; echo "warning: cannot send \'p/a@s\': Input/output error" >&2; exit 1'),
    receiver('n=$(wc -c); [ "$n" -eq 10000 ] || { echo "cannot receive new filesystem stream: incomplete stream" >&2; exit 1; }'),
  ));
  assert.equal(err.side, 'send');
  assert.equal(err.code, 'unknown');
  assert.equal(err.shortMessage, "zfs send on here: warning: cannot send 'p/a@s': Input/output error");
  // the receiver is not killed: it reads the truncated stream to its end
  assert.equal(err.receiveError?.code, 'stream_read_failure');
  assert.equal(err.receiveStderr, 'cannot receive new filesystem stream: incomplete stream\n');
  assert.equal(err.bytes, 5000);
  assert.equal(err.details[0], 'the sending side failed first; the receiving side got the end of the stream');
});

test('the sender fails before sending anything; the receiver ends cleanly', async () => {
  const err = await transferError(runTransfer(
    sender('echo "cannot open \'p/a@s\': dataset does not exist" >&2; exit 1'),
    receiver('exec cat > /dev/null'),
  ));
  assert.equal(err.side, 'send');
  assert.equal(err.code, 'dataset_does_not_exist');
  assert.equal(err.receiveError, null);
  assert.equal(err.bytes, 0);
});

test('a receiver that ends well without reading the whole stream (it had everything) is no failure, whatever the sender then says', async () => {
  // the sender writes more than the pipes hold; the receiver reads a little and exits 0 (zfs receive of an -I stream
  // whose last snapshots the target has); the sender dies of the closed pipe, or ends well
  const r = await runTransfer(sender('exec head -c 20000000 /dev/zero'), receiver('head -c 1000 > /dev/null; exit 0'));
  assert.ok(r.bytes >= 1000 && r.bytes < 20000000, `${r.bytes} bytes`);
  const r2 = await runTransfer(sender('head -c 20000000 /dev/zero; exit 0'), receiver('head -c 1000 > /dev/null; exit 0'));
  assert.ok(r2.bytes < 20000000);
  // but a sender that fails on its own (not a closed pipe) is still its failure
  const err = await transferError(runTransfer(sender('echo "I/O error" >&2; exit 1'), receiver('exec cat > /dev/null')));
  assert.equal(err.side, 'send');
});

test('a receiver that does not end after its sender failed is killed after the grace period', async () => {
  const err = await transferError(runTransfer(
    sender('head -c 100 /dev/zero; echo "warning: cannot send \'p/a@s\': Input/output error" >&2; exit 1'),
    receiver('exec sleep 30'),
    { receiverGraceMs: 100 },
  ));
  assert.equal(err.side, 'send');
  assert.equal(err.receiveError?.signal, 'SIGTERM');
});

test('an error of the transfer itself (here the progress callback) stops both sides and is named', async () => {
  const err = await transferError(runTransfer(sender('exec cat /dev/zero'), receiver('exec cat > /dev/null'), {
    onProgress: (b) => { if (b > 100_000) throw new Error('progress display broke'); },
  }));
  assert.equal(err.side, 'pipe');
  assert.equal(err.shortMessage, `transfer failed after ${err.bytes} bytes: progress display broke`);
  assert.equal(err.details[0], 'the pipe between the two sides failed; both sides were stopped');
});

test('a receiver that fails after the sender delivered everything is the receiver\'s failure; the sender is left to exit', async () => {
  // the sender closes its stdout and lingers: the receiver's failure is seen while it is still running
  const err = await transferError(runTransfer(
    sender('head -c 1000 /dev/zero; exec >&-; sleep 0.3'),
    receiver('cat > /dev/null; echo "cannot receive new filesystem stream: out of space" >&2; exit 1'),
  ));
  assert.equal(err.side, 'receive');
  assert.equal(err.code, 'out_of_space');
  assert.equal(err.sendError, null);
  assert.equal(err.bytes, 1000);
});

test('killing the receiver mid-stream ends the sender; the receiver is blamed', async () => {
  const recv = receiver('exec cat > /dev/null');
  const err = await transferError(runTransfer(sender('exec cat /dev/zero'), recv, {
    onProgress: (b) => { if (b > 1_000_000) recv.kill('SIGKILL'); },
  }));
  assert.equal(err.side, 'receive');
  assert.equal(err.receiveError?.signal, 'SIGKILL');
  assert.equal(err.shortMessage, 'zfs receive on here: killed by SIGKILL');
  assert.ok(err.sendError !== null);
});

test('killing the sender mid-stream ends the receiver; the sender is blamed', async () => {
  const send = sender('exec cat /dev/zero');
  const err = await transferError(runTransfer(send, receiver('exec cat > /dev/null'), {
    onProgress: (b) => { if (b > 1_000_000) send.kill('SIGKILL'); },
  }));
  assert.equal(err.side, 'send');
  assert.equal(err.sendError?.signal, 'SIGKILL');
  assert.ok(err.bytes > 1_000_000);
});

test('an abort signal stops both sides', async () => {
  const ac = new AbortController();
  const err = await transferError(runTransfer(sender('exec cat /dev/zero'), receiver('exec cat > /dev/null'), {
    signal: ac.signal,
    onProgress: (b) => { if (b > 1_000_000) ac.abort(); },
  }));
  assert.equal(err.side, 'aborted');
  assert.equal(err.shortMessage, `transfer aborted after ${err.bytes} bytes`);
  assert.equal(err.details[0], 'the transfer was aborted; both sides were stopped');
});

test('an already aborted signal starts nothing long', async () => {
  const ac = new AbortController();
  ac.abort();
  const err = await transferError(runTransfer(sender('exec cat /dev/zero'), receiver('exec cat > /dev/null'), { signal: ac.signal }));
  assert.equal(err.side, 'aborted');
});

test('a spawn failure is the failing side\'s error', async () => {
  const missing = startZfs(exec, [join(dir, 'no-such-zfs'), 'receive', 'x'], { stdin: 'pipe' });
  const err = await transferError(runTransfer(sender('exec head -c 10 /dev/zero'), missing));
  assert.equal(err.side, 'receive');
  assert.match(err.shortMessage, /^OpenZFS's zfs command \(\/\S+\/no-such-zfs\) was not found on host here: /);
  assert.equal(existsSync(join(dir, 'no-such-zfs')), false);
});

test('computeBlame: consequences of the other side\'s failure are not blamed', () => {
  const e = (o: { signal?: string; stderr?: string }) => new ZfsError({ host: 'h', argv: ['zfs', 'x'], stderr: o.stderr ?? '', exitCode: o.signal ? null : 1, signal: o.signal ?? null });
  const ok = { err: null, order: 1, killedByUs: false };
  assert.equal(computeBlame(ok, ok), null);
  // the receiver ended well, then the sender died of the closed pipe: no failure
  assert.equal(computeBlame({ err: e({ signal: 'SIGPIPE' }), order: 2, killedByUs: false }, ok), null);
  assert.equal(computeBlame({ err: e({ stderr: 'I/O error' }), order: 2, killedByUs: false }, ok), 'send');
  assert.equal(computeBlame({ err: e({ signal: 'SIGPIPE' }), order: 1, killedByUs: false }, { err: e({ stderr: 'cannot receive: out of space' }), order: 2, killedByUs: false }), 'receive');
  assert.equal(computeBlame({ err: e({ signal: 'SIGTERM' }), order: 2, killedByUs: true }, { err: e({ stderr: 'x' }), order: 1, killedByUs: false }), 'receive');
  assert.equal(computeBlame({ err: e({ stderr: 'I/O error' }), order: 2, killedByUs: false }, { err: e({ stderr: 'cannot receive: failed to read from stream' }), order: 1, killedByUs: false }), 'send');
  // OpenZFS 2.1: zfs send whose reader went away (captured in the guest)
  assert.equal(computeBlame({ err: e({ stderr: "warning: cannot send 'zl/big@s1': signal received\n" }), order: 1, killedByUs: false },
    { err: e({ stderr: 'cannot receive new filesystem stream: out of space\n' }), order: 2, killedByUs: false }), 'receive');
  assert.equal(computeBlame({ err: e({ stderr: 'I/O error' }), order: 1, killedByUs: false },
    { err: e({ stderr: "cannot receive: signal received\n" }), order: 2, killedByUs: true }), 'send');
  // over SSH (seen on real OpenZFS): the remote send's SIGPIPE death arrives as exit 141 and empty stderr, first
  const sigpipeOverSsh = new ZfsError({ host: 'nas', argv: ['zfs', 'send'], stderr: '', exitCode: 141, signal: null });
  assert.equal(computeBlame({ err: sigpipeOverSsh, order: 1, killedByUs: false },
    { err: e({ stderr: "cannot receive new filesystem stream: destination 'p/resume' exists\nmust specify -F to overwrite it\n" }), order: 2, killedByUs: false }), 'receive');
  assert.equal(computeBlame({ err: e({ stderr: 'a' }), order: 2, killedByUs: false }, { err: e({ stderr: 'b' }), order: 1, killedByUs: false }), 'receive');
  assert.equal(computeBlame({ err: e({ stderr: 'a' }), order: 1, killedByUs: false }, { err: e({ stderr: 'b' }), order: 2, killedByUs: false }), 'send');
});
