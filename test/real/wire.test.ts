// send.compression on real OpenZFS over SSH (the guest's own sshd at 127.0.0.1): a push compressed with zstd and a
// pull compressed with gzip, each killed (kill -9 of zform) mid-stream under a bandwidth limit (1 MiB/s on the wire,
// compressed); the target keeps
// resumable state, the next apply resumes it through the same compressed pipeline, and the files are identical.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import {
  Zform, assertExit, checksumReceived, checksumSnapshot, parseNdjson, resumeToken, setupSshLogin, waitForNoZfsTransfer,
  waitForReceiveBegun,
} from './apply-helpers.js';

requireGuest(import.meta.url);

const MiB = 1024 * 1024;
const S = 'tws';
const T = 'twt';
const z = new Zform();
let src: Pool;
let dst: Pool;
let cfg = '';
let slow = '';

before(async () => {
  src = await createPool(S, { sizeMiB: 256, mounted: true });
  dst = await createPool(T, { sizeMiB: 256 });
  const login = await setupSshLogin('zformwire');
  // an uncompressed source of text (base64 of random bytes: compressible, never the same twice)
  await sh(`zfs create -o compression=off ${S}/push && zfs create -o compression=off ${S}/pull && zfs create ${T}/push && zfs create ${T}/pull`);
  // the push: more than zstd holds before it writes (its worker takes ~16 MiB), so that zfs send's per-second count
  // is seen live while the wire is still slow
  for (const [d, n] of [['push', 24], ['pull', 12]] as const) {
    await sh(`head -c ${n * MiB} /dev/urandom | base64 -w 120 > "$(zfs get -H -o value mountpoint ${S}/${d})/log.txt" && zfs snapshot ${S}/${d}@s1`);
  }
  // the limit counts bytes on the wire: slow enough to kill mid-stream (the apply that resumes has none)
  const yaml = (limit: string) => `hosts:
  nas:
    ssh: { host: 127.0.0.1, port: 22, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts}, connect_timeout: 60s }
jobs:
  - name: push
    source: { host: local, filesystems: { "${S}/push": true } }
    target: { host: nas, root_fs: ${T}/push }
    send: { compression: "zstd:3", buffer: 4 MiB${limit} }
  - name: pull
    source: { host: nas, filesystems: { "${S}/pull": true } }
    target: { host: local, root_fs: ${T}/pull }
    send: { compression: "gzip:1"${limit} }
`;
  slow = z.config('slow.yml', yaml(', bandwidth_limit: { max: 1 MiB }'));
  cfg = z.config('wire.yml', yaml(''));
});
after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

for (const [job, compression, target] of [['push', 'zstd:3', `${T}/push/${S}/push`], ['pull', 'gzip:1', `${T}/pull/${S}/pull`]] as const) {
  test(`${job} compressed with ${compression}, killed mid-stream: resumable state; the next apply resumes compressed and the files are identical`, async () => {
    const plan = await z.plan(slow);
    const send = plan.jobs.find((j) => j.job === job)!.datasets.flatMap((d) => d.actions).find((a) => a.kind === 'send');
    assert.ok(send && send.kind === 'send');
    assert.equal(send.compression, compression);
    const run = z.start(['apply', '-c', slow, '--job', job, '--auto-approve', '--json']);
    // both counts live: the wire's, counted as it passes, and the stream's, from zfs send's per-second lines on the
    // sending host (over SSH for the pull)
    await run.waitForLine((l) => {
      const e = JSON.parse(l) as { type: string; bytes?: number; wire_bytes?: number };
      return e.type === 'apply_progress' && (e.wire_bytes ?? 0) >= 2 * MiB && (e.bytes ?? 0) > 0;
    }, 'a progress event past 2 MiB on the wire with a stream count');
    // zfs receive -s keeps a partial receive only once it is past the stream's BEGIN record (killed before, it would
    // start over: ZFS's rule, not zform's)
    await waitForReceiveBegun(target);
    run.kill('SIGKILL');
    assert.equal((await run.done).signal, 'SIGKILL');
    await waitForNoZfsTransfer();
    assert.match(await resumeToken(target), /^1-/, 'resumable state on the target');

    const r = await z.run(['apply', '-c', cfg, '--job', job, '--auto-approve', '--json', '-v']);
    assertExit(r, 0, 'the apply that resumes');
    // zfs send -t, compressed on the sending host; decompressed into zfs receive -s on the other
    assert.match(r.stderr, /send -v -P -t 1-/);
    const done = parseNdjson(r.stdout).filter((x) => x.type === 'apply_complete' && (x.action as { kind: string }).kind === 'send');
    assert.equal(done.length, 1);
    assert.equal((done[0]!.action as { id: string }).id.startsWith(`${job}:`), true);
    assert.ok(Number(done[0]!.wire_bytes) > 0 && Number(done[0]!.wire_bytes) < Number(done[0]!.bytes), JSON.stringify(done[0]));
    assert.equal(await resumeToken(target), '-');
    assert.equal(await checksumReceived(target), await checksumSnapshot(`${S}/${job}`, 's1'));
  });
}
