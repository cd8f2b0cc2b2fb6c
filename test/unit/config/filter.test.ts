// The filesystems filter: zrepl's matching rules, the datasets to list, and pattern checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, filterPatternCheck } from '../../../src/config/filter.js';

test('matches: subtree includes the dataset itself and its descendants, by component', () => {
  const f = compileFilter({ 'tank/data<': true });
  assert.equal(f.matches('tank/data'), true);
  assert.equal(f.matches('tank/data/a/b'), true);
  assert.equal(f.matches('tank/database'), false);
  assert.equal(f.matches('tank'), false);
});

test('matches: an exact pattern matches only that dataset', () => {
  const f = compileFilter({ 'tank/vm': true });
  assert.equal(f.matches('tank/vm'), true);
  assert.equal(f.matches('tank/vm/disk0'), false);
});

test('matches: the longest subtree wins, an exact pattern beats any subtree', () => {
  const f = compileFilter({ '<': true, 'tank<': false, 'tank/data<': true, 'tank/data/tmp': false, 'tank/keep': true });
  assert.equal(f.matches('rpool/ROOT'), true);
  assert.equal(f.matches('tank'), false);
  assert.equal(f.matches('tank/other'), false);
  assert.equal(f.matches('tank/keep'), true);
  assert.equal(f.matches('tank/data/tmp'), false);
  assert.equal(f.matches('tank/data/tmp/child'), true);
});

test('matches: no matching pattern means not selected', () => {
  assert.equal(compileFilter({ 'tank/a<': true }).matches('rpool'), false);
});

test('matchesWithin: the dataset or anything below it', () => {
  const f = compileFilter({ 'tank<': true, 'tank/backup<': false, 'tank/backup/keep': true });
  assert.equal(f.matchesWithin('tank/backup'), true); // via tank/backup/keep
  const g = compileFilter({ 'tank<': true, 'tank/backup<': false });
  assert.equal(g.matchesWithin('tank/backup'), false);
  assert.equal(g.matchesWithin('tank/backup/x'), false);
  const h = compileFilter({ 'tank<': true, 'tank/backup': false });
  assert.equal(h.matchesWithin('tank/backup'), true); // its children still match tank<
  assert.equal(compileFilter({ 'tank/a': true }).matchesWithin('tank'), true);
  assert.equal(compileFilter({ 'tank/a': true }).matchesWithin('backup'), false);
});

test('roots: the fewest datasets to list recursively; null for "<": true', () => {
  assert.deepEqual(compileFilter({ 'tank/data<': true, 'tank/data/scratch<': false }).roots(), ['tank/data']);
  assert.deepEqual(compileFilter({ 'tank/b': true, 'tank/a<': true, 'tank/a/x': true, 'rpool/home<': true }).roots(), ['rpool/home', 'tank/a', 'tank/b']);
  assert.deepEqual(compileFilter({ 'tank<': false, 'tank/keep': true }).roots(), ['tank/keep']);
  assert.deepEqual(compileFilter({ '<': false, 'tank<': true }).roots(), ['tank']);
  assert.equal(compileFilter({ '<': true, 'tank<': false }).roots(), null);
  assert.deepEqual(compileFilter({ 'tank<': false }).roots(), []);
});

test('filterPatternCheck: "<" once at the end, a valid dataset name before it', () => {
  assert.equal(filterPatternCheck('<'), null);
  assert.equal(filterPatternCheck('tank/a b:c.d-e_f<'), null);
  assert.equal(filterPatternCheck('tank<<'), 'invalid filter pattern "tank<<": "<" is allowed only once, at the end');
  assert.equal(filterPatternCheck('<tank'), 'invalid filter pattern "<tank": "<" is allowed only once, at the end');
  assert.equal(filterPatternCheck('tank/'), 'invalid dataset name "tank/" in filter pattern: trailing slash in name');
  assert.equal(filterPatternCheck('/tank<'), 'invalid dataset name "/tank" in filter pattern: leading slash in name');
  assert.equal(filterPatternCheck('tank@snap'), 'invalid dataset name "tank@snap" in filter pattern: \'@\' or \'#\' in a dataset name');
  assert.equal(filterPatternCheck('tank/*'), 'invalid dataset name "tank/*" in filter pattern: invalid character \'*\' in name');
  assert.equal(filterPatternCheck(''), 'empty filter pattern (use "<" to match every dataset)');
});

test('compileFilter: throws on an invalid pattern', () => {
  assert.throws(() => compileFilter({ 'a<b': true }), { message: 'invalid filter pattern "a<b": "<" is allowed only once, at the end' });
});

test('explain: the deciding pattern as written (exact beats subtree, longest subtree wins), null when none covers', () => {
  const f = compileFilter({ '<': true, 'tank<': false, 'tank/data<': true, 'tank/data/tmp': false });
  assert.deepEqual(f.explain('rpool/ROOT'), { selected: true, pattern: '<' });
  assert.deepEqual(f.explain('tank/other'), { selected: false, pattern: 'tank<' });
  assert.deepEqual(f.explain('tank/data/a'), { selected: true, pattern: 'tank/data<' });
  assert.deepEqual(f.explain('tank/data/tmp'), { selected: false, pattern: 'tank/data/tmp' });
  assert.deepEqual(f.explain('tank/data/tmp/x'), { selected: true, pattern: 'tank/data<' });
  assert.deepEqual(compileFilter({ 'tank/a<': true }).explain('tank/ab'), { selected: false, pattern: null });
  for (const n of ['rpool', 'tank', 'tank/data', 'tank/data/tmp', 'tank/data/tmp/x']) assert.equal(f.matches(n), f.explain(n).selected, n);
});
