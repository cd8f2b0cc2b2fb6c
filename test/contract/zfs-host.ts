// The ZfsHost contract: one set of cases over the ZfsHost interface (plus a peer host for transfers) that runs
// against the fake, local real ZFS and real ZFS over SSH, so the fake cannot drift from OpenZFS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BookmarkOp, Listing, ReceiveArgs, SendArgs, SendFlags, VersionRecord, ZfsHost, ZfsProcess } from '../../src/zfs/types.js';
import { ZfsError, type ZfsErrorCode } from '../../src/zfs/errors.js';
import { TransferError, runTransfer } from '../../src/zfs/transfer.js';

export interface ContractEnv {
  /** the host under test, with a pool of its own */
  host: ZfsHost;
  /** the other side of transfers */
  peer: ZfsHost;
  pool: string;
  peerPool: string;
  /** writes `bytes` of incompressible data into a filesystem (mounting it if needed) and syncs its pool */
  write(on: ZfsHost, dataset: string, bytes: number): Promise<void>;
  /** unmounts an encryption root and unloads its key */
  unloadKey(on: ZfsHost, dataset: string): Promise<void>;
  /** `zfs clone SNAPSHOT FILESYSTEM` (zform never makes clones; an admin does, e.g. to look into a backup) */
  clone(on: ZfsHost, snapshot: string, filesystem: string): Promise<void>;
  /** create() properties that make a new encryption root whose key loads without a prompt */
  encryptionProps: Record<string, string>;
  /** zfs commands run on that host so far */
  commands(on: ZfsHost): number;
  cleanup(): Promise<void>;
}

const KiB = 1024;
const MiB = 1024 * 1024;
/** A held snapshot zfs will not destroy, after `prefix`: OpenZFS 2.1 (and the fake) "dataset is busy", 2.3 "it's being
 *  held. Run 'zfs holds -r ...' to see holders." (both dataset_busy). */
const HELD = (prefix: string) => new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:dataset is busy|it's being held\\. Run 'zfs holds -r \\S+' to see holders\\.)`);
const NO_FLAGS: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const RAW: SendFlags = { ...NO_FLAGS, raw: true };

function full(snapshot: string, flags = NO_FLAGS): SendArgs {
  return { kind: 'full', snapshot, flags };
}
function incr(from: string, snapshot: string, intermediates = false, flags = NO_FLAGS): SendArgs {
  return { kind: 'incremental', from, snapshot, intermediates, flags };
}
function recv(dataset: string, o: Partial<ReceiveArgs> = {}): ReceiveArgs {
  return { dataset, resumable: false, force: false, noMount: true, override: {}, inherit: [], ...o };
}

/** Asserts a ZfsError (or TransferError) of that code, whose message matches `re` when given. */
async function rejectsWith(p: Promise<unknown>, code: ZfsErrorCode, re?: RegExp): Promise<ZfsError> {
  let caught: unknown;
  try { await p; } catch (e) { caught = e; }
  assert.ok(caught instanceof ZfsError, `expected a ZfsError ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, `code of: ${caught.message}`);
  if (re) assert.match(caught.message, re);
  return caught;
}

/** "@s1", "#b1", ... of one dataset, in listing order. */
function names(l: Listing, dataset: string): string[] {
  return l.versions.filter((v) => v.dataset === dataset).map((v) => (v.kind === 'snapshot' ? '@' : '#') + v.name);
}
function version(l: Listing, full: string): VersionRecord {
  const i = full.search(/[@#]/);
  const v = l.versions.find((x) => x.dataset === full.slice(0, i) && x.name === full.slice(i + 1) && (x.kind === 'snapshot') === (full[i] === '@'));
  assert.ok(v, `${full} is listed`);
  return v;
}
const GUID = /^[1-9]\d*$/;

/** Cuts a transfer after `afterBytes` as `head -c` would: the receiver gets exactly that many bytes and EOF, the sender
 *  is killed. (Not runTransfer: it kills the receiver when the sender dies, and a receiver killed before it began
 *  leaves no resumable state.) Returns the receiver's error. */
async function cutTransfer(send: ZfsProcess, receiver: ZfsProcess, afterBytes: number): Promise<ZfsError> {
  const stdin = receiver.stdin!;
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const part = chunk.subarray(0, afterBytes - seen);
      seen += part.length;
      const ok = stdin.write(part);
      if (seen >= afterBytes) {
        send.stdout.off('data', onData);
        send.stdout.pause();
        send.kill('SIGTERM');
        stdin.end();
        resolve();
      } else if (!ok) {
        send.stdout.pause();
        stdin.once('drain', () => send.stdout.resume());
      }
    };
    send.stdout.on('data', onData);
    send.stdout.once('end', () => reject(new Error(`the stream ended after ${seen} bytes, before ${afterBytes}`)));
  });
  const [, r] = await Promise.allSettled([send.done, receiver.done]);
  assert.equal(r.status, 'rejected', 'the cut receive fails');
  const err = (r as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof ZfsError, String(err));
  return err;
}

export function zfsHostContract(name: string, setup: () => Promise<ContractEnv>): void {
  describe(`ZfsHost contract: ${name}`, () => {
    let env: ContractEnv;
    let host: ZfsHost;
    let peer: ZfsHost;
    let P: string;
    let Q: string;
    before(async () => {
      env = await setup();
      ({ host, peer, pool: P, peerPool: Q } = env);
    });
    after(async () => { await env?.cleanup(); });

    it('lists nested datasets, snapshots, bookmarks, holds and placeholders in one order', async () => {
      const r = `${P}/list`;
      for (const d of [r, `${r}/a`, `${r}/a/b`, `${r}/a-b`]) await host.create(d, {});
      await host.create(`${r}/ph`, { 'zform:placeholder': 'on' });
      await host.create(`${r}/ph/kid`, {});
      const t0 = Math.floor(Date.now() / 1000);
      await host.snapshot([`${r}/a@s1`, `${r}/a/b@s1`]);
      await host.snapshot([`${r}/a@s2`]);
      const t1 = Math.ceil(Date.now() / 1000);
      await host.bookmark(`${r}/a@s1`, `${r}/a#b1`);
      await host.hold('t2', [`${r}/a@s2`]);
      await host.hold('t1', [`${r}/a@s2`]);

      const l = await host.list([r]);
      assert.deepEqual(l.datasets.map((d) => d.name), [r, `${r}/a`, `${r}/a-b`, `${r}/a/b`, `${r}/ph`, `${r}/ph/kid`]);
      for (const d of l.datasets) {
        assert.match(d.guid, GUID);
        assert.deepEqual(
          { type: d.type, encryption: d.encryption, encryptionRoot: d.encryptionRoot, keyStatus: d.keyStatus, resumeToken: d.resumeToken, placeholder: d.placeholder },
          { type: 'filesystem', encryption: 'off', encryptionRoot: null, keyStatus: null, resumeToken: null, placeholder: d.name === `${r}/ph` },
          d.name);
      }
      assert.equal(new Set(l.datasets.map((d) => d.guid)).size, 6);
      const written = Object.fromEntries(l.datasets.map((d) => [d.name, d.written]));
      assert.equal(written[`${r}/a`], 0, 'no change since s2');
      assert.equal(written[`${r}/a/b`], 0);
      assert.ok(written[r]! > 0, 'a new filesystem has written > 0 until its first snapshot');

      assert.deepEqual(l.versions.map((v) => `${v.dataset}${v.kind === 'snapshot' ? '@' : '#'}${v.name}`),
        [`${r}/a#b1`, `${r}/a@s1`, `${r}/a@s2`, `${r}/a/b@s1`]);
      const [b1, s1, s2, bs1] = l.versions as [VersionRecord, VersionRecord, VersionRecord, VersionRecord];
      for (const v of l.versions) {
        assert.match(v.guid, GUID);
        assert.ok(Number.isInteger(v.createtxg) && v.createtxg > 0);
        assert.ok(v.creation >= t0 - 1 && v.creation <= t1 + 1, `creation ${v.creation} within [${t0}, ${t1}]`);
      }
      assert.equal(b1.guid, s1.guid, 'a bookmark has its snapshot\'s guid');
      assert.equal(b1.createtxg, s1.createtxg);
      assert.equal(b1.creation, s1.creation);
      assert.equal(s1.createtxg, bs1.createtxg, 'one snapshot command, one txg');
      assert.notEqual(s1.guid, bs1.guid);
      assert.ok(s2.createtxg > s1.createtxg);
      assert.deepEqual(l.versions.map((v) => v.userrefs), [0, 0, 2, 0]);
      assert.deepEqual([b1.written, s2.written], [0, 0]);
      assert.deepEqual(l.holds.map((h) => `${h.snapshot} ${h.tag}`).sort(), [`${r}/a@s2 t1`, `${r}/a@s2 t2`]);

      assert.deepEqual(await host.list([r, `${r}/a`]), l, 'nested roots list each record once');
      assert.deepEqual(await host.list([`${P}/nope`]), { datasets: [], versions: [], holds: [] });
      // a root in a pool that does not exist (a typo in root_fs): the listing says which pool
      assert.deepEqual(await host.list(['zformnopool/x', `${P}/nope`]), { datasets: [], versions: [], holds: [], absentPools: ['zformnopool'] });
      const sub = await host.list([`${r}/a/b`, `${P}/nope`]);
      assert.deepEqual(sub.datasets.map((d) => d.name), [`${r}/a/b`]);
      assert.deepEqual(names(sub, `${r}/a/b`), ['@s1']);
    });

    it('lists a tree of 34 datasets in slices at once: each dataset\'s own snapshots and bookmarks, each once, in order', async () => {
      const r = `${P}/wide`;
      const kids = Array.from({ length: 32 }, (_, i) => `${r}/d${String(i).padStart(2, '0')}`);
      for (const d of [r, ...kids, `${r}/d05/k`]) await host.create(d, {});
      await host.snapshot([r, ...kids, `${r}/d05/k`].map((d) => `${d}@s1`));
      await host.snapshot([`${r}/d05@s2`, `${r}/d31@s2`]);
      await host.bookmark(`${r}/d05@s1`, `${r}/d05#b1`);
      await host.bookmark(`${r}/d31@s2`, `${r}/d31#b2`);
      const c0 = env.commands(host);
      const l = await host.list([r]);
      // the datasets; their snapshots and bookmarks in ceil(34 / 16) = 3 slices at once; the get of zform:placeholder
      // (no candidate: nothing more); no holds
      assert.equal(env.commands(host) - c0, 1 + 3 + 1);
      const all = [r, ...kids.slice(0, 6), `${r}/d05/k`, ...kids.slice(6)];
      assert.deepEqual(l.datasets.map((d) => d.name), all);
      const expected = [r, ...kids.slice(0, 6), `${r}/d05/k`, ...kids.slice(6)].flatMap((d) => {
        if (d === `${r}/d05`) return [`${d}#b1`, `${d}@s1`, `${d}@s2`];
        if (d === `${r}/d31`) return [`${d}@s1`, `${d}#b2`, `${d}@s2`];
        return [`${d}@s1`];
      });
      assert.deepEqual(l.versions.map((v) => `${v.dataset}${v.kind === 'snapshot' ? '@' : '#'}${v.name}`), expected);
      const sub = await host.list([`${r}/d05`]);
      assert.deepEqual(sub.datasets.map((d) => d.name), [`${r}/d05`, `${r}/d05/k`]);
      assert.deepEqual(sub.versions.map((v) => `${v.dataset}${v.kind === 'snapshot' ? '@' : '#'}${v.name}`),
        [`${r}/d05#b1`, `${r}/d05@s1`, `${r}/d05@s2`, `${r}/d05/k@s1`]);
    });

    it('snapshot: one command is atomic, an existing name or a missing dataset fails all of it', async () => {
      const r = `${P}/snap`;
      await host.create(r, {});
      await host.create(`${r}/a`, {});
      await host.snapshot([`${r}@x`, `${r}/a@x`]);
      await rejectsWith(host.snapshot([`${r}@y`, `${r}/a@x`]), 'dataset_exists', /dataset already exists/);
      await rejectsWith(host.snapshot([`${r}@z`, `${r}/missing@z`]), 'dataset_does_not_exist');
      const l = await host.list([r]);
      assert.deepEqual(names(l, r), ['@x']);
      assert.deepEqual(names(l, `${r}/a`), ['@x']);
      assert.equal(version(l, `${r}@x`).createtxg, version(l, `${r}/a@x`).createtxg);
    });

    it('bookmark: the same GUID again is fine, another is bookmark_exists, a bookmark copies a bookmark', async () => {
      const r = `${P}/bm`;
      await host.create(r, {});
      await host.snapshot([`${r}@s1`]);
      await host.snapshot([`${r}@s2`]);
      await host.bookmark(`${r}@s1`, `${r}#b`);
      await host.bookmark(`${r}@s1`, `${r}#b`);
      await rejectsWith(host.bookmark(`${r}@s2`, `${r}#b`), 'bookmark_exists', /bookmark exists/);
      await host.bookmark(`${r}#b`, `${r}#c`);
      await rejectsWith(host.bookmark(`${r}@nope`, `${r}#d`), 'dataset_does_not_exist');
      const l = await host.list([r]);
      assert.deepEqual(names(l, r), ['#b', '#c', '@s1', '@s2']);
      assert.equal(version(l, `${r}#c`).guid, version(l, `${r}@s1`).guid);
      assert.equal(version(l, `${r}#c`).createtxg, version(l, `${r}@s1`).createtxg);
    });

    it('bookmarkGroups: the bookmarks of many datasets in one command, destroys one each; a failed group stops there', async () => {
      const r = `${P}/bmg`;
      await host.create(r, {});
      for (const d of ['a', 'b', 'c']) await host.create(`${r}/${d}`, {});
      await host.snapshot([`${r}/a@s1`, `${r}/b@s1`, `${r}/c@s1`]);
      await host.snapshot([`${r}/a@s2`, `${r}/b@s2`, `${r}/c@s2`]);
      await host.bookmark(`${r}/a@s1`, `${r}/a#old`);
      await host.bookmark(`${r}/b@s1`, `${r}/b#old`);
      await host.bookmark(`${r}/c@s1`, `${r}/c#new`); // c's new name already taken by another snapshot's bookmark
      await host.bookmark(`${r}/c@s1`, `${r}/c#old`);
      const moves = (d: string): BookmarkOp[] => [
        { op: 'bookmark', snapshot: `${d}@s2`, bookmark: `${d}#new` },
        { op: 'bookmark', snapshot: `${d}@s1`, bookmark: `${d}#t1` },
        { op: 'destroy', bookmark: `${d}#old` },
      ];
      const c0 = env.commands(host);
      const res = await host.bookmarkGroups([moves(`${r}/a`), [], moves(`${r}/c`), moves(`${r}/b`)]);
      // one program makes a's, b's and c's bookmarks; a's and b's old ones go one command each; c's existing name
      // is checked on its own (zfs bookmark, then zfs get guid) and c stops there
      assert.equal(env.commands(host) - c0, 1 + 2 + 2);
      assert.deepEqual([res[0], res[1], res[3]], [null, null, null]);
      assert.equal(res[2]?.op, 0, 'c stopped at its first operation');
      assert.equal(res[2]?.error.code, 'bookmark_exists');
      const l = await host.list([r]);
      for (const d of ['a', 'b']) {
        assert.deepEqual(names(l, `${r}/${d}`), ['#t1', '@s1', '#new', '@s2'], d);
        assert.equal(version(l, `${r}/${d}#new`).guid, version(l, `${r}/${d}@s2`).guid, d);
      }
      assert.ok(names(l, `${r}/c`).includes('#old'), 'c\'s group stopped before its destroy');
      // again: the bookmarks exist with the right GUIDs and the destroyed ones are missing, so nothing fails
      assert.deepEqual(await host.bookmarkGroups([moves(`${r}/a`), moves(`${r}/b`)]), [null, null]);
      const bad = await host.bookmarkGroups([
        [{ op: 'bookmark', snapshot: `${r}/a@nope`, bookmark: `${r}/a#x` }, { op: 'destroy', bookmark: `${r}/a#new` }],
        [{ op: 'bookmark', snapshot: `${r}/b@s2`, bookmark: `${r}/b#y` }, { op: 'destroy', bookmark: `${r}/b#new` }],
      ]);
      assert.equal(bad[0]?.op, 0);
      assert.equal(bad[0]?.error.code, 'dataset_does_not_exist');
      assert.equal(bad[1], null);
      const l2 = await host.list([r]);
      assert.ok(names(l2, `${r}/a`).includes('#new'), 'a\'s destroy did not run after its failed bookmark');
      assert.deepEqual(names(l2, `${r}/b`), ['#t1', '@s1', '#y', '@s2']);
    });

    it('hold and release: idempotent, each snapshot on its own, missing ones', async () => {
      const r = `${P}/hold`;
      await host.create(r, {});
      await host.snapshot([`${r}@s1`]);
      await host.snapshot([`${r}@s2`]);
      await host.hold('t', [`${r}@s1`]);
      await host.hold('t', [`${r}@s1`, `${r}@s2`]);
      let l = await host.list([r]);
      assert.deepEqual(l.holds.map((h) => `${h.snapshot} ${h.tag}`).sort(), [`${r}@s1 t`, `${r}@s2 t`]);
      // a missing snapshot fails the command, yet the others of it are held
      await rejectsWith(host.hold('u', [`${r}@nope`, `${r}@s1`]), 'dataset_does_not_exist', /nope/);
      await host.release('t', [`${r}@s1`, `${r}@s2`, `${r}@nope`]);
      await host.release('t', [`${r}@s1`]);
      await host.release('t', [`${P}/missing@x`]);
      l = await host.list([r]);
      assert.deepEqual(l.holds.map((h) => `${h.snapshot} ${h.tag}`), [`${r}@s1 u`]);
      assert.deepEqual(l.versions.map((v) => v.userrefs), [1, 0]);
    });

    it('destroy: batched per dataset; a held snapshot is dataset_busy after the rest is gone; missing ones are fine', async () => {
      const r = `${P}/destroy`;
      await host.create(r, {});
      await host.create(`${r}/a`, {});
      await host.snapshot([`${r}@1`, `${r}/a@1`]);
      await host.snapshot([`${r}@2`]);
      await host.snapshot([`${r}@3`]);
      await host.bookmark(`${r}@1`, `${r}#b1`);
      await host.hold('keep', [`${r}@2`]);
      await rejectsWith(host.destroy([`${r}@1`, `${r}@2`, `${r}@3`, `${r}/a@1`, `${r}#b1`, `${r}#nope`, `${r}@nope`]), 'dataset_busy', HELD('@2: '));
      let l = await host.list([r]);
      assert.deepEqual(names(l, r), ['@2']);
      assert.deepEqual(names(l, `${r}/a`), []);
      await host.destroy([`${r}@nope`, `${r}#nope`, `${P}/missing@x`, `${P}/missing#x`]);
      await host.release('keep', [`${r}@2`]);
      await host.destroy([`${r}@2`]);
      l = await host.list([r]);
      assert.deepEqual(l.versions, []);
    });

    it('rollback: newer snapshots or bookmarks need -r; -r destroys them all but held ones (dataset_busy, no rollback)', async () => {
      const r = `${P}/rollback`;
      await host.create(r, {});
      await host.snapshot([`${r}@1`]);
      await env.write(host, r, 64 * KiB);
      await host.snapshot([`${r}@2`]);
      await host.bookmark(`${r}@2`, `${r}#b2`);
      await env.write(host, r, 64 * KiB);
      await host.snapshot([`${r}@3`]);
      await host.bookmark(`${r}@3`, `${r}#b3`);
      await host.hold('h', [`${r}@3`]);
      await host.snapshot([`${r}@4`]);
      await env.write(host, r, 64 * KiB);
      await rejectsWith(host.rollback(`${r}@2`, false), 'unknown', /more recent snapshots or bookmarks exist/);
      await rejectsWith(host.rollback(`${r}@2`, true), 'dataset_busy', HELD("@3': "));
      let l = await host.list([r]);
      assert.deepEqual(names(l, r), ['@1', '#b2', '@2', '@3'], 'the newer bookmark and the unheld snapshot are gone');
      assert.ok(l.datasets[0]!.written > 0, 'not rolled back');
      await host.release('h', [`${r}@3`]);
      await host.rollback(`${r}@2`, true);
      l = await host.list([r]);
      assert.deepEqual(names(l, r), ['@1', '#b2', '@2']);
      assert.equal(l.datasets[0]!.written, 0);
      await rejectsWith(host.rollback(`${r}@nope`, false), 'dataset_does_not_exist');
    });

    it('clones: numclones listed; destroy and rollback -r refuse snapshots with clones, destroying nothing; gone with the clone', async () => {
      const r = `${P}/clones`;
      await host.create(r, {});
      for (const n of ['1', '2', '3']) await host.snapshot([`${r}@${n}`]);
      await host.bookmark(`${r}@2`, `${r}#b2`);
      await env.clone(host, `${r}@2`, `${P}/clone2`);
      await env.clone(host, `${r}@2`, `${P}/clone2b`);
      await env.clone(host, `${r}@3`, `${P}/clone3`);
      let l = await host.list([r]);
      assert.deepEqual(l.versions.map((v) => `${v.kind === 'snapshot' ? '@' : '#'}${v.name}:${v.clones}`), ['@1:0', '#b2:0', '@2:2', '@3:1']);
      await rejectsWith(host.destroy([`${r}@1`, `${r}@2`]), 'unknown', /cannot destroy '[^']*@2': snapshot has dependent clones/);
      await rejectsWith(host.rollback(`${r}@1`, true), 'unknown', /clones of previous snapshots exist/);
      l = await host.list([r]);
      assert.deepEqual(names(l, r).filter((n) => n !== '@1'), ['#b2', '@2', '@3'], 'nothing with clones destroyed, the rollback destroyed nothing');
      await host.destroyDataset(`${P}/clone3`);
      await host.destroyDataset(`${P}/clone2`);
      await host.destroyDataset(`${P}/clone2b`);
      assert.ok((await host.list([r])).versions.every((v) => v.clones === 0), 'no clones left');
      await host.destroy([`${r}@2`, `${r}@3`]);
      assert.deepEqual(names(await host.list([r]), r).filter((n) => n !== '@1'), ['#b2']);
    });

    it('clone-aware replication: -i from a clone\'s origin is received as a clone of the peer\'s copy of the origin', async () => {
      const r = `${P}/cltmpl`;
      const c = `${P}/clvm`;
      const t = `${Q}/cltmpl`;
      const u = `${Q}/clvm`;
      await host.create(r, {});
      await env.write(host, r, 128 * KiB);
      await host.snapshot([`${r}@base`]);
      await env.clone(host, `${r}@base`, c);
      await env.write(host, c, 64 * KiB);
      await host.snapshot([`${c}@a`]);
      assert.deepEqual((await host.list([c])).datasets.map((d) => [d.name, d.origin]), [[c, `${r}@base`]]);
      // the peer has no snapshot with the origin's GUID yet
      await rejectsWith(runTransfer(host.send(incr(`${r}@base`, `${c}@a`)), peer.receive(recv(u))), 'unknown',
        new RegExp(`cannot receive: local origin for clone ${u}@a does not exist`));
      assert.deepEqual((await peer.list([u])).datasets, []);
      await runTransfer(host.send(full(`${r}@base`)), peer.receive(recv(t)));
      await peer.snapshot([`${t}@other`]);
      await rejectsWith(runTransfer(host.send(incr(`${r}@base`, `${c}@a`)), peer.receive(recv(u, { origin: `${t}@other` }))), 'unknown',
        /most recent snapshot of .* does not\s+match incremental source/);
      assert.deepEqual((await peer.list([u])).datasets, [], 'nothing created');
      await runTransfer(host.send(incr(`${r}@base`, `${c}@a`)), peer.receive(recv(u, { origin: `${t}@base` })));
      let l = await peer.list([u]);
      assert.deepEqual(l.datasets.map((d) => [d.name, d.origin, d.resumeToken]), [[u, `${t}@base`, null]]);
      assert.deepEqual(names(l, u), ['@a']);
      assert.equal(version(l, `${u}@a`).guid, version(await host.list([c]), `${c}@a`).guid);
      assert.equal(version(await peer.list([t]), `${t}@base`).clones, 1);
      await rejectsWith(peer.destroy([`${t}@base`]), 'unknown', /cannot destroy '[^']*@base': snapshot has dependent clones/);
      await peer.bookmark(`${u}@a`, `${u}#ba`);
      // and on from there as for any dataset
      await env.write(host, c, 64 * KiB);
      await host.snapshot([`${c}@b`]);
      await runTransfer(host.send(incr(`${c}@a`, `${c}@b`)), peer.receive(recv(u)));
      l = await peer.list([u]);
      assert.deepEqual(l.datasets.map((d) => [d.name, d.origin]), [[u, `${t}@base`]]);
      assert.deepEqual(names(l, u), ['#ba', '@a', '@b']);
      assert.equal(version(l, `${u}#ba`).guid, version(l, `${u}@a`).guid);
      assert.equal(version(l, `${u}@b`).guid, version(await host.list([c]), `${c}@b`).guid);
    });

    it('hold and release across datasets in one command: each snapshot on its own; the error names only real failures', async () => {
      const r = `${P}/holdmany`;
      await host.create(r, {});
      await host.create(`${r}/a`, {});
      await host.create(`${r}/b`, {});
      await host.snapshot([`${r}/a@s1`, `${r}/b@s1`]);
      await host.snapshot([`${r}/a@s2`]);
      await host.hold('t', [`${r}/a@s1`]);
      // a@s1 already has the tag (fine), c does not exist, b@s9 does not exist: the rest is held all the same
      const err = await rejectsWith(host.hold('t', [`${r}/a@s1`, `${r}/c@s1`, `${r}/a@s2`, `${r}/b@s9`, `${r}/b@s1`]), 'dataset_does_not_exist');
      assert.doesNotMatch(err.message, /tag already exists/);
      assert.match(err.message, new RegExp(`${r}/c`));
      let l = await host.list([r]);
      assert.deepEqual(l.holds.map((h) => `${h.snapshot} ${h.tag}`).sort(), [`${r}/a@s1 t`, `${r}/a@s2 t`, `${r}/b@s1 t`]);
      await host.release('t', [`${r}/a@s1`, `${r}/b@s1`, `${r}/c@s1`, `${r}/a@s2`]);
      l = await host.list([r]);
      assert.deepEqual(l.holds, []);
    });

    it('getGuids: many names in one command, datasets, snapshots and bookmarks; missing names are absent', async () => {
      const r = `${P}/guids`;
      await host.create(r, {});
      await host.create(`${r}/a`, {});
      await host.snapshot([`${r}@s1`, `${r}/a@s1`]);
      await host.bookmark(`${r}/a@s1`, `${r}/a#b1`);
      const before = env.commands(host);
      const m = await host.getGuids([`${r}@s1`, `${r}/a@s1`, `${r}/a#b1`, `${r}/a`, `${r}/a@nope`, `${r}/a#nope`, `${P}/missing@x`]);
      assert.equal(env.commands(host) - before, 1);
      const l = await host.list([r]);
      assert.deepEqual([...m.keys()].sort(), [`${r}/a`, `${r}/a#b1`, `${r}/a@s1`, `${r}@s1`]);
      assert.equal(m.get(`${r}/a@s1`), version(l, `${r}/a@s1`).guid);
      assert.equal(m.get(`${r}/a#b1`), m.get(`${r}/a@s1`));
      assert.equal(m.get(`${r}/a`), l.datasets.find((d) => d.name === `${r}/a`)!.guid);
      assert.equal((await host.getGuids([])).size, 0);
    });

    it('create, getProperties, setProperties: errors and inherited user properties', async () => {
      const r = `${P}/props`;
      await host.create(r, { 'zform:placeholder': 'on' });
      await rejectsWith(host.create(r, {}), 'dataset_exists', /dataset already exists/);
      await rejectsWith(host.create(`${r}/x/y`, {}), 'dataset_does_not_exist', /parent does not exist/);
      await host.create(`${r}/kid`, {});
      assert.deepEqual(await host.getProperties(r, ['zform:placeholder', 'zform:other']), { 'zform:placeholder': 'on', 'zform:other': '-' });
      assert.deepEqual(await host.getProperties(`${r}/kid`, ['zform:placeholder']), { 'zform:placeholder': 'on' });
      let l = await host.list([r]);
      assert.deepEqual(l.datasets.map((d) => [d.name, d.placeholder]), [[r, true], [`${r}/kid`, false]]);
      const props = await host.getProperties(r, ['guid', 'type']);
      assert.deepEqual(props, { guid: l.datasets[0]!.guid, type: 'filesystem' });
      assert.deepEqual(await host.getProperties(r, []), {});
      await host.setProperties(r, { 'zform:placeholder': 'off', 'zform:note': 'a b' });
      assert.deepEqual(await host.getProperties(`${r}/kid`, ['zform:note']), { 'zform:note': 'a b' });
      l = await host.list([r]);
      assert.deepEqual(l.datasets.map((d) => d.placeholder), [false, false]);
      await rejectsWith(host.getProperties(`${P}/missing`, ['guid']), 'dataset_does_not_exist');
      await rejectsWith(host.setProperties(`${P}/missing`, { 'zform:x': '1' }), 'dataset_does_not_exist');
    });

    it('full send/receive: the snapshot keeps GUID and creation, the dataset gets its own GUID; -o sets properties', async () => {
      const r = `${P}/full`;
      const t = `${Q}/full`;
      await host.create(r, {});
      await env.write(host, r, 256 * KiB);
      await host.snapshot([`${r}@s1`]);
      const estimate = await host.estimateSend(full(`${r}@s1`));
      assert.ok(estimate >= 200 * KiB && estimate <= 600 * KiB, `estimate ${estimate}`);
      const { bytes } = await runTransfer(host.send(full(`${r}@s1`)), peer.receive(recv(t, { override: { 'zform:x': '1' } })));
      assert.ok(bytes >= 200 * KiB && bytes <= 600 * KiB, `bytes ${bytes}`);
      const src = await host.list([r]);
      const dst = await peer.list([t]);
      assert.deepEqual(dst.datasets.map((d) => [d.name, d.written, d.resumeToken, d.placeholder]), [[t, 0, null, false]]);
      assert.notEqual(dst.datasets[0]!.guid, src.datasets[0]!.guid);
      const a = version(src, `${r}@s1`);
      const b = version(dst, `${t}@s1`);
      assert.deepEqual([b.guid, b.creation], [a.guid, a.creation]);
      assert.ok(b.written >= 200 * KiB, `written ${b.written}`);
      assert.deepEqual(await peer.getProperties(t, ['zform:x']), { 'zform:x': '1' });

      await rejectsWith(runTransfer(host.send(full(`${r}@s1`)), peer.receive(recv(t))), 'dataset_exists', /exists/);
      await rejectsWith(runTransfer(host.send(full(`${r}@s1`)), peer.receive(recv(`${Q}/nope/child`))), 'dataset_does_not_exist');
      await rejectsWith(runTransfer(host.send(full(`${r}@nope`)), peer.receive(recv(`${Q}/full2`))), 'dataset_does_not_exist', /nope/);
      assert.deepEqual((await peer.list([`${Q}/full2`])).datasets, []);
    });

    it('incremental: -i skips intermediates, -I delivers them, GUIDs and order match; a snapshot already there is a no-op', async () => {
      const r = `${P}/inc`;
      const t = `${Q}/inc`;
      await host.create(r, {});
      await host.snapshot([`${r}@1`]);
      await env.write(host, r, 128 * KiB);
      await host.snapshot([`${r}@2`]);
      await env.write(host, r, 128 * KiB);
      await host.snapshot([`${r}@3`]);
      await host.snapshot([`${r}@4`]);
      await env.write(host, r, 64 * KiB);
      await host.snapshot([`${r}@5`]);
      await runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t)));
      const est = await host.estimateSend(incr(`${r}@1`, `${r}@3`));
      assert.ok(est >= 200 * KiB && est <= 600 * KiB, `estimate ${est}`);
      await runTransfer(host.send(incr(`${r}@1`, `${r}@3`)), peer.receive(recv(t)));
      assert.deepEqual(names(await peer.list([t]), t), ['@1', '@3']);
      await runTransfer(host.send(incr(`${r}@3`, `${r}@5`, true)), peer.receive(recv(t)));
      const src = await host.list([r]);
      let dst = await peer.list([t]);
      assert.deepEqual(names(dst, t), ['@1', '@3', '@4', '@5']);
      for (const s of ['1', '3', '4', '5']) assert.equal(version(dst, `${t}@${s}`).guid, version(src, `${r}@${s}`).guid, s);
      const txgs = dst.versions.map((v) => v.createtxg);
      assert.deepEqual([...txgs].sort((x, y) => x - y), txgs);
      assert.equal(new Set(txgs).size, 4);
      assert.ok(version(dst, `${t}@3`).written >= 200 * KiB, 'the -i step carries both writes');
      assert.equal(dst.datasets[0]!.written, 0);
      await runTransfer(host.send(incr(`${r}@3`, `${r}@5`, true)), peer.receive(recv(t)));
      dst = await peer.list([t]);
      assert.deepEqual(names(dst, t), ['@1', '@3', '@4', '@5']);
    });

    it('incremental from a bookmark after its snapshot is gone; -I from a bookmark is refused', async () => {
      const r = `${P}/bmsrc`;
      const t = `${Q}/bmsrc`;
      await host.create(r, {});
      await host.snapshot([`${r}@1`]);
      await runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t)));
      await host.bookmark(`${r}@1`, `${r}#c1`);
      await env.write(host, r, 64 * KiB);
      await host.snapshot([`${r}@2`]);
      await host.destroy([`${r}@1`]);
      const est = await host.estimateSend(incr(`${r}#c1`, `${r}@2`));
      assert.ok(est >= 48 * KiB && est <= 300 * KiB, `estimate ${est}`);
      await runTransfer(host.send(incr(`${r}#c1`, `${r}@2`)), peer.receive(recv(t)));
      const dst = await peer.list([t]);
      assert.deepEqual(names(dst, t), ['@1', '@2']);
      assert.equal(version(dst, `${t}@2`).guid, version(await host.list([r]), `${r}@2`).guid);
      await host.snapshot([`${r}@3`]);
      const e = await rejectsWith(runTransfer(host.send(incr(`${r}#c1`, `${r}@3`, true)), peer.receive(recv(t))), 'unknown',
        /multiple snapshots cannot be sent from a bookmark/);
      assert.equal((e as TransferError).side, 'send');
    });

    it('incremental into a target that moved on: newer empty snapshots are fine, data is destination_modified', async () => {
      const r = `${P}/moved`;
      const t = `${Q}/moved`;
      await host.create(r, {});
      await host.snapshot([`${r}@1`]);
      await runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t)));
      await env.write(host, r, 64 * KiB);
      await host.snapshot([`${r}@2`]);
      // OpenZFS accepts the stream when nothing changed on the target after `from`, even with newer snapshots
      await peer.snapshot([`${t}@empty`]);
      await runTransfer(host.send(incr(`${r}@1`, `${r}@2`)), peer.receive(recv(t)));
      assert.deepEqual(names(await peer.list([t]), t), ['@1', '@empty', '@2']);

      await env.write(host, r, 64 * KiB);
      await host.snapshot([`${r}@3`]);
      await env.write(peer, t, 64 * KiB);
      assert.ok((await peer.list([t])).datasets[0]!.written > 0);
      await rejectsWith(runTransfer(host.send(incr(`${r}@2`, `${r}@3`)), peer.receive(recv(t))), 'destination_modified');
      await peer.rollback(`${t}@2`, false);
      assert.equal((await peer.list([t])).datasets[0]!.written, 0);

      await env.write(peer, t, 64 * KiB);
      await peer.snapshot([`${t}@local`]);
      await rejectsWith(runTransfer(host.send(incr(`${r}@2`, `${r}@3`)), peer.receive(recv(t))), 'destination_modified');
      await peer.rollback(`${t}@2`, true);

      await host.snapshot([`${r}@4`]);
      await host.snapshot([`${r}@5`]);
      await rejectsWith(runTransfer(host.send(incr(`${r}@4`, `${r}@5`)), peer.receive(recv(t))), 'unknown',
        /most recent snapshot of .* does not\s+match incremental source/);
      await rejectsWith(runTransfer(host.send(incr(`${r}@4`, `${r}@5`)), peer.receive(recv(`${Q}/moved-missing`))), 'dataset_does_not_exist');
      await runTransfer(host.send(incr(`${r}@2`, `${r}@5`, true)), peer.receive(recv(t)));
      assert.deepEqual(names(await peer.list([t]), t), ['@1', '@empty', '@2', '@3', '@4', '@5']);
    });

    it('resume: a cut full receive with -s lists a token, which the sender decodes and resumes to the end', async () => {
      const r = `${P}/resume`;
      const t = `${Q}/resume`;
      await host.create(r, {});
      await env.write(host, r, 1 * MiB);
      await host.snapshot([`${r}@1`]);
      const cut = await cutTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t, { resumable: true })), 256 * KiB);
      assert.equal(cut.code, 'stream_read_failure');
      assert.match(cut.stderr, /checksum mismatch or incomplete stream\.\nPartially received snapshot is saved\./);
      const partial = await peer.list([t]);
      assert.equal(partial.datasets.length, 1, 'the partially received dataset is listed');
      const token = partial.datasets[0]!.resumeToken;
      assert.ok(token, 'it has a token');
      assert.deepEqual(partial.versions, []);
      const src = await host.list([r]);
      const info = await host.decodeResumeToken(token);
      assert.equal(info.toname, `${r}@1`);
      assert.equal(info.toguid, version(src, `${r}@1`).guid);
      assert.equal(info.fromguid, undefined);
      assert.equal(info.rawok, false);
      assert.ok(info.bytes !== undefined && info.bytes > 0 && info.bytes < 512 * KiB, `bytes ${info.bytes}`);
      await rejectsWith(runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t, { resumable: true }))), 'dataset_exists');
      await runTransfer(host.send({ kind: 'resume', token }), peer.receive(recv(t, { resumable: true })));
      const done = await peer.list([t]);
      assert.deepEqual(done.datasets.map((d) => [d.name, d.guid, d.resumeToken]), [[t, partial.datasets[0]!.guid, null]]);
      assert.deepEqual(names(done, t), ['@1']);
      assert.equal(version(done, `${t}@1`).guid, info.toguid);
    });

    it('resume: a cut incremental blocks other receives and its origin snapshot; abort clears it', async () => {
      const r = `${P}/resinc`;
      const t = `${Q}/resinc`;
      await host.create(r, {});
      await host.snapshot([`${r}@1`]);
      await runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t)));
      await env.write(host, r, 1 * MiB);
      await host.snapshot([`${r}@2`]);
      await cutTransfer(host.send(incr(`${r}@1`, `${r}@2`)), peer.receive(recv(t, { resumable: true })), 256 * KiB);
      const l = await peer.list([t]);
      assert.deepEqual(l.datasets.map((d) => d.name), [t], 'the partial clone is hidden');
      assert.deepEqual(names(l, t), ['@1']);
      const token = l.datasets[0]!.resumeToken!;
      const src = await host.list([r]);
      const info = await host.decodeResumeToken(token);
      assert.deepEqual([info.toname, info.toguid, info.fromguid], [`${r}@2`, version(src, `${r}@2`).guid, version(src, `${r}@1`).guid]);
      await rejectsWith(runTransfer(host.send(incr(`${r}@1`, `${r}@2`)), peer.receive(recv(t))), 'unknown', /partially-complete state/);
      await rejectsWith(peer.destroy([`${t}@1`]), 'unknown', /dependent clones/);
      await peer.abortResumableReceive(t);
      await peer.abortResumableReceive(t);
      await peer.abortResumableReceive(`${Q}/missing`);
      assert.equal((await peer.list([t])).datasets[0]!.resumeToken, null);
      await runTransfer(host.send(incr(`${r}@1`, `${r}@2`)), peer.receive(recv(t)));
      assert.deepEqual(names(await peer.list([t]), t), ['@1', '@2']);
    });

    it('resume: without -s a cut leaves nothing; a cut resume gives a new token; abort removes a partial new dataset', async () => {
      const r = `${P}/cut`;
      const t = `${Q}/cut`;
      await host.create(r, {});
      await env.write(host, r, 1 * MiB);
      await host.snapshot([`${r}@1`]);
      const e = await cutTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t)), 256 * KiB);
      assert.equal(e.code, 'stream_read_failure');
      assert.doesNotMatch(e.stderr, /Partially received/);
      assert.deepEqual((await peer.list([t])).datasets, []);
      await cutTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t, { resumable: true })), 256 * KiB);
      const token1 = (await peer.list([t])).datasets[0]!.resumeToken!;
      await cutTransfer(host.send({ kind: 'resume', token: token1 }), peer.receive(recv(t, { resumable: true })), 256 * KiB);
      const token2 = (await peer.list([t])).datasets[0]!.resumeToken!;
      assert.notEqual(token2, token1);
      const [b1, b2] = [(await host.decodeResumeToken(token1)).bytes!, (await host.decodeResumeToken(token2)).bytes!];
      assert.ok(b2 > b1, `${b2} > ${b1}`);
      await peer.abortResumableReceive(t);
      assert.deepEqual((await peer.list([t])).datasets, []);
      // a token whose snapshot is gone: `zfs send -nvt` still prints its contents (then exits 1), and the
      // planner needs them to explain why it aborts the receive
      await host.destroy([`${r}@1`]);
      assert.equal((await host.decodeResumeToken(token2)).toname, `${r}@1`);
    });

    it('resume tokens: garbage is resume_token_corrupt when decoded and when sent', async () => {
      await rejectsWith(host.decodeResumeToken('garbage'), 'resume_token_corrupt');
      await rejectsWith(host.decodeResumeToken('1-abc-def-0'), 'resume_token_corrupt');
      const e = await rejectsWith(runTransfer(host.send({ kind: 'resume', token: 'garbage' }), peer.receive(recv(`${Q}/garbage`, { resumable: true }))),
        'resume_token_corrupt');
      assert.equal((e as TransferError).side, 'send');
      assert.deepEqual((await peer.list([`${Q}/garbage`])).datasets, []);
    });

    it('encryption: raw sends stay encrypted with the key unavailable; a plain send needs the key', async () => {
      const r = `${P}/enc`;
      await host.create(r, env.encryptionProps);
      await host.create(`${r}/kid`, {});
      await env.write(host, r, 64 * KiB);
      await host.snapshot([`${r}@1`]);
      const src = await host.list([r]);
      assert.deepEqual(src.datasets.map((d) => [d.name, d.encryption, d.encryptionRoot, d.keyStatus]),
        [[r, 'aes-256-gcm', r, 'available'], [`${r}/kid`, 'aes-256-gcm', r, 'available']]);
      await runTransfer(host.send(full(`${r}@1`, RAW)), peer.receive(recv(`${Q}/enc`)));
      await runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(`${Q}/encplain`)));
      const dst = await peer.list([`${Q}/enc`, `${Q}/encplain`]);
      assert.deepEqual(dst.datasets.map((d) => [d.name, d.encryption, d.encryptionRoot, d.keyStatus]),
        [[`${Q}/enc`, 'aes-256-gcm', `${Q}/enc`, 'unavailable'], [`${Q}/encplain`, 'off', null, null]]);
      assert.equal(version(dst, `${Q}/enc@1`).guid, version(src, `${r}@1`).guid);

      await env.unloadKey(host, r);
      assert.deepEqual((await host.list([r])).datasets.map((d) => d.keyStatus), ['unavailable', 'unavailable']);
      await rejectsWith(runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(`${Q}/enc2`))), 'unknown', /dataset key must be loaded/);
      await host.snapshot([`${r}@2`]);
      await runTransfer(host.send(incr(`${r}@1`, `${r}@2`, false, RAW)), peer.receive(recv(`${Q}/enc`)));
      assert.deepEqual(names(await peer.list([`${Q}/enc`]), `${Q}/enc`), ['@1', '@2']);
    });

    it('a placeholder is replaced only by a forced full receive, and keeps its local zform:placeholder', async () => {
      const r = `${P}/ph`;
      const t = `${Q}/ph`;
      await peer.create(t, { 'zform:placeholder': 'on' });
      await host.create(r, {});
      await host.snapshot([`${r}@1`]);
      await rejectsWith(runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t))), 'dataset_exists', /must specify -F/);
      await runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t, { force: true })));
      const l = await peer.list([t]);
      assert.deepEqual(l.datasets.map((d) => [d.name, d.placeholder]), [[t, true]]);
      assert.equal(version(l, `${t}@1`).guid, version(await host.list([r]), `${r}@1`).guid);
      await rejectsWith(runTransfer(host.send(full(`${r}@1`)), peer.receive(recv(t, { force: true }))), 'unknown', /destination has snapshots/);
    });

    it('a newline in a user property or a hold tag (anyone\'s own) forges no placeholder or hold of another dataset, and fails no listing', async () => {
      const r = `${P}/forge`;
      await host.create(r, {});
      await host.create(`${r}/bob`, {});
      // alice may set properties on and hold her own dataset: her value and her tag each end a line and forge others
      await host.create(`${r}/alice`, { 'zform:placeholder': `x\n${r}/bob\ton\n${r}/carol\tfilesystem\t1\t1\t1\t-\t0\toff\t-\t-\t-` });
      // eve's value ends with a line that her own source ("local") completes: bob "on", set locally
      await host.create(`${r}/eve`, { 'zform:placeholder': `x\n${r}/bob\ton` });
      await host.snapshot([`${r}/alice@s`, `${r}/bob@t`]);
      await host.hold(`x\n${r}/bob@t\tzform_forged\tSat Dec  5 11:01 2026\nthe rest`, [`${r}/alice@s`]);
      await host.hold('keep', [`${r}/bob@t`]);
      const l = await host.list([r]);
      assert.deepEqual(l.datasets.map((d) => [d.name, d.placeholder]), [[r, false], [`${r}/alice`, false], [`${r}/bob`, false], [`${r}/eve`, false]]);
      assert.deepEqual(l.holds.map((h) => [h.snapshot, h.tag]), [[`${r}/bob@t`, 'keep']]);
      assert.deepEqual(l.versions.map((v) => `${v.dataset}@${v.name}`), [`${r}/alice@s`, `${r}/bob@t`]);
    });

    it('counts the commands CommandZfsHost runs', async () => {
      const r = `${P}/count`;
      await host.create(r, {});
      await host.snapshot([`${r}@1`]);
      await host.hold('t', [`${r}@1`]);
      const step = async (fn: () => Promise<unknown>) => {
        const c0 = env.commands(host);
        try { await fn(); } catch { /* counted anyway */ }
        return env.commands(host) - c0;
      };
      assert.equal(await step(() => host.list([r])), 4, 'datasets, their snapshots and bookmarks, placeholders, holds');
      assert.equal(await step(() => host.list([`${P}/nope`])), 2, 'the datasets, then whether the missing root\'s pool exists');
      await host.create(`${r}/ph`, { 'zform:placeholder': 'on' });
      assert.equal(await step(() => host.list([r])), 4, 'a placeholder: the one get answers (one line per dataset)');
      assert.equal(await step(() => host.hold('t', [`${r}@1`])), 1);
      assert.equal(await step(() => host.bookmark(`${r}@1`, `${r}#b`)), 1);
      assert.equal(await step(() => host.bookmark(`${r}@1`, `${r}#b`)), 2, 'bookmark exists: compare GUIDs');
      assert.equal(await step(() => host.destroy([`${r}@1`, `${r}#b`])), 2, 'one per snapshot batch and bookmark');
      assert.equal(await step(() => host.getProperties(r, [])), 0);
      const f = await host.features();
      assert.deepEqual([f.resumableReceive, f.encryption, f.bookmarks, f.rawSend], [true, true, true, true]);
      assert.match(f.version, /^zfs-\d/);
      assert.equal(await step(() => host.features()), 0, 'probed once');
    });
  });
}
