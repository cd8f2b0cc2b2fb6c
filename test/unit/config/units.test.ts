// Durations and sizes: strict parsing with exact messages, and formatting for people.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, parseDuration, parseSize } from '../../../src/config/units.js';
import { ConfigValueError } from '../../../src/config/value-error.js';

const DURATION_HINT = 'must be a duration like "15m", "1h" or "7d" (a whole number followed by s, m, h, d or w)';
const SIZE_HINT = 'must be a size like "50 MiB" or "128 KiB" (a number followed by B, KiB, MiB, GiB, TiB, kB, KB, MB, GB or TB)';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigValueError, `not a ConfigValueError: ${String(err)}`);
    return err.shortMessage;
  }
  throw new Error('expected an error');
}

test('parseDuration: every unit', () => {
  assert.equal(parseDuration('45s'), 45_000);
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('2w'), 1_209_600_000);
  assert.equal(parseDuration('010m'), 600_000);
});

test('parseDuration: rejects everything else, naming the accepted forms', () => {
  for (const bad of ['1h30m', '1.5h', '1 h', ' 1h', '1H', '15', 'm', '', '500ms', '+1h', '1y']) {
    assert.equal(errorOf(() => parseDuration(bad)), `${DURATION_HINT}, not "${bad}"`, bad);
  }
  assert.equal(errorOf(() => parseDuration(3600)), DURATION_HINT);
  assert.equal(errorOf(() => parseDuration(null)), DURATION_HINT);
});

test('parseDuration: zero and negative are "greater than zero" errors', () => {
  assert.equal(errorOf(() => parseDuration('0s')), 'must be greater than zero');
  assert.equal(errorOf(() => parseDuration('-5m')), 'must be greater than zero');
  assert.equal(errorOf(() => parseDuration('99999999999999w')), '"99999999999999w" is too large');
});

test('parseSize: binary and decimal units, optional space, fractions rounded to bytes', () => {
  assert.equal(parseSize('512 B'), 512);
  assert.equal(parseSize('128 KiB'), 131_072);
  assert.equal(parseSize('50 MiB'), 52_428_800);
  assert.equal(parseSize('1.5GiB'), 1_610_612_736);
  assert.equal(parseSize('2 TiB'), 2_199_023_255_552);
  assert.equal(parseSize('1 kB'), 1000);
  assert.equal(parseSize('1 KB'), 1000);
  assert.equal(parseSize('50MB'), 50_000_000);
  assert.equal(parseSize('3 GB'), 3_000_000_000);
  assert.equal(parseSize('1 TB'), 1_000_000_000_000);
  assert.equal(parseSize('0.5 KiB'), 512);
});

test('parseSize: rejects everything else, naming the accepted forms', () => {
  for (const bad of ['50 mb', '50 MIB', '50  MiB', '50', 'MiB', '1,5 MiB', '.5 MiB', '1e3 B', '50 M', '']) {
    assert.equal(errorOf(() => parseSize(bad)), `${SIZE_HINT}, not "${bad}"`, bad);
  }
  assert.equal(errorOf(() => parseSize(1024)), SIZE_HINT);
});

test('parseSize: zero, negative and sub-byte sizes are "greater than zero" errors', () => {
  assert.equal(errorOf(() => parseSize('0 B')), 'must be greater than zero');
  assert.equal(errorOf(() => parseSize('0 KiB')), 'must be greater than zero');
  assert.equal(errorOf(() => parseSize('-1 B')), 'must be greater than zero');
  assert.equal(errorOf(() => parseSize('0.4 B')), 'must be greater than zero');
});

test('formatBytes: bytes, then binary units with one decimal', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.0 KiB');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(13_314_398_618), '12.4 GiB');
  assert.equal(formatBytes(1024 * 1024 - 1), '1.0 MiB');
  assert.equal(formatBytes(5 * 1024 ** 4), '5.0 TiB');
  assert.equal(formatBytes(-2048), '-2.0 KiB');
});

test('formatDuration: the config\'s notation, largest units first', () => {
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(129_600_000), '1d12h');
  assert.equal(formatDuration(1_209_600_000), '2w');
  assert.equal(formatDuration(250), '250ms');
});
