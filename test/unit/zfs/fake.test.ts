// FakeHost beyond the shared contract: builder, failure injection, command log, kill semantics, -I cuts,
// encryption rules and the stream/token format (each rule as observed on OpenZFS 2.1 in the guest).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { FakeLayoutError, parseFakeLayout, parseFakeSize } from '../../support/fake-zfs/layout.js';
import { FakeStreamParser, parseFakeToken, renderFakeToken, renderStreamHeader, type FakeStreamHeader } from '../../support/fake-zfs/stream.js';
import { ZfsError } from '../../../src/zfs/errors.js';
import { runTransfer } from '../../../src/zfs/transfer.js';
import { computeListArgv, computePlaceholderArgv, computePlaceholderCheckArgv, computeVersionListArgv } from '../../../src/zfs/argv.js';
import type { ReceiveArgs, SendFlags, ZfsProcess } from '../../../src/zfs/types.js';

const FLAGS: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const recv = (dataset: string, o: Partial<ReceiveArgs> = {}): ReceiveArgs =>
  ({ dataset, resumable: false, force: false, noMount: true, override: {}, inherit: [], ...o });
const CLOCK = () => new Date('2025-03-01T12:00:00Z');
const T = Date.parse('2025-03-01T12:00:00Z') / 1000;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { if (e instanceof ZfsError) return `${e.code}: ${e.shortMessage}`; throw e; }
  return 'ok';
}

/** Feeds the first `n` bytes of a send's stream to a receiver, then EOF. */
async function feed(send: ZfsProcess, receiver: ZfsProcess, n: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of send.stdout) chunks.push(c as Buffer);
  await send.done;
  receiver.stdin!.end(Buffer.concat(chunks).subarray(0, n));
  return codeOf(receiver.done);
}

async function streamOf(send: ZfsProcess): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of send.stdout) chunks.push(c as Buffer);
  await send.done;
  return Buffer.concat(chunks);
}

describe('FakeHost builder', () => {
  it('builds a layout from lines and lists it with the clock\'s creation times', async () => {
    const f = new FakeHost('local', { clock: CLOCK }).apply(`
      pool p
      create p/a zform:placeholder=on
      create -V 4M p/vol
      write p/a 64K
      snapshot p/a@s1 p/vol@s1
      bookmark p/a@s1 #b1
      hold keep p/a@s1
    `);
    const l = await f.list(['p']);
    assert.deepEqual(l.datasets.map((d) => [d.name, d.type, d.placeholder, d.written]),
      [['p', 'filesystem', false, 24576], ['p/a', 'filesystem', true, 0], ['p/vol', 'volume', false, 0]]);
    assert.deepEqual(l.versions.map((v) => [`${v.dataset}${v.kind === 'snapshot' ? '@' : '#'}${v.name}`, v.creation, v.userrefs, v.written]),
      [['p/a#b1', T, 0, 0], ['p/a@s1', T, 1, 24576 + 65536], ['p/vol@s1', T, 0, 0]]);
    assert.deepEqual(l.holds, [{ snapshot: 'p/a@s1', tag: 'keep' }]);
    assert.equal(f.guidOf('p/a#b1'), f.guidOf('p/a@s1'));
    assert.equal(f.commands, 4, 'the builder runs no commands; list ran list (datasets), list -d 1 (their snapshots and bookmarks), get -r (one line per dataset: no second get) and holds');
  });

  it('makes GUIDs random uint64 decimal strings', () => {
    const f = new FakeHost('local').apply('pool p', 'create p/a', 'create p/b');
    const guids = ['p', 'p/a', 'p/b'].map((n) => f.guidOf(n)!);
    for (const g of guids) {
      assert.match(g, /^[1-9]\d*$/);
      assert.ok(BigInt(g) < 2n ** 64n);
    }
    assert.equal(new Set(guids).size, 3);
  });

  it('reports a failing builder line as the ZfsError real zfs gives', () => {
    const f = new FakeHost('local').apply('pool p', 'create p/a', 'snapshot p/a@s1');
    assert.throws(() => f.apply('snapshot p/a@s1'), (e: unknown) =>
      e instanceof ZfsError && e.code === 'dataset_exists' && e.shortMessage === "zfs snapshot on local: cannot create snapshot 'p/a@s1': dataset already exists");
    assert.throws(() => f.apply('create p/x/y'), (e: unknown) => e instanceof ZfsError && e.code === 'dataset_does_not_exist');
  });

  it('parses sizes and rejects bad lines with their number', () => {
    assert.deepEqual(['512', '64K', '3m', '1G', '1.5M'].map(parseFakeSize), [512, 65536, 3145728, 1073741824, null]);
    assert.throws(() => parseFakeLayout('pool p\nfrobnicate p/a'), (e: unknown) =>
      e instanceof FakeLayoutError && e.message.startsWith('fake layout line 2: unknown verb (pool P | create'));
    assert.throws(() => parseFakeLayout('write p/a lots'), /fake layout line 1: bad size 'lots': "write p\/a lots"/);
    assert.deepEqual(parseFakeLayout('# a comment\n\nbookmark p/a@s1 #b\nrollback -r p/a@s1'), [
      { line: 'bookmark p/a@s1 #b', verb: 'bookmark', source: 'p/a@s1', bookmark: 'p/a#b' },
      { line: 'rollback -r p/a@s1', verb: 'rollback', name: 'p/a@s1', recursive: true },
    ]);
  });
});

describe('FakeHost commands', () => {
  it('logs the argv CommandZfsHost would run and reports them to the observer', async () => {
    const seen: string[] = [];
    const f = new FakeHost('nas', { observer: (e) => seen.push(`${e.host} ${e.code} ${e.argv.join(' ')}`) })
      .apply('pool p', 'create p/a', 'snapshot p/a@s1', 'hold t p/a@s1');
    await f.list(['p/a']);
    await f.destroy(['p/a@s1']).catch(() => {});
    // the recursive get of zform:placeholder names no candidate: nothing more is asked of it
    assert.deepEqual(f.commandLog, [
      ['zfs', ...computeListArgv(['p/a'])],
      ['zfs', ...computeVersionListArgv(['p/a'])],
      ['zfs', ...computePlaceholderArgv(['p/a'], 'zform:placeholder')],
      ['zfs', 'holds', '-H', 'p/a@s1'],
      ['zfs', 'destroy', 'p/a@s1'],
    ]);
    assert.equal(seen[4], 'nas 1 zfs destroy p/a@s1');
    // with a placeholder (set on p/q, inherited by p/q/r) the one set locally is one, from the same one command
    await f.create('p/q', { 'zform:placeholder': 'on' });
    await f.create('p/q/r', {});
    f.resetCommands();
    const l = await f.list(['p']);
    assert.deepEqual(f.commandLog.map((c) => c[1]), ['list', 'list', 'get', 'holds']);
    assert.deepEqual(f.commandLog[2], ['zfs', ...computePlaceholderArgv(['p'], 'zform:placeholder')]);
    assert.deepEqual(l.datasets.filter((d) => d.placeholder).map((d) => d.name), ['p/q']);
    // a value with a newline forges a line for p/a: the answer is no longer one line per dataset, so the one set
    // locally is a candidate, checked by name, and p/a is none
    await f.create('p/x', { 'zform:placeholder': 'x\np/a\ton' });
    f.resetCommands();
    const forged = await f.list(['p']);
    assert.deepEqual(f.commandLog.map((c) => c[1]), ['list', 'list', 'get', 'get', 'holds']);
    assert.deepEqual(f.commandLog[3], ['zfs', ...computePlaceholderCheckArgv(['p/q', 'p/a'], 'zform:placeholder')]);
    assert.deepEqual(forged.datasets.filter((d) => d.placeholder).map((d) => d.name), ['p/q']);
    f.resetCommands();
    assert.equal(f.commands, 0);
  });

  it('lists a root\'s subtree only: its name and the names below it, not the siblings that sort between them', async () => {
    // in code-unit order "p/a" < "p/a-b" < "p/a/b" < "p/a0": a subtree is not one run of the sorted names
    const f = new FakeHost('local', { clock: CLOCK }).apply(`
      pool p
      create p/a
      create p/a-b
      create p/a/b
      create p/a/b/c zform:placeholder=on
      create p/a0
      create p/ab
      snapshot p/a@s1 p/a-b@s1 p/a/b@s1 p/a/b/c@s1 p/a0@s1 p/ab@s1
    `);
    const l = await f.list(['p/a']);
    assert.deepEqual(l.datasets.map((d) => [d.name, d.placeholder]), [['p/a', false], ['p/a/b', false], ['p/a/b/c', true]]);
    assert.deepEqual(l.versions.map((v) => `${v.dataset}@${v.name}`), ['p/a@s1', 'p/a/b@s1', 'p/a/b/c@s1']);
    const two = await f.list(['p/a-b', 'p/a0']);
    assert.deepEqual(two.datasets.map((d) => d.name), ['p/a-b', 'p/a0']);
    assert.deepEqual(two.versions.map((v) => `${v.dataset}@${v.name}`), ['p/a-b@s1', 'p/a0@s1']);
  });

  it('failNext fails the next call of a verb once, with the given stderr mapped to its code', async () => {
    const f = new FakeHost('local').apply('pool p', 'create p/a', 'snapshot p/a@s1');
    const g = new FakeHost('nas').apply('pool q');
    f.failNext('list', 'cannot open \'p\': permission denied');
    assert.equal(await codeOf(f.list(['p'])), "permission_denied: zfs list on local: cannot open 'p': permission denied");
    assert.equal((await f.list(['p'])).datasets.length, 2);
    g.failNext('receive', 'cannot receive new filesystem stream: out of space');
    const err = await codeOf(runTransfer(f.send({ kind: 'full', snapshot: 'p/a@s1', flags: FLAGS }), g.receive(recv('q/a'))));
    assert.equal(err, 'out_of_space: zfs receive on nas: cannot receive new filesystem stream: out of space');
    assert.deepEqual((await g.list(['q/a'])).datasets, []);
    await runTransfer(f.send({ kind: 'full', snapshot: 'p/a@s1', flags: FLAGS }), g.receive(recv('q/a')));
    assert.equal(g.guidOf('q/a@s1'), f.guidOf('p/a@s1'));
  });

  it('features: OpenZFS 2.1\'s captured `zfs version` and usage, probed with two commands once', async () => {
    const f = new FakeHost('local');
    assert.deepEqual(await f.features(), { resumableReceive: true, encryption: true, bookmarks: true, rawSend: true, version: 'zfs-2.1.11-1+deb12u1' });
    await f.features();
    assert.deepEqual(f.commandLog, [['zfs', 'version'], ['zfs', '-?']]);
  });
});

describe('FakeHost streams', () => {
  it('a killed resumable receive keeps its partial state, as a SIGTERM\'d zfs recv -s does', async () => {
    const f = new FakeHost('local').apply('pool p', 'create p/a', 'write p/a 1M', 'snapshot p/a@s1');
    const g = new FakeHost('nas').apply('pool q');
    const stream = await streamOf(f.send({ kind: 'full', snapshot: 'p/a@s1', flags: FLAGS }));
    const r = g.receive(recv('q/a', { resumable: true }));
    r.stdin!.write(stream.subarray(0, 300_000));
    await new Promise((res) => setImmediate(res));
    r.kill('SIGTERM');
    const e = await r.done.then(() => null, (x: unknown) => x as ZfsError);
    assert.deepEqual([e?.signal, e?.stderr], ['SIGTERM', '']);
    const token = (await g.list(['q/a'])).datasets[0]!.resumeToken!;
    const info = await f.decodeResumeToken(token);
    assert.equal(info.bytes, 300_000 - (stream.indexOf(0x0a) + 1), 'payload bytes after the header line');
    // killed before the header arrived: nothing stays
    const r2 = g.receive(recv('q/b', { resumable: true }));
    r2.kill();
    await r2.done.catch(() => {});
    assert.deepEqual((await g.list(['q/b'])).datasets, []);
  });

  it('an -I stream cut in its second snapshot keeps the first and a token from it', async () => {
    const f = new FakeHost('local').apply('pool p', 'create p/a', 'snapshot p/a@1', 'write p/a 100K', 'snapshot p/a@2', 'write p/a 100K', 'snapshot p/a@3');
    const g = new FakeHost('nas').apply('pool q');
    await runTransfer(f.send({ kind: 'full', snapshot: 'p/a@1', flags: FLAGS }), g.receive(recv('q/a')));
    const send = f.send({ kind: 'incremental', from: 'p/a@1', snapshot: 'p/a@3', intermediates: true, flags: FLAGS });
    const res = await feed(send, g.receive(recv('q/a', { resumable: true })), 150 * 1024);
    assert.match(res, /^stream_read_failure: zfs receive on nas: cannot receive incremental stream: checksum mismatch or incomplete stream\.$/);
    const l = await g.list(['q/a']);
    assert.deepEqual(l.versions.map((v) => v.name), ['1', '2']);
    const info = await f.decodeResumeToken(l.datasets[0]!.resumeToken!);
    assert.deepEqual([info.toname, info.toguid, info.fromguid], ['p/a@3', f.guidOf('p/a@3'), f.guidOf('p/a@2')]);
  });

  it('a stream that is not a stream, or empty, fails the receive with stream_read_failure', async () => {
    const g = new FakeHost('nas').apply('pool q');
    const r = g.receive(recv('q/a'));
    r.stdin!.end(Buffer.from('hello world\n'));
    assert.equal(await codeOf(r.done), 'stream_read_failure: zfs receive on nas: cannot receive: invalid stream (bad magic number)');
    const r2 = g.receive(recv('q/a'));
    r2.stdin!.end();
    assert.equal(await codeOf(r2.done), 'stream_read_failure: zfs receive on nas: cannot receive: failed to read from stream');
  });

  it('a raw incremental needs `from` to be the newest snapshot of the target', async () => {
    const f = new FakeHost('local').apply('pool p', 'create p/e encryption=on keyformat=hex keylocation=file:///k', 'snapshot p/e@1', 'snapshot p/e@2');
    const g = new FakeHost('nas').apply('pool q');
    const raw = { ...FLAGS, raw: true };
    await runTransfer(f.send({ kind: 'full', snapshot: 'p/e@1', flags: raw }), g.receive(recv('q/e')));
    g.apply('snapshot q/e@extra');
    const err = await codeOf(runTransfer(f.send({ kind: 'incremental', from: 'p/e@1', snapshot: 'p/e@2', intermediates: false, flags: raw }), g.receive(recv('q/e'))));
    assert.equal(err, 'destination_modified: zfs receive on nas: cannot receive incremental stream: destination q/e has been modified');
  });

  it('encryption: children and plain receives inherit the parent\'s key, which must be loaded', async () => {
    const f = new FakeHost('local').apply('pool p', 'create p/e encryption=on keyformat=hex keylocation=file:///k', 'create p/e/off encryption=off', 'create p/a', 'snapshot p/a@1');
    await runTransfer(f.send({ kind: 'full', snapshot: 'p/a@1', flags: FLAGS }), f.receive(recv('p/e/plain')));
    let l = await f.list(['p/e']);
    assert.deepEqual(l.datasets.map((d) => [d.name, d.encryption, d.encryptionRoot, d.keyStatus]),
      [['p/e', 'aes-256-gcm', 'p/e', 'available'], ['p/e/off', 'off', null, null], ['p/e/plain', 'aes-256-gcm', 'p/e', 'available']]);
    f.unloadKey('p/e');
    assert.equal(await codeOf(f.create('p/e/kid', {})), "unknown: zfs create on local: cannot create 'p/e/kid': encryption root's key is not loaded or provided");
    assert.equal(await codeOf(runTransfer(f.send({ kind: 'full', snapshot: 'p/a@1', flags: FLAGS }), f.receive(recv('p/e/plain2')))),
      'unknown: zfs receive on local: cannot receive new filesystem stream: inherited key must be loaded');
    l = await f.list(['p/e']);
    assert.deepEqual(l.datasets.map((d) => d.keyStatus), ['unavailable', null, 'unavailable']);
    assert.throws(() => f.unloadKey('p/e/plain'), /Keys must be unloaded for encryption root of 'p\/e\/plain' \(p\/e\)/);
  });

  it('getProperties of a snapshot and a dataset', async () => {
    const f = new FakeHost('local', { clock: CLOCK }).apply('pool p', 'create p/a', 'snapshot p/a@1', 'hold t p/a@1', 'write p/a 1K', 'set p zform:x=1');
    assert.deepEqual(await f.getProperties('p/a@1', ['userrefs', 'written', 'creation', 'zform:x']),
      { userrefs: '1', written: '24576', creation: String(T), 'zform:x': '1' });
    assert.deepEqual(await f.getProperties('p/a', ['written', 'mountpoint', 'receive_resume_token', 'encryption', 'keystatus']),
      { written: '1024', mountpoint: '/p/a', receive_resume_token: '-', encryption: 'off', keystatus: '-' });
    assert.equal(await codeOf(f.getProperties('p/a', ['bogus'])), "unknown: zfs get on local: bad property list: invalid property 'bogus'");
    assert.equal(await codeOf(f.setProperties('p/a', { guid: '1' })), "unknown: zfs set on local: cannot set property for 'p/a': 'guid' is readonly");
  });
});

describe('fake stream and token format', () => {
  it('round-trips a token and names the corruption as OpenZFS does', () => {
    const t = renderFakeToken({ toname: 'p/a@1', toguid: '18446744073709551615', bytes: 123, rawok: true, compressok: false, embedok: false, largeblockok: false });
    assert.match(t, /^1-[0-9a-f]{9}-[0-9a-f]+-[0-9a-f]+$/);
    assert.deepEqual(parseFakeToken(t), { toname: 'p/a@1', toguid: '18446744073709551615', bytes: 123, rawok: true, compressok: false, embedok: false, largeblockok: false });
    assert.deepEqual(parseFakeToken('garbage'), { corrupt: 'invalid format' });
    assert.deepEqual(parseFakeToken(t.slice(0, -1) + 'x'), { corrupt: 'payload is not hex-encoded' });
    assert.deepEqual(parseFakeToken(t.slice(0, -2) + (t.endsWith('00') ? '11' : '00')), { corrupt: 'incorrect checksum' });
  });

  it('parses a stream fed one byte at a time', () => {
    const h: FakeStreamHeader = { kind: 'full', toname: 'p/a@1', toguid: '7', size: 5, offset: 2, resume: true, creation: 1, referenced: 5,
      type: 'filesystem', raw: false, compressed: false, embedded: false, largeBlocks: false, encryption: 'off' };
    const events: string[] = [];
    const p = new FakeStreamParser({ header: (x) => events.push(`header ${x.toname}`), complete: (x) => events.push(`complete ${x.toguid}`) });
    const bytes = Buffer.concat([renderStreamHeader(h), Buffer.alloc(3, 0x5a), renderStreamHeader({ ...h, offset: 0, toguid: '8' }), Buffer.alloc(2)]);
    for (const b of bytes) p.feed(Buffer.from([b]));
    assert.deepEqual(events, ['header p/a@1', 'complete 7', 'header p/a@1']);
    assert.deepEqual(p.position(), { current: { ...h, offset: 0, toguid: '8' }, received: 2, substreams: 2, partialHeader: false });
  });
});

describe('FakeExecutor beyond zfs itself', () => {
  it('runs the zfs command of a `sh -c` pipeline around it (the stream as it is) and logs the whole argv', async () => {
    const { runZfsResult } = await import('../../../src/zfs/run.js');
    const f = new FakeHost('local').apply('pool p', 'create p/a', 'snapshot p/a@s1');
    const argv = ['sh', '-c', 'zstd -d -c -q | "$@"', 'sh', 'zfs', 'get', '-H', '-p', '-o', 'name,value', 'guid', 'p/a@s1'];
    const r = await runZfsResult(f.zfs, argv);
    assert.equal(r.stdout, `p/a@s1\t${f.guidOf('p/a@s1')}\n`);
    assert.deepEqual(f.commandLog, [argv]);
  });

  it('answers `command -v` with the programs it was given', async () => {
    const { runZfsResult } = await import('../../../src/zfs/run.js');
    const f = new FakeHost('local', { programs: ['gzip'] });
    const r = await runZfsResult(f.zfs, ['sh', '-c', 'for p in "$@"; do command -v "$p" || :; done', 'sh', 'zstd', 'gzip']);
    assert.deepEqual([r.code, r.stdout], [0, '/usr/bin/gzip\n']);
    assert.throws(() => f.zfs.spawn(['rm', '-rf', '/']), TypeError);
  });
});
