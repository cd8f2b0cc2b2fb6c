// The ZFS layer's core on real OpenZFS: CommandZfsHost over LocalExecutor, every typed error produced for real,
// idempotent helpers, a constant number of processes per listing, and send→receive transfers (cut on either side).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, writeFile, zfsVersion, type Pool } from './lib.js';
import { CommandZfsHost } from '../../src/zfs/host.js';
import { LocalExecutor } from '../../src/zfs/local.js';
import { runZfs } from '../../src/zfs/run.js';
import { ZfsError, type ZfsErrorCode } from '../../src/zfs/errors.js';
import { TransferError, runTransfer } from '../../src/zfs/transfer.js';
import type { CommandObserver } from '../../src/zfs/exec.js';
import type { Listing, ReceiveArgs, SendFlags } from '../../src/zfs/types.js';

requireGuest(import.meta.url);

const MiB = 1024 * 1024;
const NO_FLAGS: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const recvArgs = (dataset: string, o: Partial<ReceiveArgs> = {}): ReceiveArgs =>
  ({ dataset, resumable: false, force: false, noMount: true, override: {}, inherit: [], ...o });

interface Event { argv: string[]; durationMs: number; code: number | null }

async function rejectsWith(p: Promise<unknown>, code: ZfsErrorCode, shortMessage?: string | RegExp): Promise<ZfsError> {
  let caught: unknown;
  try { await p; } catch (e) { caught = e; }
  assert.ok(caught instanceof ZfsError, `expected ZfsError ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof shortMessage === 'string') assert.equal(caught.shortMessage, shortMessage);
  else if (shortMessage) assert.match(caught.shortMessage, shortMessage);
  return caught;
}

async function guid(name: string): Promise<string> {
  return (await sh(`zfs get -H -p -o value guid ${name}`)).trim();
}

describe('ZFS layer core on real OpenZFS', () => {
  let zl: Pool;
  let zlp: Pool;
  const events: Event[] = [];
  const observer: CommandObserver = (e) => events.push({ argv: e.argv, durationMs: e.durationMs, code: e.code });
  const exec = new LocalExecutor();
  const host = new CommandZfsHost(exec, { observer });
  /** the commands `fn` ran */
  const commands = async (fn: () => Promise<unknown>): Promise<Event[]> => {
    const n = events.length;
    await fn();
    return events.slice(n);
  };

  /** What `zfs destroy` of a held snapshot prints after "cannot destroy snapshot <snap>: ", by version. */
  let heldText: (snap: string) => string = () => '';

  before(async () => {
    // 2.1: "dataset is busy"; 2.3: "it's being held. Run 'zfs holds -r <snap>' to see holders." (both dataset_busy)
    const ver = await zfsVersion();
    heldText = (snap) => (ver === '2.1' ? 'dataset is busy' : `it's being held. Run 'zfs holds -r ${snap}' to see holders.`);
    zl = await createPool('zl', { sizeMiB: 512, mounted: true });
    zlp = await createPool('zlp', { sizeMiB: 256, mounted: true });
    await sh('zfs create zl/data');
    await writeFile('zl/data', 'f1', 4 * MiB);
    await sh('zfs snapshot zl/data@s1');
    await writeFile('zl/data', 'f2', 64 * 1024);
    await sh('zfs snapshot zl/data@s2');
  });
  after(async () => {
    await host.close();
    await zl?.destroy();
    await zlp?.destroy();
  });

  it('lists 10 and 100 datasets × 5 snapshots in four zfs processes: the datasets, their versions (in 4 slices at once for 101), placeholders, holds', async () => {
    await sh([
      'zfs create zl/ten', 'for i in 1 2 3 4 5 6 7 8 9; do zfs create zl/ten/c$i; done',
      'zfs set zform:placeholder=on zl/ten/c1', 'zfs set zform:placeholder=off zl/ten/c2',
      'for s in 1 2 3 4 5; do zfs snapshot -r zl/ten@s$s; done',
      'zfs hold keep zl/ten@s1 zl/ten/c2@s3',
      // 10 × 10 datasets: one replication stream (received properties, the source's GUIDs), then 9 × 10 creates and
      // each snapshot of those 90 in one txg (a receive costs a txg or more per snapshot: 450 took minutes in the guest)
      'zfs create zl/hundred',
      'zfs send -R zl/ten@s5 | zfs receive -u zl/hundred/r0',
      'for r in 1 2 3 4 5 6 7 8 9; do zfs create zl/hundred/r$r; for i in 1 2 3 4 5 6 7 8 9; do zfs create zl/hundred/r$r/c$i; done; done',
      'for s in 1 2 3 4 5; do zfs snapshot -r $(for r in 1 2 3 4 5 6 7 8 9; do printf "zl/hundred/r%d@s%d " $r $s; done); done',
      'zfs hold keep2 zl/hundred/r0@s1 zl/hundred/r3/c4@s2 zl/hundred/r9/c9@s5',
    ].join(' && '));
    let ten!: Listing;
    let hundred!: Listing;
    const c10 = await commands(async () => { ten = await host.list(['zl/ten']); });
    const c100 = await commands(async () => { hundred = await host.list(['zl/hundred']); });
    console.log(`list 10: ${c10.map((e) => `${e.argv[1]} ${Math.round(e.durationMs)} ms`).join(', ')}`);
    console.log(`list 100: ${c100.map((e) => `${e.argv[1]} ${Math.round(e.durationMs)} ms`).join(', ')}`);
    // the datasets; then the versions' listings of one slice (10 datasets) or of 4 (101: 25 or 26 names each) and, at
    // the same time, the placeholders (the recursive get, one line per dataset: for the ten, whose tree has one, no
    // check by name); the holds once the versions are listed (so they end after them)
    const ended = (c: typeof c10) => c.map((e) => `${e.argv[1]}${e.argv.includes('-d') ? ' -d' : ''}`);
    const kinds = (c: typeof c10) => {
      const k = ended(c);
      return [k[0], ...k.slice(1).sort()];
    };
    assert.deepEqual(kinds(c10), ['list', 'get', 'holds', 'list -d']);
    assert.deepEqual(kinds(c100), ['list', 'get', 'holds', 'list -d', 'list -d', 'list -d', 'list -d']);
    for (const c of [c10, c100]) assert.ok(ended(c).lastIndexOf('list -d') < ended(c).indexOf('holds'), ended(c).join(', '));
    const slices = c100.filter((e) => e.argv.includes('-d')).map((e) => e.argv.slice(e.argv.indexOf('-o') + 2));
    assert.deepEqual(slices.map((x) => x.length).sort(), [25, 25, 25, 26]);
    assert.equal(new Set(slices.flat()).size, 101, 'every dataset in one slice');

    assert.equal(ten.datasets.length, 10);
    assert.equal(ten.versions.length, 50);
    assert.deepEqual(ten.datasets.filter((d) => d.placeholder).map((d) => d.name), ['zl/ten/c1']);
    assert.deepEqual(ten.holds.map((h) => `${h.snapshot} ${h.tag}`).sort(), ['zl/ten/c2@s3 keep', 'zl/ten@s1 keep']);
    assert.equal(hundred.datasets.length, 101);
    assert.equal(hundred.versions.length, 500);
    // received zform:placeholder values are not local: they do not make placeholders
    assert.deepEqual(hundred.datasets.filter((d) => d.placeholder), []);
    assert.deepEqual(hundred.holds.map((h) => `${h.snapshot} ${h.tag}`).sort(),
      ['zl/hundred/r0@s1 keep2', 'zl/hundred/r3/c4@s2 keep2', 'zl/hundred/r9/c9@s5 keep2']);
    // GUIDs are exact: the received snapshots keep the source's
    const src = ten.versions.find((v) => v.dataset === 'zl/ten/c7' && v.name === 's4')!;
    const copy = hundred.versions.find((v) => v.dataset === 'zl/hundred/r0/c7' && v.name === 's4')!;
    assert.equal(copy.guid, src.guid);
    assert.equal(src.guid, await guid('zl/ten/c7@s4'));
    // versions in order: dataset, createtxg
    const r5 = hundred.versions.filter((v) => v.dataset === 'zl/hundred/r5').map((v) => v.name);
    assert.deepEqual(r5, ['s1', 's2', 's3', 's4', 's5']);
  });

  it('a missing root among several contributes nothing; all missing: the listing, then whether their pool exists', async () => {
    const c = await commands(async () => {
      const l = await host.list(['zl/ten/c3', 'zl/nope', 'zl/ten/c4']);
      assert.deepEqual(l.datasets.map((d) => d.name), ['zl/ten/c3', 'zl/ten/c4']);
      assert.equal(l.versions.length, 10);
    });
    assert.equal(c.length, 3); // datasets, their versions, the get of zform:placeholder (no candidate); no held snapshots: no holds
    const c2 = await commands(async () => assert.deepEqual(await host.list(['zl/nope', 'zl/nope2']), { datasets: [], versions: [], holds: [] }));
    assert.deepEqual(c2.map((e) => e.argv.slice(1).join(' ')), [
      'list -H -p -r -t filesystem,volume -o name,type,guid,createtxg,creation,userrefs,written,encryption,encryptionroot,keystatus,receive_resume_token,origin zl/nope zl/nope2',
      'list -H -o name -d 0 zl',
    ]);
    const c3 = await commands(async () => assert.deepEqual(await host.list(['zlnopool/x']), { datasets: [], versions: [], holds: [], absentPools: ['zlnopool'] }));
    assert.equal(c3.length, 2);
  });

  it('every ZfsHost method against a real pool, with idempotent helpers', async () => {
    await host.create('zl/m', { 'zform:placeholder': 'on', mountpoint: 'none' });
    await host.setProperties('zl/m', { 'zform:a': '1', 'zform:b': 'two words' });
    assert.deepEqual(await host.getProperties('zl/m', ['zform:placeholder', 'zform:a', 'zform:b', 'mountpoint', 'zform:unset']),
      { 'zform:placeholder': 'on', 'zform:a': '1', 'zform:b': 'two words', mountpoint: 'none', 'zform:unset': '-' });
    await host.create('zl/m/c', {});

    // one atomic command per pool
    const snap = await commands(() => host.snapshot(['zl/m@1', 'zl/m/c@1', 'zlp@1']));
    assert.deepEqual(snap.map((e) => e.argv.join(' ')), ['zfs snapshot zl/m@1 zl/m/c@1', 'zfs snapshot zlp@1']);
    await host.snapshot(['zl/m@2']);
    await host.snapshot(['zl/m@3']);

    await host.bookmark('zl/m@1', 'zl/m#b1');
    await host.bookmark('zl/m@1', 'zl/m#b1'); // same GUID: fine
    await rejectsWith(host.bookmark('zl/m@2', 'zl/m#b1'), 'bookmark_exists', "zfs bookmark on local: cannot create bookmark 'zl/m#b1': bookmark exists");

    await host.hold('t', ['zl/m@1', 'zl/m@2']);
    await host.hold('t', ['zl/m@1', 'zl/m@2', 'zl/m/c@1']); // two exist: fine, the third is held
    assert.deepEqual((await sh('zfs holds -H zl/m@1 zl/m@2 zl/m/c@1')).split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' ')),
      ['zl/m@1 t', 'zl/m@2 t', 'zl/m/c@1 t']);
    await host.release('t', ['zl/m@2', 'zl/m/c@1']);
    await host.release('t', ['zl/m@2', 'zl/m/c@1', 'zl/m@gone']); // no such tag, no such snapshot: fine
    assert.equal((await sh('zfs get -H -p -o value userrefs zl/m@1 zl/m@2 zl/m/c@1')).trim().split('\n').join(','), '1,0,0');

    // destroy: one batch per dataset, the held one is dataset_busy after the rest is gone
    const d = await commands(() => rejectsWith(host.destroy(['zl/m@1', 'zl/m@2', 'zl/m#b1', 'zl/m/c@1', 'zl/m@nope', 'zl/m#nope']),
      'dataset_busy', `zfs destroy on local: cannot destroy snapshot zl/m@1: ${heldText('zl/m@1')}`));
    assert.deepEqual(d.map((e) => e.argv.slice(1).join(' ')),
      ['destroy zl/m@1,2,nope', 'destroy zl/m@2,nope', 'destroy zl/m/c@1', 'destroy zl/m#b1', 'destroy zl/m#nope']);
    assert.equal((await sh('zfs list -H -o name -t snapshot,bookmark -r zl/m')).trim(), 'zl/m@1\nzl/m@3');
    await host.release('t', ['zl/m@1']);
    await host.destroy(['zl/m@1', 'zl/m#b1', 'zl/missing@x']); // gone and missing: fine
    await host.destroy(['zl/m@1']);

    // rollback needs -r past newer snapshots
    await host.snapshot(['zl/m@4']);
    await rejectsWith(host.rollback('zl/m@3', false), 'unknown', "zfs rollback on local: cannot rollback to 'zl/m@3': more recent snapshots or bookmarks exist");
    await host.rollback('zl/m@3', true);
    assert.equal((await sh('zfs list -H -o name -t snapshot -r zl/m')).trim(), 'zl/m@3');

    await host.abortResumableReceive('zl/m'); // nothing to abort: fine
    await host.abortResumableReceive('zl/missing');

    const f = await host.features();
    assert.deepEqual(f, { resumableReceive: true, encryption: true, bookmarks: true, rawSend: true, version: f.version });
    assert.match(f.version, /^zfs-2\.\d+\.\d+/);
    assert.equal((await commands(() => host.features())).length, 0);
  });

  it('estimates send sizes close to the real stream', async () => {
    const full = await host.estimateSend({ kind: 'full', snapshot: 'zl/data@s1', flags: NO_FLAGS });
    const fullReal = Number((await sh('zfs send zl/data@s1 | wc -c')).trim());
    const incr = await host.estimateSend({ kind: 'incremental', from: 'zl/data@s1', snapshot: 'zl/data@s2', intermediates: false, flags: NO_FLAGS });
    const incrReal = Number((await sh('zfs send -i @s1 zl/data@s2 | wc -c')).trim());
    await sh('zfs bookmark zl/data@s1 zl/data#s1');
    const fromBookmark = await host.estimateSend({ kind: 'incremental', from: 'zl/data#s1', snapshot: 'zl/data@s2', intermediates: false, flags: NO_FLAGS });
    console.log(`estimates: full ${full} (real ${fullReal}), incremental ${incr} (real ${incrReal}), from bookmark ${fromBookmark}`);
    assert.ok(Math.abs(full - fullReal) / fullReal < 0.2, `${full} vs ${fullReal}`);
    assert.ok(Math.abs(incr - incrReal) / incrReal < 0.2, `${incr} vs ${incrReal}`);
    assert.equal(fromBookmark, incr);
  });

  it('a transfer reports progress bytes equal to the stream size; receive -s into the dataset name', async () => {
    const size = Number((await sh('zfs send zl/data@s1 | wc -c')).trim());
    const progress: number[] = [];
    const r = await runTransfer(host.send({ kind: 'full', snapshot: 'zl/data@s1', flags: NO_FLAGS }),
      host.receive(recvArgs('zlp/copy', { resumable: true })), { onProgress: (b) => progress.push(b) });
    assert.equal(r.bytes, size);
    assert.equal(progress[progress.length - 1], size);
    assert.equal(await guid('zlp/copy@s1'), await guid('zl/data@s1'));
    // incremental, with a bandwidth limit on a fake clock: same bytes, waits as the bucket says
    let t = 0;
    let slept = 0;
    const isize = Number((await sh('zfs send -i @s1 zl/data@s2 | wc -c')).trim());
    const r2 = await runTransfer(
      host.send({ kind: 'incremental', from: 'zl/data@s1', snapshot: 'zl/data@s2', intermediates: false, flags: NO_FLAGS }),
      host.receive(recvArgs('zlp/copy')),
      { bandwidth: { maxBytesPerSecond: 10_000, bucketCapacityBytes: 8192 }, limiter: { now: () => t, sleep: async (ms) => { slept += ms; t += ms; } } },
    );
    assert.equal(r2.bytes, isize);
    assert.equal(Math.round(slept), Math.round(((isize - 8192) / 10_000) * 1000));
    assert.equal(await guid('zlp/copy@s2'), await guid('zl/data@s2'));
  });

  it('killing the receiver mid-stream leaves a resume token (recv -s); decoding and resuming it completes', async () => {
    const recv = host.receive(recvArgs('zlp/cut', { resumable: true }));
    const err = await rejectsWith(runTransfer(host.send({ kind: 'full', snapshot: 'zl/data@s1', flags: NO_FLAGS }), recv, {
      onProgress: (b) => { if (b > 1 * MiB) recv.kill('SIGKILL'); },
    }), 'unknown', 'zfs receive on local: killed by SIGKILL') as TransferError;
    assert.ok(err instanceof TransferError);
    assert.equal(err.side, 'receive');
    assert.ok(err.sendError !== null, 'the sender was stopped');
    const l = await host.list(['zlp/cut']);
    const token = l.datasets[0]?.resumeToken;
    assert.ok(token, 'a resume token is listed');
    const info = await host.decodeResumeToken(token);
    assert.equal(info.toname, 'zl/data@s1');
    assert.equal(info.toguid, await guid('zl/data@s1'));
    assert.equal(info.fromguid, undefined);
    assert.ok(info.bytes !== undefined && info.bytes > 0 && info.bytes <= err.bytes, `${info.bytes} of ${err.bytes}`);
    const est = await host.estimateSend({ kind: 'resume', token });
    assert.ok(est > 0);
    const rest = await runTransfer(host.send({ kind: 'resume', token }), host.receive(recvArgs('zlp/cut', { resumable: true })));
    assert.ok(rest.bytes > 0);
    assert.equal(await guid('zlp/cut@s1'), await guid('zl/data@s1'));
    assert.equal((await host.list(['zlp/cut'])).datasets[0]?.resumeToken, null);
  });

  it('killing the sender mid-stream: the receiver gets the end of the stream and keeps resumable state', async () => {
    const send = host.send({ kind: 'full', snapshot: 'zl/data@s1', flags: NO_FLAGS });
    const err = await rejectsWith(runTransfer(send, host.receive(recvArgs('zlp/cut2', { resumable: true })), {
      onProgress: (b) => { if (b > 1 * MiB) send.kill('SIGKILL'); },
    }), 'unknown', 'zfs send on local: killed by SIGKILL') as TransferError;
    assert.equal(err.side, 'send');
    assert.equal(err.receiveError?.code, 'stream_read_failure');
    assert.match(err.receiveStderr, /^cannot receive new filesystem stream: checksum mismatch or incomplete stream\.\nPartially received snapshot is saved\./);
    assert.match(err.message, /zfs receive on local stderr:\n {2}cannot receive new filesystem stream: checksum mismatch or incomplete stream\./);
    const token = (await host.list(['zlp/cut2'])).datasets[0]?.resumeToken;
    assert.ok(token);
    // abort removes the partial dataset; aborting again is fine
    await host.abortResumableReceive('zlp/cut2');
    assert.deepEqual((await host.list(['zlp/cut2'])).datasets, []);
    await host.abortResumableReceive('zlp/cut2');
  });

  describe('each typed error, produced for real', () => {
    it('dataset_does_not_exist, dataset_exists, dataset_busy (2.1: "dataset is busy", 2.3: "it\'s being held"), bookmark_exists', async () => {
      await rejectsWith(host.getProperties('zl/missing', ['guid']), 'dataset_does_not_exist', "zfs get on local: cannot open 'zl/missing': dataset does not exist");
      await rejectsWith(host.create('zl/data', {}), 'dataset_exists', "zfs create on local: cannot create 'zl/data': dataset already exists");
      await rejectsWith(host.snapshot(['zl/data@s1']), 'dataset_exists', "zfs snapshot on local: cannot create snapshot 'zl/data@s1': dataset already exists");
      await sh('zfs snapshot zl/data@busy && zfs hold keep zl/data@busy');
      await rejectsWith(host.destroy(['zl/data@busy']), 'dataset_busy', `zfs destroy on local: cannot destroy snapshot zl/data@busy: ${heldText('zl/data@busy')}`);
      await rejectsWith(host.bookmark('zl/data@s2', 'zl/data#s1'), 'bookmark_exists');
    });

    it('tag_exists, no_such_tag, no_resumable_state at the choke point (the host makes them fine)', async () => {
      await rejectsWith(runZfs(exec, ['zfs', 'hold', 'keep', 'zl/data@busy']), 'tag_exists',
        "zfs hold on local: cannot hold snapshot 'zl/data@busy': tag already exists on this dataset");
      await rejectsWith(runZfs(exec, ['zfs', 'release', 'nope', 'zl/data@busy']), 'no_such_tag',
        "zfs release on local: cannot release hold from snapshot 'zl/data@busy': no such tag on this dataset");
      await rejectsWith(runZfs(exec, ['zfs', 'receive', '-A', 'zl/data']), 'no_resumable_state',
        "zfs receive on local: 'zl/data' does not have any resumable receive state to abort");
    });

    it('destination_modified and stream_read_failure in transfers', async () => {
      await runTransfer(host.send({ kind: 'full', snapshot: 'zl/data@s1', flags: NO_FLAGS }), host.receive(recvArgs('zlp/mod', { noMount: false })));
      await writeFile('zlp/mod', 'new', 1000);
      await sh('zpool sync zlp');
      const e = await rejectsWith(runTransfer(
        host.send({ kind: 'incremental', from: 'zl/data@s1', snapshot: 'zl/data@s2', intermediates: false, flags: NO_FLAGS }),
        host.receive(recvArgs('zlp/mod')),
      ), 'destination_modified', 'zfs receive on local: cannot receive incremental stream: destination zlp/mod has been modified') as TransferError;
      assert.equal(e.side, 'receive');
      assert.deepEqual(e.details.slice(-2), ['  cannot receive incremental stream: destination zlp/mod has been modified', '  since most recent snapshot']);
      // a stream that is not a stream
      const garbage = host.receive(recvArgs('zlp/garbage'));
      garbage.stdin!.end(Buffer.alloc(5000, 7));
      await rejectsWith(garbage.done, 'stream_read_failure', 'zfs receive on local: cannot receive: invalid stream (bad magic number)');
    });

    it('out_of_space when the receiving pool is full', async () => {
      const small = await createPool('zls', { sizeMiB: 64 });
      try {
        await sh('zfs create zl/big');
        await writeFile('zl/big', 'f', 40 * MiB);
        await sh('zfs snapshot zl/big@s1');
        const e = await rejectsWith(runTransfer(host.send({ kind: 'full', snapshot: 'zl/big@s1', flags: NO_FLAGS }), host.receive(recvArgs('zls/big'))),
          'out_of_space', 'zfs receive on local: cannot receive new filesystem stream: out of space') as TransferError;
        assert.equal(e.side, 'receive');
      } finally {
        await small.destroy();
      }
    });

    it('permission_denied through a privilege prefix that drops root', async () => {
      const nobody = new CommandZfsHost(new LocalExecutor('nas'), { privilege: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
      const e = await rejectsWith(nobody.list(['zl']), 'permission_denied', 'zfs list on nas: Permission denied the ZFS utilities must be run as root.');
      assert.deepEqual(e.argv.slice(0, 6), ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'zfs', 'list']);
    });

    it('resume_token_corrupt when decoding and when sending', async () => {
      await rejectsWith(host.decodeResumeToken('garbage'), 'resume_token_corrupt', 'zfs send on local: cannot resume send: resume token is corrupt (invalid format)');
      const e = await rejectsWith(runTransfer(host.send({ kind: 'resume', token: '1-abc-def-ghi' }), host.receive(recvArgs('zlp/never', { resumable: true }))),
        'resume_token_corrupt') as TransferError;
      assert.equal(e.side, 'send');
    });
  });
});
