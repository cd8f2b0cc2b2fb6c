// Config regexes are RE2 (linear time): a pattern that backtracks exponentially in JavaScript, against a snapshot name
// anyone with `zfs snapshot` can make, is still answered, by the planner as by the regex itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRegex } from '../../../src/config/regex.js';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';

const EVIL = `${'a'.repeat(39)}-`; // 40 characters: 2^39 paths for a backtracking engine

test('^(a+)+$ on a 40-character name that almost matches: no match (RE2, linear time)', () => {
  const re = compileRegex('^(a+)+$');
  assert.equal(re.test(EVIL), false);
  assert.equal(re.test('a'.repeat(40)), true);
});

test('RE2 keeps zrepl\'s Go semantics: inline flags work, matching is unanchored unless anchored', () => {
  assert.equal(compileRegex('(?i)^zform_').test('ZFORM_1'), true);
  assert.equal(compileRegex('_1').test('zform_1'), true);
  assert.equal(compileRegex('^_1').test('zform_1'), false);
});

test('the planner under replication.snapshots and a pruning regex of ^(a+)+$, with such a snapshot on the source', () => {
  const config = parseConfig(`jobs:
  - name: j
    source: { host: local, filesystems: { "tank/d": true } }
    target: { host: local, root_fs: backup }
    replication: { snapshots: "^(a+)+$", initial: all }
    pruning:
      keep_source: [ { type: regex, regex: "^(a+)+$" } ]
      keep_target: [ { type: last_n, count: 1, regex: "^(a+)+$" } ]
`, 'zform.yml');
  const h = new FakeHost('local', { clock: () => new Date('2026-11-21T12:00:00Z') })
    .apply('pool tank', 'pool backup', 'create tank/d', `snapshot tank/d@${'a'.repeat(40)}`, `snapshot tank/d@${EVIL}`);
  const hosts = staticHosts({ local: h });
  return readInventories(config, ['j'], (n) => hosts.get(n)).then(({ inventories, resumeTokens }) => {
    const p = computePlan({ config, jobs: ['j'], inventories, resumeTokens, now: new Date('2026-11-21T12:00:00Z'), zformVersion: 't', allowRollback: false });
    const actions = p.jobs[0]!.datasets.find((d) => d.source === 'tank/d')!.actions;
    const send = actions.find((a) => a.kind === 'send');
    assert.ok(send && send.kind === 'send');
    assert.equal(send.to.name, 'a'.repeat(40)); // the near-miss is not replicated
    const destroy = actions.find((a) => a.kind === 'destroy_snapshots' && a.side === 'source');
    assert.ok(destroy && destroy.kind === 'destroy_snapshots');
    assert.deepEqual(destroy.snapshots.map((s) => s.ref.name), [EVIL]); // not kept by the regex rule
  });
});

test('a compiled regex answers the same for a name asked again, also past its memo of 65,536 names', () => {
  const re = compileRegex('^zf_\\d*[02468]$');
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 70_000; i += 7) {
      assert.equal(re.test(`zf_${i}`), i % 2 === 0, `zf_${i}`);
      assert.equal(re.test(`x_${i}`), false);
    }
  }
});

test('a literal pattern (letters, digits, _ - :, anchored or not) answers as RE2 does, name by name', async () => {
  const { RE2JS } = await import('re2js');
  const patterns = ['', '^', '$', '^$', '^zform_', 'zform_', '_1$', '^zform_1$', 'a-b:c', '^-', ':$', '^zrepl_'];
  const names = ['', 'zform_', 'zform_1', 'xzform_1', 'zform_10', 'ZFORM_1', 'a-b:c', 'xa-b:cx', '-x', 'x:', 'zrepl_2026', 'zform_\n1', '\nzform_1', 'zform_1\n'];
  for (const p of patterns) {
    const re = compileRegex(p);
    const engine = RE2JS.compile(p);
    for (const n of names) assert.equal(re.test(n), engine.test(n), `${JSON.stringify(p)} on ${JSON.stringify(n)}`);
  }
});

test('a pattern with any other character is RE2\'s, not a literal: . is any character, (?i) ignores case', () => {
  assert.equal(compileRegex('^zform.1').test('zformX1'), true);
  assert.equal(compileRegex('(?i)zform').test('ZFORM'), true);
  assert.equal(compileRegex('^zform_\\d').test('zform_1'), true);
  assert.throws(() => compileRegex('^zform_('), /invalid regular expression/);
});
