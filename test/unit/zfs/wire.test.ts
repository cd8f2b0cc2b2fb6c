// Compression on the wire (wire.ts): the config text, the shell pipelines run by a real sh (exit statuses, stderr),
// and whole transfers with a stand-in `zfs` (shell scripts) between this machine and a real sshd on 127.0.0.1,
// pushed and pulled: the data arrives intact, the wire carries fewer bytes than the stream, the stream's count
// comes from `zfs send -v -P`, failures keep zfs's own status and message, and a kill leaves no process behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExecutor } from '../../../src/zfs/local.js';
import { SshExecutor } from '../../../src/zfs/ssh.js';
import { CommandZfsHost } from '../../../src/zfs/host.js';
import { TransferError, createBufferStage } from '../../../src/zfs/transfer.js';
import { runHostTransfer } from '../../../src/zfs/transfer-direct.js';
import {
  computeCompressedSendArgv, computeDecompressedReceiveArgv, parseFoundPrograms, renderCompression, type Compression,
} from '../../../src/zfs/wire.js';
import { parseCompression } from '../../../src/config/compression.js';
import type { ReceiveArgs, SendArgs, SendFlags } from '../../../src/zfs/types.js';
import type { CommandObserver } from '../../../src/zfs/exec.js';
import { startSshd, waitFor, type Sshd } from '../ssh/sshd.js';

let dir = '';
let sshd: Sshd;
let local: CommandZfsHost;
let remote: CommandZfsHost;
const seen: { host: string; argv: string[]; code: number | null }[] = [];
const observer: CommandObserver = (e) => { seen.push({ host: e.host, argv: e.argv, code: e.code }); };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zform-wire-'));
  // a stand-in privilege prefix: `wrap zfs VERB ARGS...` runs DIR/VERB.sh with ARGS (the same files on both "hosts")
  const wrap = join(dir, 'wrap');
  writeFileSync(wrap, `#!/bin/sh\nshift\nverb=$1\nshift\nexec sh ${dir}/$verb.sh "$@"\n`);
  chmodSync(wrap, 0o755);
  sshd = await startSshd();
  sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  local = new CommandZfsHost(new LocalExecutor('here'), { privilege: [wrap], observer });
  remote = new CommandZfsHost(new SshExecutor('nas', sshd.config()), { privilege: [wrap], observer });
});
after(async () => {
  await remote.close();
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
});

const flags: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const full: SendArgs = { kind: 'full', snapshot: 'p/a@s', flags };
const recvArgs: ReceiveArgs = { dataset: 'q/a', resumable: true, force: false, noMount: true, override: {}, inherit: [] };
const ZSTD: Compression = { program: 'zstd', level: 3 };

function scripts(send: string, receive: string): void {
  writeFileSync(join(dir, 'send.sh'), send);
  writeFileSync(join(dir, 'receive.sh'), receive);
  seen.length = 0;
}

async function transferError(p: Promise<unknown>): Promise<TransferError> {
  try { await p; } catch (err) { assert.ok(err instanceof TransferError, String(err)); return err; }
  assert.fail('the transfer succeeded');
}

/** Log-like text: compresses well. */
function logText(bytes: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const l = `2026-12-02T20:${String(i % 60).padStart(2, '0')}:00Z host${i % 7} service[${1000 + (i % 13)}]: request ${i} served in ${i % 97} ms\n`;
    lines.push(l);
    n += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

test('parseCompression: none, a program, a program with a level in its range; anything else is a one-line error', () => {
  assert.equal(parseCompression('none'), null);
  assert.deepEqual(parseCompression('zstd'), { program: 'zstd', level: null });
  assert.deepEqual(parseCompression('zstd:19'), { program: 'zstd', level: 19 });
  assert.deepEqual(parseCompression('lz4:1'), { program: 'lz4', level: 1 });
  assert.deepEqual(parseCompression('gzip:9'), { program: 'gzip', level: 9 });
  assert.throws(() => parseCompression('xz'), /^ConfigValueError: must be none, zstd, lz4, gzip, or one of those with a level \(e\.g\. "zstd:3"\), not "xz"$/);
  assert.throws(() => parseCompression('zstd:20'), /^ConfigValueError: zstd levels go from 1 to 19, not 20$/);
  assert.throws(() => parseCompression('gzip:0'), /^ConfigValueError: gzip levels go from 1 to 9, not 0$/);
  assert.throws(() => parseCompression('zstd:'), /not "zstd:"/);
  assert.equal(renderCompression({ program: 'zstd', level: 3 }), 'zstd:3');
  assert.equal(renderCompression({ program: 'lz4', level: null }), 'lz4');
});

test('parseFoundPrograms: what command -v printed (paths or bare names), in the order asked', () => {
  assert.deepEqual(parseFoundPrograms('/usr/bin/zstd\n/usr/local/bin/gzip\n', ['gzip', 'lz4', 'zstd']), ['gzip', 'zstd']);
  assert.deepEqual(parseFoundPrograms('', ['zstd']), []);
  assert.deepEqual(parseFoundPrograms('zstd\n', ['zstd']), ['zstd']);
});

test('the sending pipeline exits with zfs send\'s status, or the compressor\'s when zfs send succeeded or only died of its closed pipe', () => {
  // bash for PIPESTATUS: the status of the sending pipeline itself, read by `reader`
  const run = (zfs: string, c: Compression = ZSTD, reader = 'cat > /dev/null') => {
    const argv = computeCompressedSendArgv(['sh', '-c', zfs], c);
    try {
      execFileSync('bash', ['-c', `"$@" | ${reader}; exit \${PIPESTATUS[0]}`, 'bash', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      return 0;
    } catch (err) { return (err as { status: number }).status; }
  };
  assert.equal(run('seq 1 1000'), 0);
  assert.equal(run('seq 1 10; exit 3'), 3, 'zfs send failed: its status');
  assert.equal(run('seq 1 10; exit 3', { program: 'gzip', level: 1 }), 3);
  assert.equal(run('seq 1 1000', { program: 'gzip', level: 1 }), 0);
  // the reader went away: the compressor died of SIGPIPE, and zfs send of the compressor's closed pipe: 141
  assert.equal(run('exec cat /dev/zero', ZSTD, 'head -c 1000 > /dev/null'), 141);
  // zfs send failed on its own although the reader also went away: zfs send's status
  assert.equal(run('exit 2', ZSTD, 'head -c 0 > /dev/null'), 2);
  const out = execFileSync('sh', ['-c', '"$@" | zstd -d -c', 'sh', ...computeCompressedSendArgv(['sh', '-c', 'seq 1 5'], ZSTD)], { encoding: 'utf8' });
  assert.equal(out, '1\n2\n3\n4\n5\n');
});

test('the receiving pipeline decompresses into zfs receive and exits with its status', () => {
  const input = execFileSync('sh', ['-c', 'seq 1 1000 | gzip -c'], { encoding: 'buffer' });
  const argv = computeDecompressedReceiveArgv(['sh', '-c', 'wc -l; exit 4'], { program: 'gzip', level: null });
  let status = 0;
  let out = '';
  try { out = execFileSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8' }); } catch (err) { status = (err as { status: number }).status; out = (err as { stdout: string }).stdout; }
  assert.equal(status, 4);
  assert.equal(out.trim(), '1000');
});

test('findPrograms: one command per host, locally and over SSH, naming only the programs it has', async () => {
  seen.length = 0;
  assert.deepEqual(await local.findPrograms(['sh', 'zform-no-such-program']), ['sh']);
  assert.deepEqual(await remote.findPrograms(['zform-no-such-program', 'sh']), ['sh']);
  assert.equal(seen.length, 2);
  assert.deepEqual(seen.map((s) => s.argv.slice(0, 2)), [['sh', '-c'], ['sh', '-c']]);
});

const SEND_OK = (src: string, size: number) => `echo "$@" > ${dir}/send.argv
printf 'full\\tp/a@s\\t${size}\\nsize\\t${size}\\n' >&2
cat ${src}; printf '00:00:01\\t${size}\\tp/a@s\\n' >&2\n`;

for (const [name, dir1] of [['push (compressed here, decompressed on the SSH host)', 'push'], ['pull (compressed on the SSH host, decompressed here)', 'pull']] as const) {
  test(`compressed ${name}: the data arrives intact; fewer bytes on the wire than in the stream; the stream's count from -v -P`, async () => {
    const src = join(dir, `src-${dir1}`);
    const dst = join(dir, `dst-${dir1}`);
    const data = logText(2 * 1024 * 1024 + 11);
    writeFileSync(src, data);
    scripts(SEND_OK(src, data.length), `echo "$@" > ${dir}/receive.argv; cat > ${dst}\n`);
    const [sender, receiver] = dir1 === 'push' ? [local, remote] : [remote, local];
    const progress: [number, number | undefined][] = [];
    const r = await runHostTransfer(sender, receiver, full, recvArgs, { compression: ZSTD, onProgress: (b, w) => progress.push([b, w]) });
    assert.equal(r.path, 'through-zform');
    assert.deepEqual(readFileSync(dst), data);
    assert.equal(r.bytes, data.length);
    assert.ok(r.wireBytes !== undefined && r.wireBytes > 0 && r.wireBytes < data.length / 4, `wire ${r.wireBytes} of ${data.length}`);
    assert.deepEqual(progress.at(-1), [data.length, r.wireBytes], 'the last progress is the final count of both');
    assert.ok(progress.every(([, w]) => w !== undefined));
    assert.equal(readFileSync(join(dir, 'send.argv'), 'utf8'), '-v -P p/a@s\n');
    assert.equal(readFileSync(join(dir, 'receive.argv'), 'utf8'), '-s -u q/a\n');
    // each side ran in one sh on its own host, with zstd there
    const sendCmd = seen.find((s) => s.argv.includes('send'))!;
    const recvCmd = seen.find((s) => s.argv.includes('receive'))!;
    assert.equal(sendCmd.host, sender.name);
    assert.equal(recvCmd.host, receiver.name);
    assert.match(sendCmd.argv[2]!, /\| zstd -c -q -3 /);
    assert.match(recvCmd.argv[2]!, /^zstd -d -c -q \| "\$@"$/);
    assert.deepEqual([sendCmd.code, recvCmd.code], [0, 0]);
  });
}

test('compressed: a failing zfs send is the sending side\'s failure with its own message and status', async () => {
  scripts(`echo "cannot open 'p/a@s': dataset does not exist" >&2; exit 1\n`, `cat > /dev/null; echo "cannot receive: failed to read from stream" >&2; exit 1\n`);
  const err = await transferError(runHostTransfer(remote, local, full, recvArgs, { compression: ZSTD }));
  assert.equal(err.side, 'send');
  assert.equal(err.code, 'dataset_does_not_exist');
  assert.equal(err.sendError?.exitCode, 1);
  assert.equal(err.shortMessage, "zfs send on nas: cannot open 'p/a@s': dataset does not exist");
});

test('compressed: a failing zfs receive is the receiving side\'s failure; the sender is stopped', async () => {
  scripts(`printf 'full\\tp/a@s\\t99999999\\n' >&2; exec cat /dev/zero\n`,
    `head -c 100000 > /dev/null; printf "cannot receive incremental stream: destination q/a has been modified\\nsince most recent snapshot\\n" >&2; exit 1\n`);
  const err = await transferError(runHostTransfer(local, remote, full, recvArgs, { compression: { program: 'lz4', level: null } }));
  assert.equal(err.side, 'receive');
  assert.equal(err.code, 'destination_modified');
  assert.equal(err.receiveError?.exitCode, 1);
});

test('compressed: an abort mid-stream stops both pipelines, and no process of either is left running', async () => {
  const pids = join(dir, 'pids');
  writeFileSync(pids, '');
  scripts(`echo $$ >> ${pids}; printf 'full\\tp/a@s\\t99999999\\n' >&2; exec cat /dev/urandom\n`,
    `echo $$ >> ${pids}; exec cat > /dev/null\n`);
  const ac = new AbortController();
  let got = 0;
  const t = runHostTransfer(local, remote, full, recvArgs, {
    compression: ZSTD, signal: ac.signal, onProgress: (_b, w) => { got = w ?? 0; },
  });
  await waitFor(() => got > 64 * 1024 && readFileSync(pids, 'utf8').split('\n').length === 3);
  ac.abort();
  const err = await transferError(t);
  assert.equal(err.side, 'aborted');
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  const list = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
  assert.equal(list.length, 2);
  await waitFor(() => list.every((p) => !alive(p)));
  assert.equal(existsSync(pids), true);
});

test('createBufferStage: accepts up to its size ahead of a reader that does not read, then pushes back', () => {
  const size = 4 * 1024 * 1024;
  const stage = createBufferStage(size);
  const chunk = randomBytes(64 * 1024);
  let accepted = 0;
  while (stage.write(chunk)) accepted += chunk.length;
  accepted += chunk.length;
  // its buffer (size) and one stream buffer (256 KiB) ahead of the reader, no more
  assert.ok(accepted >= size && accepted <= size + 256 * 1024 + chunk.length, String(accepted));
  stage.destroy();
});

test('send.buffer: a sender delivers its whole stream while the receiver has not yet read (without it only ~1 MiB fits)', async () => {
  const src = join(dir, 'src-buf');
  const dst = join(dir, 'dst-buf');
  const sent = join(dir, 'sent');
  rmSync(sent, { force: true });
  const data = randomBytes(6 * 1024 * 1024);
  writeFileSync(src, data);
  // the receiver starts reading only once the sender has written everything (it waits up to 20 s)
  scripts(`cat ${src}; touch ${sent}\n`, `i=0; while [ ! -e ${sent} ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i+1)); done
[ -e ${sent} ] && echo before > ${dir}/order || echo timeout > ${dir}/order; cat > ${dst}\n`);
  const r = await runHostTransfer(local, remote, full, recvArgs, { bufferBytes: 16 * 1024 * 1024 });
  assert.equal(readFileSync(join(dir, 'order'), 'utf8'), 'before\n');
  assert.deepEqual(readFileSync(dst), data);
  assert.equal(r.bytes, data.length);
  assert.equal(r.wireBytes, undefined, 'not compressed: the stream is what went over the wire');
});
