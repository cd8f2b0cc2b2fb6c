// The fake executor against the captured OpenZFS 2.1 output (test/fixtures/zfs/capture.sh): the same commands on
// the same layout print the same lines (numbers aside: GUIDs, txgs, times, sizes), the same error lines and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { runZfsResult } from '../../../src/zfs/run.js';
import { computeErrorLines } from '../../../src/zfs/errors.js';

const DIR = new URL('../../../../test/fixtures/zfs/2.1/', import.meta.url);
const read = (name: string) => { try { return readFileSync(new URL(name, DIR), 'utf8'); } catch { return ''; } };
const exitCodes = new Map(read('exit-codes.txt').trim().split('\n').map((l) => { const i = l.lastIndexOf(' '); return [l.slice(0, i), Number(l.slice(i + 1))]; }));

/** capture.sh's layout, as far as zform's commands go. */
function world(): FakeHost {
  return new FakeHost('local').apply(
    'pool p1', 'create p1/a zform:placeholder=on', 'create p1/a/b', 'create p1/a/c zform:placeholder=off', 'create -V 8M p1/vol',
    'create p1/enc encryption=on keyformat=raw keylocation=file:///mnt/disk/key', 'create p1/enc/child', 'create p1/data',
    'write p1/data 100000', 'snapshot p1@s1 p1/a@s1 p1/a/b@s1 p1/a/c@s1 p1/vol@s1 p1/enc@s1 p1/enc/child@s1 p1/data@s1',
    'write p1/data 200000', 'snapshot p1@s2 p1/a@s2 p1/a/b@s2 p1/a/c@s2 p1/vol@s2 p1/enc@s2 p1/enc/child@s2 p1/data@s2',
    'bookmark p1/a@s1 #b1', 'bookmark p1/data@s1 #b1', 'bookmark p1/data@s2 #b2', 'hold keep p1/a@s1',
    'hold zform_STEP_J_job1 p1/a@s1 p1/data@s2', 'write p1/data 4050000', 'snapshot p1/data@s3',
  );
}

async function run(h: FakeHost, argv: string[]) {
  return runZfsResult(h.zfs, ['zfs', ...argv]);
}

const shape = (line: string) => line.replace(/\d+/g, 'N').replace(/(\w{3}) (\w{3}) +N N:N N/, 'DATE');

/** Lines of the fake's stdout have the shape of the fixture's line of the same name; every name is in the fixture. */
function assertSameLines(name: string, fake: string, real: string): void {
  const key = (l: string) => { const f = l.split('\t'); return name.startsWith('holds') ? `${f[0]} ${f[1]}` : f[0]!; };
  const byName = new Map(real.trim().split('\n').filter(Boolean).map((l) => [key(l), l]));
  assert.equal(fake.trim() === '', byName.size === 0, `${name}: output when real zfs has output`);
  for (const line of fake.trim().split('\n').filter(Boolean)) {
    const r = byName.get(key(line));
    assert.ok(r !== undefined, `${name}: ${key(line)} is in the fixture`);
    assert.equal(shape(line), shape(r), `${name}: ${key(line)}`);
  }
}

const cols = 'name,type,guid,createtxg,creation,userrefs,written,encryption,encryptionroot,keystatus,receive_resume_token,origin';
const OUTPUT: [string, string[]][] = [
  ['list-p1', ['list', '-H', '-p', '-r', '-t', 'filesystem,volume,snapshot,bookmark', '-o', cols, 'p1']],
  ['list-missing-root', ['list', '-H', '-p', '-r', '-t', 'filesystem,volume,snapshot,bookmark', '-o', cols, 'p1/a', 'p1/missing', 'p1/vol']],
  ['list-all-missing', ['list', '-H', '-p', '-r', '-t', 'filesystem,volume,snapshot,bookmark', '-o', cols, 'p1/missing', 'p1/missing2']],
  ['get-placeholder-all', ['get', '-H', '-p', '-r', '-t', 'filesystem,volume', '-o', 'name,value,source', 'zform:placeholder', 'p1']],
  ['get-placeholder-all-missing', ['get', '-H', '-p', '-r', '-t', 'filesystem,volume', '-o', 'name,value,source', 'zform:placeholder', 'p1/a', 'p1/missing']],
  ['holds', ['holds', '-H', 'p1/a@s1', 'p1/data@s2']],
  ['holds-missing', ['holds', '-H', 'p1/a@s1', 'p1/a@nope']],
  ['get-guid', ['get', '-H', '-p', '-o', 'name,value', 'guid', 'p1/a@s1', 'p1/a#b1', 'p1/data@s2']],
  ['get-props-missing', ['get', '-H', '-p', '-o', 'property,value', 'mountpoint', 'p1/missing']],
  ['send-nvP-full', ['send', '-n', '-v', '-P', 'p1/data@s1']],
  ['send-nvP-incr', ['send', '-n', '-v', '-P', '-i', 'p1/data@s1', 'p1/data@s2']],
  ['send-nvP-bookmark', ['send', '-n', '-v', '-P', '-i', 'p1/data#b1', 'p1/data@s3']],
  ['send-nvP-raw', ['send', '-n', '-v', '-P', '-w', 'p1/enc@s2']],
  ['version', ['version']],
];

test('stdout, stderr and exit code of zform\'s commands as OpenZFS 2.1 prints them', async () => {
  const h = world();
  for (const [name, argv] of OUTPUT) {
    const r = await run(h, argv);
    assert.equal(r.code, exitCodes.get(name), `${name}: exit code`);
    assert.deepEqual(computeErrorLines(r.stderr), computeErrorLines(read(`${name}.stderr`)), `${name}: stderr`);
    if (name.startsWith('send-nvP')) assert.deepEqual(r.stdout.split('\n').map(shape), read(`${name}.stdout`).split('\n').map(shape), `${name}: stdout`);
    else assertSameLines(name, r.stdout, read(`${name}.stdout`));
  }
});

const ERRORS: [string, string[], string?][] = [
  ['dataset_does_not_exist', ['destroy', 'p1/missing@x']],
  ['dataset_does_not_exist.destroy-snap-of-existing', ['destroy', 'p1/a@nope']],
  ['dataset_does_not_exist.destroy-bookmark', ['destroy', 'p1/a#nope']],
  ['dataset_does_not_exist.hold', ['hold', 't1', 'p1/a@nope']],
  ['dataset_does_not_exist.hold-partial', ['hold', 't1', 'p1/a/c@s1', 'p1/a@nope']],
  ['dataset_does_not_exist.release', ['release', 't1', 'p1/a@nope']],
  ['dataset_does_not_exist.snapshot', ['snapshot', 'p1/missing@x']],
  ['dataset_does_not_exist.bookmark', ['bookmark', 'p1/a@nope', 'p1/a#x']],
  ['dataset_does_not_exist.rollback', ['rollback', 'p1/a@nope']],
  ['dataset_does_not_exist.send-nvP', ['send', '-n', '-v', '-P', 'p1/a@nope']],
  ['dataset_does_not_exist.recv-A', ['receive', '-A', 'p1/missing']],
  ['dataset_does_not_exist.set', ['set', 'zform:x=1', 'p1/missing']],
  ['dataset_does_not_exist.create-parent', ['create', 'p1/missing/child']],
  ['dataset_busy', ['destroy', 'p1/a@s1']],
  ['bookmark_exists', ['bookmark', 'p1/a@s1', 'p1/a#b1']],
  ['bookmark_exists.other-guid', ['bookmark', 'p1/a@s2', 'p1/a#b1']],
  ['tag_exists', ['hold', 'keep', 'p1/a@s1']],
  ['tag_exists.partial', ['hold', 'keep', 'p1/a@s1', 'p1/a@s2']],
  ['no_such_tag', ['release', 'nope', 'p1/a@s1']],
  ['no_resumable_state', ['receive', '-A', 'p1/a']],
  ['dataset_exists', ['create', 'p1/a']],
  ['dataset_exists.snapshot', ['snapshot', 'p1/a@s1']],
  ['resume_token_corrupt.garbage', ['send', '-n', '-v', '-t', 'garbage']],
];

test('error lines and exit codes of failing commands as OpenZFS 2.1 prints them', async () => {
  for (const [name, argv] of ERRORS) {
    const r = await run(world(), argv);
    assert.equal(r.code, exitCodes.get(`stderr/${name}`), `${name}: exit code`);
    assert.deepEqual(computeErrorLines(r.stderr), computeErrorLines(read(`stderr/${name}.txt`)), `${name}: stderr`);
  }
});
