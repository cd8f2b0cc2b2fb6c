// The planner tests' inventory language builds exactly the listings it describes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_TIME, G, cur, labelOf, listing, parseSize } from '../../support/dsl.js';

test('labels map to fixed GUIDs above 2^53, shared by both sides', () => {
  assert.equal(G('g1'), '10000000000000000001');
  assert.equal(labelOf(G('g42')), 'g42');
  const a = listing('tank @s1:g1');
  const b = listing('backup/tank @other:g1');
  assert.equal(a.versions[0]!.guid, b.versions[0]!.guid);
  assert.throws(() => G('x1'), /GUID labels look like g1/);
});

test('versions get createtxg in order of appearance; a bookmark of a labelled snapshot shares its txg', () => {
  const l = listing(`
    tank @s1:g1 @s2:g2 #b1:g1 #b9
    tank/a @s1[txg=5,w=2M,c=2026-02-01T00:00:00Z,hold=keep+zform_STEP_J_j]
  `);
  const v = (n: string, kind = 'snapshot', ds = 'tank') => l.versions.find((x) => x.name === n && x.kind === kind && x.dataset === ds)!;
  assert.equal(v('s1').createtxg, 11);
  assert.equal(v('s2').createtxg, 21);
  assert.equal(v('b1', 'bookmark').createtxg, 11);
  assert.equal(v('b9', 'bookmark').createtxg, 31);
  assert.deepEqual(l.versions.filter((x) => x.dataset === 'tank').map((x) => `${x.kind}:${x.name}`), ['bookmark:b1', 'snapshot:s1', 'snapshot:s2', 'bookmark:b9']);
  const s = v('s1', 'snapshot', 'tank/a');
  assert.equal(s.createtxg, 5);
  assert.equal(s.written, 2 * 1024 * 1024);
  assert.equal(s.creation, Date.parse('2026-02-01T00:00:00Z') / 1000);
  assert.equal(s.userrefs, 2);
  assert.deepEqual(l.holds, [{ snapshot: 'tank/a@s1', tag: 'keep' }, { snapshot: 'tank/a@s1', tag: 'zform_STEP_J_j' }]);
  assert.equal(v('s2').creation, BASE_TIME + 21 * 60);
});

test('dataset options', () => {
  const l = listing(`tank/a written=3K token=T1 enc=aes-256-gcm key=unavailable placeholder volume guid=g7 #${cur('g1')}:g1`);
  const d = l.datasets[0]!;
  assert.deepEqual(
    { written: d.written, token: d.resumeToken, enc: d.encryption, key: d.keyStatus, ph: d.placeholder, type: d.type, guid: d.guid },
    { written: 3072, token: 'T1', enc: 'aes-256-gcm', key: 'unavailable', ph: true, type: 'volume', guid: G('g7') },
  );
  assert.equal(l.versions[0]!.name, 'zform_CURSOR_G_8ac7230489e80001_J_j');
  assert.equal(parseSize('1.5K'), 1536);
  assert.throws(() => listing('tank bogus'), /unknown token "bogus"/);
});
