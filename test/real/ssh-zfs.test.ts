// The SSH transport on real OpenZFS (the guest's own sshd on 127.0.0.1:22): hostile dataset names and property
// values reach zfs literally, and send/receive streams run local→SSH, SSH→local and SSH→SSH, cut on either side.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createPool, q, requireGuest, sh, writeFile, type Pool } from './lib.js';
import { setupSshLogin } from './apply-helpers.js';
import { CommandZfsHost } from '../../src/zfs/host.js';
import { LocalExecutor } from '../../src/zfs/local.js';
import { runZfsResult } from '../../src/zfs/run.js';
import { TransferError, runTransfer } from '../../src/zfs/transfer.js';
import { SshExecutor } from '../../src/zfs/ssh.js';
import type { SshConfig } from '../../src/config/types.js';
import type { ReceiveArgs, SendFlags } from '../../src/zfs/types.js';

requireGuest(import.meta.url);

const MiB = 1024 * 1024;
const NO_FLAGS: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const recvArgs = (dataset: string, o: Partial<ReceiveArgs> = {}): ReceiveArgs =>
  ({ dataset, resumable: false, force: false, noMount: true, override: {}, inherit: [], ...o });

// A uid-0 login with /bin/sh (setupSshLogin): root's .bashrc on this machine is slow under emulation.
const USER = 'zformssh';

async function sshConfig(): Promise<SshConfig> {
  const login = await setupSshLogin(USER);
  return {
    host: '127.0.0.1', port: 22, user: login.user, identityFile: login.identityFile, knownHosts: login.knownHosts,
    connectTimeoutMs: 20_000, keepaliveIntervalMs: 15_000,
  };
}

async function guid(name: string): Promise<string> {
  return (await sh(`zfs get -H -p -o value guid ${q(name)}`)).trim();
}

/** zfs send/receive processes still running that name the pool. */
async function zfsStreams(pool: string): Promise<string[]> {
  const out = await sh(`ps -eo args= | grep -E '^zfs (send|receive|recv) ' | grep -F ${q(pool)} || true`);
  return out.split('\n').filter((l) => l !== '');
}

describe('SSH transport on real OpenZFS', () => {
  let pool: Pool;
  let cfg: SshConfig;
  let sshExec: SshExecutor;
  let remote: CommandZfsHost;
  let remote2: CommandZfsHost;
  const local = new CommandZfsHost(new LocalExecutor('local'));

  before(async () => {
    pool = await createPool('zssh', { sizeMiB: 512, mounted: true });
    cfg = await sshConfig();
    sshExec = new SshExecutor('nas', cfg);
    remote = new CommandZfsHost(sshExec);
    remote2 = new CommandZfsHost(new SshExecutor('nas2', cfg)); // a second connection, for SSH→SSH
    await sh('zfs create zssh/big && zfs create zssh/recv');
    await writeFile('zssh/big', 'data', 24 * MiB);
    await sh('zfs snapshot zssh/big@s1');
  });
  after(async () => {
    await remote.close();
    await remote2.close();
    await local.close();
    await pool.destroy();
  });

  it('names with spaces, colons, dots, dashes and underscores: created, snapshotted and listed over SSH', async () => {
    const a = 'zssh/a b';
    const c = 'zssh/a b/c:d.e-f_g  two spaces';
    await remote.create(a, {});
    await remote.create(c, {});
    await remote.snapshot([`${a}@snap 1`, `${c}@s:2.x-y_z w`]);
    const listing = await remote.list([a]);
    assert.deepEqual(listing.datasets.map((d) => d.name), [a, c]);
    assert.deepEqual(listing.versions.map((v) => `${v.dataset}@${v.name}`), [`${a}@snap 1`, `${c}@s:2.x-y_z w`]);
    // zfs itself agrees, and the GUIDs the listing read over SSH are the real ones
    assert.equal(await sh(`zfs list -H -o name -r -t all ${q(a)}`), `${a}\n${a}@snap 1\n${c}\n${c}@s:2.x-y_z w\n`);
    assert.equal(listing.versions[0]!.guid, await guid(`${a}@snap 1`));
  });

  it('a property value full of shell syntax round-trips exactly and runs nothing', async () => {
    const marker = '/tmp/zform-pwned-prop';
    const value = `$(touch ${marker}) \`touch ${marker}\` ; touch ${marker} | & > < it's "quoted" \\ * ? ~ # {a,b} $HOME`;
    await remote.setProperties('zssh/a b', { 'zform:note': value });
    assert.deepEqual(await remote.getProperties('zssh/a b', ['zform:note']), { 'zform:note': value });
    assert.equal((await sh(`zfs get -H -o value zform:note ${q('zssh/a b')}`)).replace(/\n$/, ''), value);
    assert.equal(existsSync(marker), false);
  });

  it('names with characters ZFS forbids reach zfs literally and zfs rejects them itself; the shell runs nothing', async () => {
    const hostile: [string, string][] = [
      ['zssh/a;touch /tmp/zform-pwned-1', ';'],
      ['zssh/$(touch /tmp/zform-pwned-2)', '$'],
      ['zssh/`touch /tmp/zform-pwned-3`', '`'],
      ['zssh/a|touch /tmp/zform-pwned-4', '|'],
      ['zssh/a&&touch /tmp/zform-pwned-5', '&'],
      ['zssh/a>/tmp/zform-pwned-6', '>'],
      ["zssh/it's", "'"],
      ['zssh/a"b', '"'],
      ['zssh/a\ntouch /tmp/zform-pwned-7', '\n'],
      ['zssh/a*', '*'],
      ['zssh/$HOME', '$'],
    ];
    for (const [name, bad] of hostile) {
      const r = await runZfsResult(sshExec, ['zfs', 'create', name]);
      assert.notEqual(r.code, 0, name);
      assert.equal(r.signal, null);
      assert.equal(r.stderr, `cannot create '${name}': invalid character '${bad}' in name\n`, name);
    }
    for (let i = 1; i <= 7; i++) assert.equal(existsSync(`/tmp/zform-pwned-${i}`), false, `pwned-${i}`);
    assert.equal(await sh(`zfs list -H -o name -r zssh | grep -c pwned || true`), '0\n');
  });

  it('SSH send → local receive: the received snapshot has the source GUID', async () => {
    const r = await runTransfer(remote.send({ kind: 'full', snapshot: 'zssh/big@s1', flags: NO_FLAGS }), local.receive(recvArgs('zssh/recv/from ssh')));
    assert.ok(r.bytes > 24 * MiB, `${r.bytes}`);
    assert.equal(await guid('zssh/recv/from ssh@s1'), await guid('zssh/big@s1'));
  });

  it('local send → SSH receive: the received snapshot has the source GUID', async () => {
    await runTransfer(local.send({ kind: 'full', snapshot: 'zssh/big@s1', flags: NO_FLAGS }), remote.receive(recvArgs('zssh/recv/to ssh')));
    assert.equal(await guid('zssh/recv/to ssh@s1'), await guid('zssh/big@s1'));
  });

  it('SSH → SSH, relayed through us over two connections: the received snapshot has the source GUID', async () => {
    await runTransfer(remote.send({ kind: 'full', snapshot: 'zssh/big@s1', flags: NO_FLAGS }), remote2.receive(recvArgs('zssh/recv/relayed')));
    assert.equal(await guid('zssh/recv/relayed@s1'), await guid('zssh/big@s1'));
  });

  it('killing the SSH receive mid-stream ends the local send; the partial state then resumes over SSH', async () => {
    const target = 'zssh/recv/cut recv';
    const recv = remote.receive(recvArgs(target, { resumable: true }));
    const send = local.send({ kind: 'full', snapshot: 'zssh/big@s1', flags: NO_FLAGS });
    let killed = false;
    const err = await runTransfer(send, recv, {
      onProgress: (bytes) => { if (!killed && bytes > 4 * MiB) { killed = true; recv.kill('SIGTERM'); } },
    }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof TransferError, String(err));
    assert.ok(err.bytes < 24 * MiB, `${err.bytes}`);
    // both processes have ended (runTransfer waited for both), and none is left running on either side
    await assert.rejects(send.done);
    await assert.rejects(recv.done);
    assert.deepEqual(await zfsStreams('zssh'), []);
    // the remote receive ended on EOF (not SIGKILL), so it saved its resumable state
    const token = (await sh(`zfs get -H -o value receive_resume_token ${q(target)}`)).trim();
    assert.match(token, /^1-[0-9a-f]+-/);
    await runTransfer(local.send({ kind: 'resume', token }), remote.receive(recvArgs(target, { resumable: true })));
    assert.equal(await guid(`${target}@s1`), await guid('zssh/big@s1'));
  });

  it('killing the SSH send mid-stream ends the local receive', async () => {
    const target = 'zssh/recv/cut send';
    const send = remote.send({ kind: 'full', snapshot: 'zssh/big@s1', flags: NO_FLAGS });
    const recv = local.receive(recvArgs(target, { resumable: true }));
    let killed = false;
    const err = await runTransfer(send, recv, {
      onProgress: (bytes) => { if (!killed && bytes > 4 * MiB) { killed = true; send.kill('SIGTERM'); } },
    }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof TransferError, String(err));
    await assert.rejects(recv.done);
    assert.deepEqual(await zfsStreams('zssh'), []);
    assert.match((await sh(`zfs get -H -o value receive_resume_token ${q(target)}`)).trim(), /^1-[0-9a-f]+-/);
  });
});
