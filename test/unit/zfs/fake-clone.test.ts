// The fake's clone-aware replication, as measured on OpenZFS 2.1 and 2.3: `zfs send -i ORIGIN clone@snap` from a
// clone's origin snapshot.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { ZfsError } from '../../../src/zfs/errors.js';
import { runTransfer } from '../../../src/zfs/transfer.js';
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
