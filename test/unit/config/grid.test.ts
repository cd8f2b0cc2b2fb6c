// Retention grid specs: zrepl's syntax and rules, with exact messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGridSpanMs, parseGrid } from '../../../src/config/grid.js';
import { ConfigValueError } from '../../../src/config/value-error.js';

const H = 3_600_000;
const D = 24 * H;

function gridError(text: string): string {
  try {
    parseGrid(text);
  } catch (err) {
    assert.ok(err instanceof ConfigValueError);
    return err.shortMessage;
  }
  throw new Error('expected an error');
}

test('parseGrid: intervals with counts, keep counts and keep=all, spaces allowed', () => {
  assert.deepEqual(parseGrid('1x1h(keep=all) | 24x1h | 30x1d'), [
    { count: 1, lengthMs: H, keep: 'all' },
    { count: 24, lengthMs: H, keep: 1 },
    { count: 30, lengthMs: D, keep: 1 },
  ]);
  assert.deepEqual(parseGrid(' 6 x 10m ( keep=3 ) |4x1w'), [
    { count: 6, lengthMs: 600_000, keep: 3 },
    { count: 4, lengthMs: 7 * D, keep: 1 },
  ]);
});

test('parseGrid: shorter intervals are allowed only after keep=all ones', () => {
  assert.deepEqual(parseGrid('1x1d(keep=all) | 24x1h'), [{ count: 1, lengthMs: D, keep: 'all' }, { count: 24, lengthMs: H, keep: 1 }]);
  assert.equal(gridError('1x1h(keep=all) | 1x1d | 24x1h'), 'interval 3 ("24x1h") is shorter than interval 2 ("1x1d"): interval durations must not decrease');
});

test('parseGrid: exact messages for malformed intervals', () => {
  assert.equal(gridError('24h'), 'cannot parse interval 1 of 1 ("24h"): expected "N x DURATION" or "N x DURATION(keep=K)" with K a number or "all"');
  assert.equal(gridError('1x1h | 0x1d'), 'cannot parse interval 2 of 2 ("0x1d"): the count N must be at least 1');
  assert.equal(gridError('1x1h(keep=none)'), 'cannot parse interval 1 of 1 ("1x1h(keep=none)"): keep must be a whole number of at least 1 or "all", not "none"');
  assert.equal(gridError('1x1h(max=3)'), 'cannot parse interval 1 of 1 ("1x1h(max=3)"): unknown parameter "max=3" (only keep=K or keep=all)');
  assert.equal(gridError('1x0h'), 'cannot parse interval 1 of 1 ("1x0h"): the duration must be greater than zero');
  assert.equal(gridError('1x1h |'), 'cannot parse interval 2 of 2 (""): expected "N x DURATION" or "N x DURATION(keep=K)" with K a number or "all"');
});

test('computeGridSpanMs: the time a grid covers', () => {
  assert.equal(computeGridSpanMs(parseGrid('1x1h(keep=all) | 24x1h | 30x1d')), 25 * H + 30 * D);
});

test('parseGrid: a grid of more buckets than a plan can hold is refused, not planned until memory runs out', () => {
  assert.equal(gridError('1000000000x1s'), 'cannot parse interval 1 of 1 ("1000000000x1s"): the count N must be at most 100000 (every bucket is kept in memory)');
  assert.equal(gridError('9007199254740993x1w'), 'cannot parse interval 1 of 1 ("9007199254740993x1w"): the count N must be at most 100000 (every bucket is kept in memory)');
  assert.equal(gridError('1x1h(keep=all) | 60000x1h | 60000x1d'), 'it has 120001 buckets in all, more than 100000 (every bucket is kept in memory)');
  assert.equal(parseGrid('1x1h(keep=all) | 87600x1h').length, 2);
});
