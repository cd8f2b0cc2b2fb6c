// The real-ZFS tests' layout language: parsing, its checks, and the zfs commands it renders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayoutError, parseLayout, parseSize, renderLayoutScript, type LayoutTarget } from '../../real/layout.js';

const POOL: LayoutTarget = { name: 'src', mountpoint: '/mnt/src', keyFile: '/mnt/disk/src.key' };
const render = (text: string, pool = POOL): string[] => renderLayoutScript(pool, parseLayout(text));

test('sizes use binary units', () => {
  assert.equal(parseSize('123'), 123);
  assert.equal(parseSize('200K'), 204800);
  assert.equal(parseSize('16M'), 16777216);
  assert.equal(parseSize('1G'), 1073741824);
  assert.equal(parseSize('1.5M'), null);
  assert.equal(parseSize('16m'), null);
  assert.equal(parseSize(''), null);
});

test('the example layout renders one command per step, batching consecutive snapshots and holds', () => {
  assert.deepEqual(render('a  a/b  a@s1 a/b@s1  a#b1=@s1  hold:t=a@s1 hold:t=a/b@s1  enc:a/secret  vol:a/v=16M  data:a=200K  a@s2'), [
    'zfs create -p src/a',
    'zfs create -p src/a/b',
    'zfs snapshot src/a@s1 src/a/b@s1',
    'zfs bookmark src/a@s1 src/a#b1',
    'zfs hold t src/a@s1 src/a/b@s1',
    'zfs create -p -o encryption=on -o keyformat=passphrase -o keylocation=file:///mnt/disk/src.key -o pbkdf2iters=100000 src/a/secret',
    'zfs create -p -s -V 16777216 src/a/v',
    'head -c 204800 /dev/urandom > /mnt/src/a/f1',
    'zfs snapshot src/a@s2',
  ]);
});

test('@SNAP snapshots the whole pool recursively, and counts for every dataset declared so far', () => {
  assert.deepEqual(render('a a/b @s1 c hold:keep=a/b@s1,a@s1 hold:other=a@s1'), [
    'zfs create -p src/a',
    'zfs create -p src/a/b',
    'zfs snapshot -r src@s1',
    'zfs create -p src/c',
    'zfs hold keep src/a/b@s1 src/a@s1',
    'zfs hold other src/a@s1',
  ]);
  assert.throws(() => parseLayout('a @s1 c c@x hold:t=c@s1'), new LayoutError('hold:t=c@s1', "snapshot 'c@s1' is not declared before"));
});

test('a bookmark defaults to the newest snapshot of its dataset, and may copy another bookmark', () => {
  assert.deepEqual(parseLayout('a a@s1 a@s2 a#b2 a#b1=@s1 a#c=#b1').filter((s) => s.kind === 'bookmark'), [
    { kind: 'bookmark', bookmark: 'a#b2', source: 'a@s2' },
    { kind: 'bookmark', bookmark: 'a#b1', source: 'a@s1' },
    { kind: 'bookmark', bookmark: 'a#c', source: 'a#b1' },
  ]);
});

test('properties in braces become -o options; data files are numbered per dataset', () => {
  assert.deepEqual(render('x{zform:placeholder=on,compression=off} data:x=1K data:x=2K x/y data:x/y=1'), [
    'zfs create -p -o zform:placeholder=on -o compression=off src/x',
    'head -c 1024 /dev/urandom > /mnt/src/x/f1',
    'head -c 2048 /dev/urandom > /mnt/src/x/f2',
    'zfs create -p src/x/y',
    'head -c 1 /dev/urandom > /mnt/src/x/y/f1',
  ]);
});

test('lines and comments: "# " starts a comment, bookmarks are not comments', () => {
  assert.deepEqual(render(`
    a        # the source
    a@s1 a#b1
    # a whole comment line
  `), ['zfs create -p src/a', 'zfs snapshot src/a@s1', 'zfs bookmark src/a@s1 src/a#b1']);
});

test('a dataset implied by zfs create -p can be snapshotted but not declared again', () => {
  assert.deepEqual(render('a/b/c a/b@s1'), ['zfs create -p src/a/b/c', 'zfs snapshot src/a/b@s1']);
  assert.throws(() => parseLayout('a/b a'), new LayoutError('a', "dataset 'a' is declared twice"));
});

test('names that would not exist are refused, naming the token', () => {
  const cases: [string, string, string][] = [
    ['a@s1', 'a@s1', "dataset 'a' is not declared before"],
    ['a a@s1 a@s1', 'a@s1', "snapshot 'a@s1' is declared twice"],
    ['a a#b1', 'a#b1', "'a' has no snapshot yet"],
    ['a a@s1 a#b1=@s9', 'a#b1=@s9', "snapshot 'a@s9' is not declared before"],
    ['a a@s1 a#b1=#b0', 'a#b1=#b0', "bookmark 'a#b0' is not declared before"],
    ['a a@s1 a#b1 a#b1', 'a#b1', "bookmark 'a#b1' is declared twice"],
    ['a hold:t=a@s1', 'hold:t=a@s1', "snapshot 'a@s1' is not declared before"],
    ['a a@s1 hold:t=a', 'hold:t=a', 'expected hold:TAG=FS@SNAP[,FS@SNAP...]'],
    ['vol:v=16M data:v=1K', 'data:v=1K', "'v' is a volume"],
    ['vol:v=16M v/x', 'v/x', "'v' is a volume"],
    ['vol:v', 'vol:v', 'expected vol:NAME=SIZE, e.g. vol:a/v=16M'],
    ['a data:a=lots', 'data:a=lots', 'expected data:FS=SIZE, e.g. data:a=200K'],
    ['a{compression}', 'a{compression}', "expected prop=value, got 'compression'"],
    ['a//b', 'a//b', 'expected a dataset name like a/b'],
    ['a @s1 @s1', '@s1', "snapshot '@s1' is declared twice"],
  ];
  for (const [text, token, why] of cases) {
    assert.throws(() => parseLayout(text), new LayoutError(token, why), text);
  }
});

test('writing data needs a mounted pool', () => {
  assert.throws(() => render('a data:a=1K', { ...POOL, mountpoint: null }),
    new LayoutError('data:a', "pool 'src' is not mounted (createPool(name, { mounted: true }))"));
});

test('an empty layout renders nothing', () => {
  assert.deepEqual(render('  \n # nothing\n'), []);
});
