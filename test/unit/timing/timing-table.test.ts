// test/real/timing's parsing: node's spec output → entries → files by title → tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignFiles, parseSpec, renderTables, titlePattern, titlesIn } from '../../real/timing-table.js';

const LOG = `zfs-vm[2.1]: ready in 0 s
zfs-2.1.11-1+deb12u1
✔ apply exits 64 (54186.3ms)
✔ apply --json over SSH: events (1000ms)
✔ apply exits 64 (2000ms)
[timing] zform plan: 300 ms
▶ ZFS layer core
  ✔ lists (100ms)
  ▶ each typed error
    ✔ busy (200ms)
    ✖ out_of_space (300ms)
      AssertionError: expected
  ▶ each typed error (510ms)
▶ ZFS layer core (700ms)
✖ a month pruned (5000ms)
ℹ tests 6
✖ failing tests:

✖ a month pruned (5000ms)
`;

test('parseSpec: top-level tests and describes with their nested tests; skips other output and the failure recap', () => {
  const e = parseSpec(LOG);
  assert.deepEqual(e.map((x) => [x.title, x.ms, x.ok]), [
    ['apply exits 64', 54186.3, true], ['apply --json over SSH: events', 1000, true], ['apply exits 64', 2000, true],
    ['ZFS layer core', 700, true], ['a month pruned', 5000, false],
  ]);
  assert.deepEqual(e[3]!.children.map((c) => c.title), ['lists', 'each typed error']);
  assert.deepEqual(e[3]!.children[1]!.children.map((c) => [c.title, c.ok]), [['busy', true], ['out_of_space', false]]);
});

test('parseSpec reads the "[2.3] " prefixes of test/run-all', () => {
  assert.deepEqual(parseSpec('[2.3] ✔ one (5ms)\n[2.3] ✖ two (6ms)\n').map((x) => [x.title, x.ms, x.ok]), [['one', 5, true], ['two', 6, false]]);
});

test('titlesIn: string and template titles of test/it/describe; ${...} matches anything', () => {
  const src = "test('plain \\'q\\'', () => {});\n  it(`apply --json${o.ssh ? ' over SSH' : ''}: events`, async () => {});\ndescribe(\"ZFS layer core\", () => {});";
  const t = titlesIn(src);
  assert.equal(t.length, 3);
  assert.ok(t[0]!.test("plain 'q'"));
  assert.ok(t[1]!.test('apply --json over SSH: events') && t[1]!.test('apply --json: events'));
  assert.ok(!t[1]!.test('apply --json: events!'));
  assert.ok(t[2]!.test('ZFS layer core'));
  assert.ok(titlePattern('a (b) [c]', "'").test('a (b) [c]'));
});

test('assignFiles: in file order; a title the current file already used starts the next file; one no later file has stays; tables', () => {
  const files = [
    { file: 'apply-control-ssh.test', titles: titlesIn("test('apply exits 64'); test(`apply --json${x}: events`)") },
    { file: 'apply-control.test', titles: titlesIn("test('apply exits 64'); test(`apply --json${x}: events`)") },
    { file: 'prune.test', titles: titlesIn("test('a month pruned')") },
    { file: 'zfs-layer.test', titles: titlesIn("describe('ZFS layer core')") },
  ];
  const got = assignFiles(parseSpec(LOG), files);
  assert.deepEqual(got.map((f) => [f.file, f.ms, f.tests.length]), [
    ['apply-control-ssh.test', 55186.3, 2], ['apply-control.test', 2000, 1], ['zfs-layer.test', 5700, 4],
  ]);
  assert.deepEqual(got[2]!.tests.map((t) => t.title), ['ZFS layer core › lists', 'ZFS layer core › each typed error › busy', 'ZFS layer core › each typed error › out_of_space', 'a month pruned']);
  const table = renderTables(got, 2);
  assert.match(table, /^\| apply-control-ssh\.test \| 0\.9 \| 2 \| 88% \|$/m);
  assert.match(table, /^\| zfs-layer\.test \| 0\.1 \| 4 \(2 failed\) \| 9% \|$/m);
  assert.match(table, /^\| a month pruned ✖ \| zfs-layer\.test \| 5\.0 \|$/m);
  assert.equal(table.split('\n').filter((l) => l.endsWith(' |') && /\| \d+\.\d \|$/.test(l) && !l.includes('%')).length, 2);
});

test('assignFiles: a template title shared by two files (apply-local, apply-ssh) is used once in each', () => {
  const shared = "test(`initial${o.ssh ? ' over SSH' : ''}: sent`); test(`incremental${o.ssh ? ' over SSH' : ''}`)";
  const files = [{ file: 'apply-local.test', titles: titlesIn(shared) }, { file: 'apply-ssh.test', titles: titlesIn(shared) }];
  const log = '✔ initial: sent (1ms)\n✔ incremental (2ms)\n✔ initial over SSH: sent (3ms)\n✔ incremental over SSH (4ms)\n';
  assert.deepEqual(assignFiles(parseSpec(log), files).map((f) => [f.file, f.tests.map((t) => t.title)]), [
    ['apply-local.test', ['initial: sent', 'incremental']], ['apply-ssh.test', ['initial over SSH: sent', 'incremental over SSH']],
  ]);
});
