// addTo: groups keep their insertion order, and a group grows in place (no copy per add).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTo } from '../../src/multimap.js';

test('addTo: groups in insertion order; a group is the same array as it grows', () => {
  const m = new Map<string, number[]>();
  addTo(m, 'a', 1);
  const a = m.get('a');
  addTo(m, 'b', 2);
  addTo(m, 'a', 3);
  assert.deepEqual([...m], [['a', [1, 3]], ['b', [2]]]);
  assert.equal(m.get('a'), a);
});
