// The real-OpenZFS harness proves itself with plain commands: the guest's versions, layouts,
// full/incremental/bookmark send and receive, an interrupted resumable receive and its resume,
// sshd, and the exact stderr texts zform parses (fixtures, captured with ZFORM_CAPTURE_FIXTURES=1).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPool, requireGuest, sh, shResult, sshSetup, zfsVersion, type Pool } from './lib.js';
import { layout } from './layout.js';

requireGuest(import.meta.url);

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/zfs/', import.meta.url));
const TOKEN = /^1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/;

/** name → guid of the snapshots under a dataset, names relative to it (`@s1`, `b@s1`). */
async function guids(dataset: string): Promise<Record<string, string>> {
  const out = await sh(`zfs list -H -p -o name,guid -t snapshot,bookmark -r ${dataset}`);
  return Object.fromEntries(out.trim().split('\n').map((l) => {
    const [name, guid] = l.split('\t') as [string, string];
    return [name.slice(dataset.length).replace(/^\//, ''), guid];
  }));
}

async function prop(dataset: string, name: string): Promise<string> {
  return (await sh(`zfs get -H -p -o value ${name} ${dataset}`)).trim();
}

describe('real OpenZFS harness', () => {
  let src: Pool;
  let dst: Pool;
  before(async () => {
    src = await createPool('hsrc', { mounted: true });
    dst = await createPool('hdst', { mounted: true });
  });
  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  it('runs the userland and kernel module of the version asked for', async () => {
    const lines = (await sh('zfs version')).trim().split('\n');
    assert.equal(lines.length, 2);
    const [user, kmod] = lines as [string, string];
    assert.match(user, /^zfs-\d+\.\d+\.\d+/);
    assert.equal(kmod, user.replace(/^zfs-/, 'zfs-kmod-'));
    assert.equal(await zfsVersion(), process.env.ZFORM_ZFS_VERSION ?? '2.1');
  });

  it('makes a layout of filesystems, snapshots, bookmarks, holds, an encrypted dataset, a zvol and data', async () => {
    const pool = await createPool('hlay', { mounted: true });
    try {
      await layout(pool, `
        l l/b @s1 l#b1 hold:keep=l@s1,l/b@s1
        enc:l/secret vol:l/v=16M data:l=200K
        l@s2 l/secret@s1 l/secret#b1
      `);
      const names = (await sh('zfs list -H -o name,type -t all -r hlay')).trim().split('\n').sort();
      assert.deepEqual(names, [
        'hlay\tfilesystem', 'hlay/l\tfilesystem', 'hlay/l#b1\tbookmark', 'hlay/l/b\tfilesystem', 'hlay/l/b@s1\tsnapshot',
        'hlay/l/secret\tfilesystem', 'hlay/l/secret#b1\tbookmark', 'hlay/l/secret@s1\tsnapshot', 'hlay/l/v\tvolume',
        'hlay/l@s1\tsnapshot', 'hlay/l@s2\tsnapshot', 'hlay@s1\tsnapshot',
      ]);
      const holds = (await sh('zfs holds -H hlay/l@s1 hlay/l/b@s1')).trim().split('\n').map((l) => l.split('\t').slice(0, 2).join(' '));
      assert.deepEqual(holds.sort(), ['hlay/l/b@s1 keep', 'hlay/l@s1 keep']);
      assert.deepEqual(
        (await sh('zfs get -H -o value encryption,keyformat,keystatus,encryptionroot hlay/l/secret')).trim().split('\n'),
        ['aes-256-gcm', 'passphrase', 'available', 'hlay/l/secret']);
      assert.equal(await prop('hlay/l/v', 'volsize'), String(16 * 1024 * 1024));
      assert.equal((await sh('stat -c %s /mnt/hlay/l/f1')).trim(), '204800');
      const written = Number(await prop('hlay/l@s2', 'written'));
      assert.ok(written >= 204800 && written < 204800 + 128 * 1024, `written of l@s2: ${written}`);
      assert.equal((await guids('hlay/l'))['#b1'], (await guids('hlay/l'))['@s1']);
    } finally {
      await pool.destroy();
    }
  });

  it('sends and receives full, incremental, and incremental-from-bookmark streams', async () => {
    await layout(src, 'r data:r=300K r@s1 data:r=100K r@s2 r#b2 data:r=50K r@s3');
    await sh('zfs send hsrc/r@s1 | zfs receive -u hdst/r');
    await sh('zfs send -i @s1 hsrc/r@s2 | zfs receive -u hdst/r');
    await sh('zfs destroy hsrc/r@s2'); // the bookmark alone carries the incremental base now
    await sh('zfs send -i hsrc/r#b2 hsrc/r@s3 | zfs receive -u hdst/r');
    const s = await guids('hsrc/r');
    const d = await guids('hdst/r');
    assert.deepEqual(Object.keys(d), ['@s1', '@s2', '@s3']);
    assert.equal(d['@s1'], s['@s1']);
    assert.equal(d['@s2'], s['#b2']);
    assert.equal(d['@s3'], s['@s3']);
  });

  it('leaves receive_resume_token after an interrupted resumable receive, and resumes with zfs send -t', async () => {
    await layout(src, 'z data:z=2M z@s1');
    const cut = await shResult('zfs send hsrc/z@s1 2>/dev/null | head -c 500000 | zfs receive -s -u hdst/z');
    assert.notEqual(cut.code, 0);
    assert.match(cut.stderr, /^cannot receive new filesystem stream: checksum mismatch or incomplete stream\.\nPartially received snapshot is saved\./);
    const token = await prop('hdst/z', 'receive_resume_token');
    assert.match(token, TOKEN);
    assert.match(await sh(`zfs send -nvP -t ${token}`), /toname = hsrc\/z@s1\n/);
    await sh(`zfs send -t ${token} | zfs receive -s -u hdst/z`);
    assert.equal(await prop('hdst/z', 'receive_resume_token'), '-');
    assert.equal((await guids('hdst/z'))['@s1'], (await guids('hsrc/z'))['@s1']);
  });

  it("lets root in by key at the guest's sshd on 127.0.0.1:22, and streams through it", async () => {
    const ssh = await sshSetup();
    const cmd = `ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${ssh.knownHosts} -i ${ssh.identityFile} -p ${ssh.port} ${ssh.user}@${ssh.host}`;
    assert.equal(await sh(`${cmd} zfs list -H -o name hsrc`), 'hsrc\n');
    await layout(src, 'v data:v=100K v@s1');
    await sh(`zfs send hsrc/v@s1 | ${cmd} zfs receive -u hdst/v`);
    assert.equal((await guids('hdst/v'))['@s1'], (await guids('hsrc/v'))['@s1']);
  });

  it('fails with the stderr texts zform parses, the same as the fixtures of this version', async () => {
    await layout(src, 'e data:e=300K e@s1 e#b1 hold:keep=e@s1 data:e=64K e@s2');
    await sh('zfs send hsrc/e@s1 | zfs receive hdst/e && zfs create hdst/x && zfs snapshot hdst/x@s1');
    // name → command, each must fail; senders are silenced so the stderr is the receiver's. Names are
    // <code zform maps it to>.<variant>, as in the ZFS layer's fixtures beside them.
    const cases: [string, string][] = [
      ['dataset_exists.recv-full-existing', 'zfs send hsrc/e@s1 2>/dev/null | zfs receive hdst/e'],
      ['destination_modified.recv-incremental-modified', 'head -c 1000 /dev/urandom > /mnt/hdst/e/new && zfs send -i @s1 hsrc/e@s2 2>/dev/null | zfs receive hdst/e'],
      ['unknown.recv-incremental-mismatch', 'zfs send -i @s1 hsrc/e@s2 2>/dev/null | zfs receive hdst/x'],
      ['stream_read_failure.recv-truncated-resumable', 'zfs send hsrc/e@s1 2>/dev/null | head -c 150000 | zfs receive -s -u hdst/p'],
      ['dataset_exists.recv-over-partial-state', 'zfs send hsrc/e@s1 2>/dev/null | zfs receive -s -u hdst/p'],
      ['no_resumable_state.recv-abort-nothing', 'zfs receive -A hdst/e'],
      ['resume_token_corrupt.send-bad-token', 'zfs send -t 1-0123abc-f0-789c'],
      ['dataset_does_not_exist.send-missing-snapshot', 'set -o pipefail; zfs send hsrc/e@nope | cat'],
      ['tag_exists.hold-again', 'zfs hold keep hsrc/e@s1'],
      ['no_such_tag.release-missing', 'zfs release nope hsrc/e@s1'],
      ['dataset_busy.destroy-held', 'zfs destroy hsrc/e@s1'],
      ['bookmark_exists.bookmark-again', 'zfs bookmark hsrc/e@s1 hsrc/e#b1'],
    ];
    const dir = `${FIXTURES}${await zfsVersion()}/stderr/`;
    const capture = process.env.ZFORM_CAPTURE_FIXTURES === '1';
    if (capture) mkdirSync(dir, { recursive: true });
    const differences: string[] = [];
    for (const [name, cmd] of cases) {
      const r = await shResult(cmd);
      assert.notEqual(r.code, 0, `${name} must fail: ${cmd}`);
      const file = `${dir}${name}.txt`;
      if (capture) { writeFileSync(file, r.stderr); continue; }
      if (!existsSync(file)) { differences.push(`${name}: no fixture ${file} (run with ZFORM_CAPTURE_FIXTURES=1)`); continue; }
      const mask = (s: string): string => s.replace(/1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+/g, '<resume token>');
      if (mask(readFileSync(file, 'utf8')) !== mask(r.stderr)) {
        differences.push(`${name}: expected ${JSON.stringify(readFileSync(file, 'utf8'))}, got ${JSON.stringify(r.stderr)}`);
      }
    }
    assert.deepEqual(differences, []);
  });
});
