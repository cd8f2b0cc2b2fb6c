// The fake's clone-aware replication, as measured on OpenZFS 2.1 and 2.3: `zfs send -i ORIGIN clone@snap` from a
// clone's origin snapshot, and its receive as a clone (the origin found by GUID, or named with -o origin=), cut
// with -s and resumed, or aborted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { ZfsError } from '../../../src/zfs/errors.js';
import { runTransfer } from '../../../src/zfs/transfer.js';
import { runZfsResult } from '../../../src/zfs/run.js';
import type { ReceiveArgs, SendArgs, SendFlags, ZfsProcess } from '../../../src/zfs/types.js';

const FLAGS: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const recv = (dataset: string, o: Partial<ReceiveArgs> = {}): ReceiveArgs =>
  ({ dataset, resumable: false, force: false, noMount: true, override: {}, inherit: [], ...o });
const full = (snapshot: string): SendArgs => ({ kind: 'full', snapshot, flags: FLAGS });
const incr = (from: string, snapshot: string, intermediates = false): SendArgs => ({ kind: 'incremental', from, snapshot, intermediates, flags: FLAGS });
const KiB = 1024;

/** `code\nstderr` of a failed transfer or command, "ok" when it succeeds. */
async function failure(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { if (e instanceof ZfsError) return `${e.code}\n${e.stderr.trimEnd()}`; throw e; }
  return 'ok';
}

/** The headers of a fake stream (one JSON line per substream). */
async function headersOf(send: ZfsProcess): Promise<Record<string, unknown>[]> {
  const chunks: Buffer[] = [];
  for await (const c of send.stdout) chunks.push(c as Buffer);
  await send.done;
  const text = Buffer.concat(chunks).toString('latin1');
  return [...text.matchAll(/ZFAKESTREAM1 (\{[^\n]*\})\n/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
}

/** Source p: a template with @base and @later, and its clone p/vm1 with @a and @b; target q/bk exists. */
function setup(): { f: FakeHost; g: FakeHost } {
  const f = new FakeHost('local').apply('pool p', 'create p/tmpl', 'write p/tmpl 256K', 'snapshot p/tmpl@base', 'write p/tmpl 64K', 'snapshot p/tmpl@later');
  f.cloneSnapshot('p/tmpl@base', 'p/vm1');
  f.apply('write p/vm1 128K', 'snapshot p/vm1@a', 'write p/vm1 64K', 'snapshot p/vm1@b');
  const g = new FakeHost('nas').apply('pool q', 'create q/bk');
  return { f, g };
}

/** q/bk/tmpl: the template's full stream of @base (and @later when asked). */
async function seedTemplate(f: FakeHost, g: FakeHost, later = false): Promise<void> {
  await runTransfer(f.send(full('p/tmpl@base')), g.receive(recv('q/bk/tmpl')));
  if (later) await runTransfer(f.send(incr('p/tmpl@base', 'p/tmpl@later')), g.receive(recv('q/bk/tmpl')));
}

describe('fake clones: send from the origin', () => {
  it('-i from the clone\'s origin snapshot is a clone stream; -I covers the clone\'s snapshots; another snapshot of the origin fs is refused', async () => {
    const { f } = setup();
    const [a] = await headersOf(f.send(incr('p/tmpl@base', 'p/vm1@a')));
    assert.deepEqual([a!.kind, a!.toname, a!.fromguid, a!.clone], ['incremental', 'p/vm1@a', f.guidOf('p/tmpl@base'), true]);
    assert.ok((a!.size as number) >= 128 * KiB && (a!.size as number) < 256 * KiB, `only the clone's own data: ${String(a!.size)}`);
    const hs = await headersOf(f.send(incr('p/tmpl@base', 'p/vm1@b', true)));
    assert.deepEqual(hs.map((h) => [h.toname, h.fromguid, h.clone]),
      [['p/vm1@a', f.guidOf('p/tmpl@base'), true], ['p/vm1@b', f.guidOf('p/vm1@a'), undefined]]);
    assert.ok(await f.estimateSend(incr('p/tmpl@base', 'p/vm1@a')) >= 128 * KiB);
    assert.equal(await failure(runTransfer(f.send(incr('p/tmpl@later', 'p/vm1@a')), f.receive(recv('p/x')))),
      "unknown\nwarning: cannot send 'p/vm1@a': not an earlier snapshot from the same fs");
    // a dataset that is no clone of it: refused as before
    f.apply('create p/other', 'snapshot p/other@a');
    assert.equal(await failure(runTransfer(f.send(incr('p/tmpl@base', 'p/other@a')), f.receive(recv('p/y')))),
      "unknown\nwarning: cannot send 'p/other@a': not an earlier snapshot from the same fs");
  });
});

describe('fake clones: receive a clone stream', () => {
  it('without -o origin: the origin is found by GUID in the target pool, else "local origin for clone ... does not exist"', async () => {
    const { f, g } = setup();
    assert.equal(await failure(runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/vm1')))),
      'unknown\ncannot receive: local origin for clone q/bk/vm1@a does not exist');
    assert.deepEqual((await g.list(['q/bk/vm1'])).datasets, []);
    await seedTemplate(f, g);
    await runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/vm1')));
    const l = await g.list(['q/bk']);
    assert.deepEqual(l.datasets.map((d) => [d.name, d.origin, d.resumeToken, d.written]),
      [['q/bk', null, null, 24576], ['q/bk/tmpl', null, null, 0], ['q/bk/vm1', 'q/bk/tmpl@base', null, 0]]);
    assert.deepEqual(l.versions.map((v) => [`${v.dataset}@${v.name}`, v.guid, v.clones]),
      [['q/bk/tmpl@base', f.guidOf('p/tmpl@base'), 1], ['q/bk/vm1@a', f.guidOf('p/vm1@a'), 0]]);
    assert.equal(g.zfs.state.dataset('q/bk/vm1')!.referenced, f.zfs.state.dataset('p/vm1')!.snapshots[0]!.referenced, 'the origin\'s data and the clone\'s own');
    assert.deepEqual(await g.getProperties('q/bk/vm1', ['origin']), { origin: 'q/bk/tmpl@base' });
  });

  it('-o origin=: the named snapshot must have the stream\'s fromguid; it is no property of the new clone', async () => {
    const { f, g } = setup();
    await seedTemplate(f, g, true);
    assert.equal(await failure(runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/vm1c', { origin: 'q/bk/tmpl@later' })))),
      'unknown\ncannot receive new filesystem stream: most recent snapshot of q/bk/vm1c does not\nmatch incremental source');
    assert.equal(await failure(runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/vm1c', { origin: 'q/bk/tmpl@nope' })))),
      'unknown\ncannot receive: specified origin fs (q/bk/tmpl@nope) does not exist');
    assert.deepEqual((await g.list(['q/bk/vm1c'])).datasets, []);
    await runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@b', true)), g.receive(recv('q/bk/vm1', { origin: 'q/bk/tmpl@base', override: { 'zform:x': '1' } })));
    const l = await g.list(['q/bk/vm1']);
    assert.deepEqual(l.datasets.map((d) => [d.name, d.origin]), [['q/bk/vm1', 'q/bk/tmpl@base']]);
    assert.deepEqual(l.versions.map((v) => [v.name, v.guid]), [['a', f.guidOf('p/vm1@a')], ['b', f.guidOf('p/vm1@b')]]);
    assert.deepEqual([...g.zfs.state.dataset('q/bk/vm1')!.props.keys()], ['zform:x'], '-o origin= sets no property');
    assert.deepEqual(await g.getProperties('q/bk/vm1', ['origin', 'zform:x']), { origin: 'q/bk/tmpl@base', 'zform:x': '1' });
    assert.deepEqual(g.commandLog.filter((c) => c[1] === 'receive').pop(), ['zfs', 'receive', '-u', '-o', 'origin=q/bk/tmpl@base', '-o', 'zform:x=1', 'q/bk/vm1']);
    assert.equal(await failure(g.setProperties('q/bk/vm1', { origin: 'q/bk/tmpl@later' })), "unknown\ncannot set property for 'q/bk/vm1': 'origin' is readonly");
  });

  it('the new clone\'s parent must exist, as for a full receive; its origin snapshot has dependent clones', async () => {
    const { f, g } = setup();
    await seedTemplate(f, g);
    assert.equal(await failure(runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/nope/vm1')))),
      "dataset_does_not_exist\ncannot open 'q/bk/nope': dataset does not exist\ncannot receive new filesystem stream: unable to restore to destination");
    await runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/vm1')));
    assert.equal(await failure(g.destroy(['q/bk/tmpl@base'])),
      "unknown\ncannot destroy 'q/bk/tmpl@base': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\nq/bk/vm1");
  });

  it('a clone stream or -o origin= into an existing dataset wants a new one: "exists, must specify -F"; a full stream with origin= is not emulated', async () => {
    const { f, g } = setup();
    await seedTemplate(f, g);
    await runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/vm1')));
    const exists = "dataset_exists\ncannot receive new filesystem stream: destination 'q/bk/vm1' exists\nmust specify -F to overwrite it";
    assert.equal(await failure(runTransfer(f.send(incr('p/tmpl@base', 'p/vm1@a')), g.receive(recv('q/bk/vm1')))), exists);
    assert.equal(await failure(runTransfer(f.send(incr('p/vm1@a', 'p/vm1@b')), g.receive(recv('q/bk/vm1', { origin: 'q/bk/tmpl@base' })))), exists);
    assert.equal(await failure(runTransfer(f.send(full('p/tmpl@base')), g.receive(recv('q/bk/t2', { origin: 'q/bk/tmpl@base' })))),
      'unknown\nfake: receive -o origin= of a full stream is not emulated');
    // the plain incremental after the first one works as for any dataset
    await runTransfer(f.send(incr('p/vm1@a', 'p/vm1@b')), g.receive(recv('q/bk/vm1')));
    const l = await g.list(['q/bk/vm1']);
    assert.deepEqual([l.datasets[0]!.origin, l.versions.map((v) => v.name)], ['q/bk/tmpl@base', ['a', 'b']]);
  });

  it('cut with -s: a partial new clone listed with its origin and a token from the origin; resume completes it; -A removes it', async () => {
    const { f, g } = setup();
    f.apply('write p/vm1 1M', 'snapshot p/vm1@big');
    await seedTemplate(f, g);
    const cutAt = 300_000;
    const cut = async () => {
      const chunks: Buffer[] = [];
      const send = f.send(incr('p/tmpl@base', 'p/vm1@big'));
      for await (const c of send.stdout) chunks.push(c as Buffer);
      await send.done;
      const r = g.receive(recv('q/bk/vm1', { resumable: true, origin: 'q/bk/tmpl@base' }));
      r.stdin!.end(Buffer.concat(chunks).subarray(0, cutAt));
      return failure(r.done);
    };
    const err = await cut();
    const token = (await g.list(['q/bk/vm1'])).datasets[0]?.resumeToken;
    assert.ok(token, 'a token');
    assert.equal(err, `stream_read_failure\ncannot receive new filesystem stream: checksum mismatch or incomplete stream.\nPartially received snapshot is saved.\n`
      + `A resuming stream can be generated on the sending system by running:\n    zfs send -t ${token}`);
    let l = await g.list(['q/bk']);
    assert.deepEqual(l.datasets.filter((d) => d.name === 'q/bk/vm1').map((d) => [d.origin, d.resumeToken]), [['q/bk/tmpl@base', token]]);
    assert.deepEqual(l.versions.map((v) => `${v.dataset}@${v.name}:${v.clones}`), ['q/bk/tmpl@base:1']);
    const info = await f.decodeResumeToken(token);
    assert.deepEqual([info.toname, info.toguid, info.fromguid], ['p/vm1@big', f.guidOf('p/vm1@big'), f.guidOf('p/tmpl@base')]);
    const dry = await runZfsResult(f.zfs, ['zfs', 'send', '-n', '-v', '-t', token]);
    assert.match(dry.stdout, new RegExp(`\\tfromguid = 0x${BigInt(f.guidOf('p/tmpl@base')!).toString(16)}\\n`));
    assert.match(dry.stdout, /\ttoname = p\/vm1@big\n/);
    assert.match(dry.stdout, /^send from p\/tmpl@base to p\/vm1@big estimated size is \d+$/m);
    // -A removes the partial clone, as a partial full receive's dataset
    await g.abortResumableReceive('q/bk/vm1');
    assert.deepEqual((await g.list(['q/bk/vm1'])).datasets, []);
    assert.equal((await g.list(['q/bk/tmpl'])).versions[0]!.clones, 0);
    // cut again, then resumed (without -o origin) to the end: the clone keeps its origin
    await cut();
    const token2 = (await g.list(['q/bk/vm1'])).datasets[0]!.resumeToken!;
    await runTransfer(f.send({ kind: 'resume', token: token2 }), g.receive(recv('q/bk/vm1', { resumable: true })));
    l = await g.list(['q/bk/vm1']);
    assert.deepEqual(l.datasets.map((d) => [d.name, d.origin, d.resumeToken]), [['q/bk/vm1', 'q/bk/tmpl@base', null]]);
    assert.deepEqual(l.versions.map((v) => [v.name, v.guid]), [['big', f.guidOf('p/vm1@big')]]);
    assert.equal(g.zfs.state.dataset('q/bk/vm1')!.referenced, f.zfs.state.dataset('p/vm1')!.snapshots.find((s) => s.name === 'big')!.referenced);
  });
});
