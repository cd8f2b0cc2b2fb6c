// The direct path (transfer-direct.ts): which transfers take it, and with real processes on this machine (a
// stand-in `zfs` whose send and receive are shell scripts) that the receiver reads the sender's own pipe, that the
// count comes from the `-v -P` lines, and that failures, blame, kills and abort behave as on zform's pipeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExecutor } from '../../../src/zfs/local.js';
import { CommandZfsHost } from '../../../src/zfs/host.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { TransferError } from '../../../src/zfs/transfer.js';
import { computeHostIsLocal, computeTransferPath, runHostTransfer } from '../../../src/zfs/transfer-direct.js';
import type { ReceiveArgs, SendArgs, SendFlags } from '../../../src/zfs/types.js';
import type { CommandObserver } from '../../../src/zfs/exec.js';
import { ScriptedExecutor } from './scripted.js';

let dir = '';
let host: CommandZfsHost;
const seen: { argv: string[]; stderr: string; code: number | null }[] = [];
const observer: CommandObserver = (e) => { seen.push({ argv: e.argv, stderr: e.stderr, code: e.code }); };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zform-direct-'));
  // a stand-in privilege prefix: `wrap zfs VERB ARGS...` runs DIR/VERB.sh with ARGS
  const wrap = join(dir, 'wrap');
  writeFileSync(wrap, `#!/bin/sh\nshift\nverb=$1\nshift\nexec sh ${dir}/$verb.sh "$@"\n`);
  chmodSync(wrap, 0o755);
  host = new CommandZfsHost(new LocalExecutor('here'), { privilege: [wrap], observer });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const flags: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const full: SendArgs = { kind: 'full', snapshot: 'p/a@s', flags };
const recvArgs: ReceiveArgs = { dataset: 'q/a', resumable: true, force: false, noMount: true, override: {}, inherit: [] };

function scripts(send: string, receive: string): void {
  writeFileSync(join(dir, 'send.sh'), send);
  writeFileSync(join(dir, 'receive.sh'), receive);
  seen.length = 0;
}

async function transferError(p: Promise<unknown>): Promise<TransferError> {
  try { await p; } catch (err) { assert.ok(err instanceof TransferError, String(err)); return err; }
  assert.fail('the transfer succeeded');
}

test('computeTransferPath: direct only with both ends on this machine and no bandwidth limit', () => {
  for (const sendLocal of [true, false]) {
    for (const receiveLocal of [true, false]) {
      for (const bandwidthLimited of [true, false]) {
        const want = sendLocal && receiveLocal && !bandwidthLimited ? 'direct' : 'through-zform';
        assert.equal(computeTransferPath({ sendLocal, receiveLocal, bandwidthLimited }), want, JSON.stringify({ sendLocal, receiveLocal, bandwidthLimited }));
      }
    }
  }
});

test('computeHostIsLocal: the zfs command line over the local executor only (not SSH-like executors, not the fake)', () => {
  assert.equal(computeHostIsLocal(new CommandZfsHost(new LocalExecutor('local'))), true);
  assert.equal(computeHostIsLocal(new CommandZfsHost(new ScriptedExecutor('nas', () => ({})))), false);
  assert.equal(computeHostIsLocal(new FakeHost('local')), false);
});

test('direct: the receiver reads the sender\'s own pipe (it moves while zform\'s event loop is blocked); the data arrives intact; the count comes from -v -P', async () => {
  const src = join(dir, 'src');
  const dst = join(dir, 'dst');
  const go = join(dir, 'go');
  const size = 3 * 1024 * 1024 + 7;
  writeFileSync(src, randomBytes(size));
  scripts(
    `echo "$@" > ${dir}/send.argv; x=$(readlink /proc/$$/fd/1); echo "$x" > ${dir}/send.fd
printf 'full\\tp/a@s\\t${size - 100}\\nsize\\t${size - 100}\\n' >&2
head -c 1000000 ${src}; printf '00:00:01\\t1000000\\tp/a@s\\n' >&2; tail -c +1000001 ${src}\n`,
    `while [ ! -e ${go} ]; do sleep 0.02; done; exec cat > ${dst}\n`,
  );
  const progress: number[] = [];
  const t = runHostTransfer(host, host, full, recvArgs, { onProgress: (b) => progress.push(b) });
  const read = (f: string) => { try { return readFileSync(join(dir, f), 'utf8'); } catch { return ''; } };
  while (!read('send.fd').endsWith('\n')) await new Promise((r) => setTimeout(r, 20));
  assert.match(read('send.fd'), /^(socket|pipe):\[\d+\]\n$/);
  // with our event loop blocked, the whole stream still reaches the receiver: no byte passes through zform
  // (through zform's pipeline nothing would move beyond what the socket buffers hold)
  writeFileSync(go, '');
  const until = Date.now() + 20_000;
  let got = 0;
  while (got < size && Date.now() < until) { try { got = statSync(dst).size; } catch { got = 0; } }
  assert.equal(got, size);
  const r = await t;
  assert.equal(r.path, 'direct');
  assert.deepEqual(readFileSync(dst), readFileSync(src));
  assert.equal(read('send.argv'), '-v -P p/a@s\n');
  // the last progress is the final count, as through zform's pipeline
  assert.deepEqual(progress, [1_000_000, size - 100]);
  // the last second is never printed: the estimate is the better figure here
  assert.equal(r.bytes, size - 100);
  // the observer saw both commands, without the progress lines
  assert.deepEqual(seen.map((s) => s.argv.slice(1).join(' ')).sort(), ['zfs receive -s -u q/a', 'zfs send -v -P p/a@s']);
  assert.ok(seen.every((s) => s.stderr === '' && s.code === 0), JSON.stringify(seen));
});

test('direct: the receiver fails first; the sender is stopped; progress lines are not part of the error', async () => {
  scripts(
    `printf 'full\\tp/a@s\\t9999999\\nsize\\t9999999\\n' >&2; echo sending >&2
(sleep 0.2; printf '00:00:01\\t200000\\tp/a@s\\n' >&2; touch ${dir}/printed) & exec cat /dev/zero\n`,
    // the receiver fails only once the sender's progress line is out (the count is asserted below)
    `head -c 100000 > /dev/null; while [ ! -e ${dir}/printed ]; do sleep 0.02; done; sleep 0.3; printf "cannot receive incremental stream: destination q/a has been modified\\nsince most recent snapshot\\n" >&2; exit 1\n`,
  );
  const err = await transferError(runHostTransfer(host, host, full, recvArgs));
  assert.equal(err.side, 'receive');
  assert.equal(err.code, 'destination_modified');
  assert.equal(err.shortMessage, 'zfs receive on here: cannot receive incremental stream: destination q/a has been modified');
  assert.ok(err.sendError !== null && (err.sendError.signal === 'SIGTERM' || err.sendError.signal === 'SIGPIPE'), String(err.sendError?.signal));
  assert.equal(err.sendStderr, 'sending\n');
  assert.equal(err.bytes, 200000);
  assert.deepEqual(err.details, [
    'the receiving side failed first; the sending side was stopped',
    'zfs send on here stderr:', '  sending',
    'zfs receive on here stderr:', '  cannot receive incremental stream: destination q/a has been modified', '  since most recent snapshot',
  ]);
});

test('direct: the sender fails; the receiver sees the end of a truncated stream; the sender is blamed', async () => {
  scripts(
    `printf 'full\\tp/a@s\\t10000\\nsize\\t10000\\n' >&2; head -c 5000 /dev/zero; echo "warning: cannot send 'p/a@s': Input/output error" >&2; exit 1\n`,
    'n=$(wc -c); [ "$n" -eq 10000 ] || { echo "cannot receive new filesystem stream: incomplete stream" >&2; exit 1; }\n',
  );
  const err = await transferError(runHostTransfer(host, host, full, recvArgs));
  assert.equal(err.side, 'send');
  assert.equal(err.shortMessage, "zfs send on here: warning: cannot send 'p/a@s': Input/output error");
  assert.equal(err.sendStderr, "warning: cannot send 'p/a@s': Input/output error\n");
  assert.equal(err.receiveError?.code, 'stream_read_failure');
  // a failed transfer reports only what the sender said it sent (no estimate)
  assert.equal(err.bytes, 0);
});

test('direct: killing the receiver mid-stream ends the sender (a closed pipe, nobody else holds it); the receiver is blamed', async () => {
  scripts(
    `(sleep 0.3; printf '00:00:01\\t1\\tp/a@s\\n' >&2) & exec cat /dev/zero\n`,
    `echo $$ > ${dir}/recv.pid; exec cat > /dev/null\n`,
  );
  const t = transferError(runHostTransfer(host, host, full, recvArgs, {
    onProgress: () => {
      const pid = Number(readFileSync(join(dir, 'recv.pid'), 'utf8'));
      assert.ok(pid > 0, 'the receiver wrote its pid'); // never process.kill(0): that is this process group
      process.kill(pid, 'SIGKILL');
    },
  }));
  const err = await t;
  assert.equal(err.side, 'receive');
  assert.equal(err.receiveError?.signal, 'SIGKILL');
  assert.ok(err.sendError !== null);
});

test('direct: an abort stops both sides', async () => {
  const ac = new AbortController();
  scripts(
    `(sleep 0.3; printf '00:00:01\\t7\\tp/a@s\\n' >&2) & exec cat /dev/zero\n`,
    'exec cat > /dev/null\n',
  );
  const err = await transferError(runHostTransfer(host, host, full, recvArgs, { signal: ac.signal, onProgress: () => ac.abort() }));
  assert.equal(err.side, 'aborted');
  assert.equal(err.shortMessage, 'transfer aborted after 7 bytes');
  // both were sent SIGTERM; one may have ended of the other's death first
  assert.ok([err.sendError?.signal, err.receiveError?.signal].includes('SIGTERM'));
});

test('direct: an error of the progress callback stops both sides and is named', async () => {
  scripts(
    `(sleep 0.3; printf '00:00:01\\t7\\tp/a@s\\n' >&2) & exec cat /dev/zero\n`,
    'exec cat > /dev/null\n',
  );
  const err = await transferError(runHostTransfer(host, host, full, recvArgs, { onProgress: () => { throw new Error('progress display broke'); } }));
  assert.equal(err.side, 'pipe');
  assert.equal(err.shortMessage, 'transfer failed after 7 bytes: progress display broke');
});

test('a bandwidth limit keeps the transfer in zform\'s pipeline, which counts every byte (no -v -P)', async () => {
  const dst = join(dir, 'dst-limited');
  scripts(`echo "$@" > ${dir}/send.argv; exec head -c 300000 /dev/zero\n`, `exec cat > ${dst}\n`);
  const r = await runHostTransfer(host, host, full, recvArgs, { bandwidth: { maxBytesPerSecond: 1e9, bucketCapacityBytes: 1e9 } });
  assert.deepEqual(r, { bytes: 300000, path: 'through-zform' });
  assert.equal(readFileSync(join(dir, 'send.argv'), 'utf8'), 'p/a@s\n');
  assert.equal(readFileSync(dst).length, 300000);
});
