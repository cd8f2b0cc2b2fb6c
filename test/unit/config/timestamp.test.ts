// Snapshot-name timestamps: the four formats, always UTC, and parsing them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp, parseTimestamp } from '../../../src/config/timestamp.js';

const DATE = new Date('2006-01-02T15:04:05.007Z');

test('formatTimestamp: dense, human, iso-8601, unix-seconds', () => {
  assert.equal(formatTimestamp(DATE, 'dense'), '20060102_150405_007');
  assert.equal(formatTimestamp(DATE, 'human'), '2006-01-02_15:04:05');
  assert.equal(formatTimestamp(DATE, 'iso-8601'), '2006-01-02T15:04:05.007Z');
  assert.equal(formatTimestamp(DATE, 'unix-seconds'), '1136214245');
});

test('formatTimestamp: UTC whatever the date\'s offset, never a "+"', () => {
  const d = new Date('2024-03-31T01:30:00+02:00');
  assert.equal(formatTimestamp(d, 'dense'), '20240330_233000_000');
  assert.equal(formatTimestamp(d, 'iso-8601'), '2024-03-30T23:30:00.000Z');
});

test('parseTimestamp: inverts formatTimestamp', () => {
  assert.equal(parseTimestamp('20060102_150405_007', 'dense')?.toISOString(), '2006-01-02T15:04:05.007Z');
  assert.equal(parseTimestamp('2006-01-02_15:04:05', 'human')?.toISOString(), '2006-01-02T15:04:05.000Z');
  assert.equal(parseTimestamp('2006-01-02T15:04:05.007Z', 'iso-8601')?.toISOString(), '2006-01-02T15:04:05.007Z');
  assert.equal(parseTimestamp('1136214245', 'unix-seconds')?.toISOString(), '2006-01-02T15:04:05.000Z');
});

test('parseTimestamp: null for other formats and impossible dates', () => {
  assert.equal(parseTimestamp('2006-01-02_15:04:05', 'dense'), null);
  assert.equal(parseTimestamp('20060230_150405_000', 'dense'), null);
  assert.equal(parseTimestamp('2006-01-02T15:04:05Z', 'iso-8601'), null);
  assert.equal(parseTimestamp('x1136214245', 'unix-seconds'), null);
});
