// Invalid configurations: every issue, with its exact line:column, key path and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issuesOf } from '../../support/config.js';
import { INVALID_CASES as CASES } from './invalid-cases.js';

test('at least 30 invalid cases are tabled', () => {
  assert.ok(CASES.length >= 30, `only ${CASES.length} cases`);
});

for (const c of CASES) {
  test(`invalid: ${c.name}`, () => {
    assert.deepEqual(issuesOf(c.yaml), c.issues);
  });
}
