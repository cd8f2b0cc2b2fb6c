// Parsers of send dry runs, resume tokens, `zfs version` and the usage text, on output captured from OpenZFS 2.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZfsParseError } from '../../../src/zfs/parse.js';
import { computeFeatures, parseResumeToken, parseSendEstimate, parseVersion } from '../../../src/zfs/parse-send.js';
import { readFixture } from './fixtures.js';

test('parseSendEstimate: full, incremental, -I, from a bookmark, raw, resume tokens', () => {
  assert.equal(parseSendEstimate(readFixture('send-nvP-full.stdout')), 113264);
  assert.equal(parseSendEstimate(readFixture('send-nvP-incr.stdout')), 271328);
  assert.equal(parseSendEstimate(readFixture('send-nvP-intermediates.stdout')), 4400792);
  assert.equal(parseSendEstimate(readFixture('send-nvP-bookmark.stdout')), 4393000);
  assert.equal(parseSendEstimate(readFixture('send-nvP-raw.stdout')), 50800);
  assert.equal(parseSendEstimate(readFixture('send-nvP-flags.stdout')), 377312);
  assert.equal(parseSendEstimate(readFixture('send-nvP-token.stdout')), 3117208);
  assert.equal(parseSendEstimate(readFixture('send-nvP-token-incremental.stdout')), 3018544);
});

test('parseSendEstimate without a size line sums the stream lines; nothing at all is an error', () => {
  assert.equal(parseSendEstimate('incremental\ts1\tp/a@s2\t100\nincremental\ts2\tp/a@s3\t23\n'), 123);
  assert.throws(() => parseSendEstimate('total estimated size is 2.97M\n'), ZfsParseError);
});

test('parseResumeToken: a full send', () => {
  assert.deepEqual(parseResumeToken(readFixture('send-nvt.stdout')), {
    toname: 'p1/data@s3', toguid: '13054664140566438079', rawok: false, compressok: false, embedok: false, largeblockok: false,
    bytes: 1381448,
  });
});

test('parseResumeToken: an incremental send has fromguid', () => {
  assert.deepEqual(parseResumeToken(readFixture('send-nvt-incremental.stdout')), {
    toname: 'p1/data@s3', toguid: '13054664140566438079', fromguid: '12435616086986713304',
    rawok: false, compressok: false, embedok: false, largeblockok: false, bytes: 1374456,
  });
});

test('parseResumeToken: flags of compressed/embedded and raw sends', () => {
  const flagged = parseResumeToken(readFixture('send-nvt-flags.stdout'));
  assert.deepEqual([flagged.compressok, flagged.embedok, flagged.rawok, flagged.largeblockok], [true, true, false, false]);
  const raw = parseResumeToken(readFixture('send-nvt-raw.stdout'));
  assert.deepEqual([raw.toname, raw.toguid, raw.rawok, raw.compressok], ['p1/enc/child@s3', '7338260692714799662', true, true]);
  assert.equal(parseResumeToken('resume token contents:\nnvlist version: 0\n\ttoguid = 0x1\n\ttoname = p/a@s\n\tlargeblockok\n').largeblockok, true);
});

test('parseResumeToken: output without the contents header or toguid is an error', () => {
  assert.throws(() => parseResumeToken('full send of p1/data@s3 estimated size is 2.97M\n'), ZfsParseError);
  assert.throws(() => parseResumeToken('resume token contents:\nnvlist version: 0\n\ttoname = p/a@s\n'), ZfsParseError);
});

test('parseVersion and computeFeatures on 2.1', () => {
  assert.equal(parseVersion(readFixture('version.stdout')), 'zfs-2.1.11-1+deb12u1');
  assert.equal(parseVersion("unrecognized command 'version'\n"), null);
  assert.deepEqual(computeFeatures('zfs-2.1.11-1+deb12u1', readFixture('usage-help.stdout')), {
    resumableReceive: true, encryption: true, bookmarks: true, rawSend: true, version: 'zfs-2.1.11-1+deb12u1',
  });
});

test('computeFeatures on an old usage text (ZoL 0.7: no encryption, no raw send)', () => {
  const old = [
    '\tbookmark <snapshot> <bookmark>',
    '\tsend [-DnPpRvLec] [-[i|I] snapshot] <snapshot>',
    '\tsend [-nvPe] -t <receive_resume_token>',
    '\treceive [-vnsFu] <filesystem|volume|snapshot>',
    '\treceive -A <filesystem|volume>',
  ].join('\n');
  assert.deepEqual(computeFeatures(null, old), { resumableReceive: true, encryption: false, bookmarks: true, rawSend: false, version: 'unknown' });
  assert.deepEqual(computeFeatures(null, '\tsend [-DnPpRv] [-[i|I] snapshot] <snapshot>\n'),
    { resumableReceive: false, encryption: false, bookmarks: false, rawSend: false, version: 'unknown' });
});
