// The parsers zform depends on, over the output captured from every OpenZFS version (test/fixtures/zfs/<ver>/, made by
// capture.sh in the guest of that version): send -n -v -P estimates, resume tokens (send -nvt), holds, the errors of
// every zfs command, the version and the usage text. Exact values of 2.1 are in parse-send.test.ts, parse.test.ts and
// errors.test.ts; here what each version's capture must give, checked against the same capture's zfs list output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeErrorLines, computeZfsErrorCode, parseItemFailures } from '../../../src/zfs/errors.js';
import { parseHolds, parseNameValues } from '../../../src/zfs/parse.js';
import { computeFeatures, parseResumeToken, parseSendEstimate, parseVersion } from '../../../src/zfs/parse-send.js';
import { CAPTURED_VERSIONS, listFixtures, readFixture } from './fixtures.js';

test('capture.sh ran on OpenZFS 2.1 at least', () => {
  assert.ok(CAPTURED_VERSIONS.includes('2.1'), CAPTURED_VERSIONS.join(' '));
});

/** name → guid from a capture of `zfs list -H -p -o name,type,guid,...` */
function guids(ver: string, file: string): Map<string, string> {
  return new Map(readFixture(file, ver).trim().split('\n').map((l) => { const f = l.split('\t'); return [f[0]!, f[2]!] as [string, string]; }));
}

for (const ver of CAPTURED_VERSIONS) {
  test(`${ver}: send -n -v -P estimates: the size line where zfs prints one, else the sum of the stream lines`, () => {
    for (const name of ['full', 'incr', 'incr-short', 'intermediates', 'bookmark', 'raw', 'flags', 'token', 'token-incremental']) {
      const out = readFixture(`send-nvP-${name}.stdout`, ver);
      const streams = out.split('\n').map((l) => l.split('\t')).filter((f) => f[0] === 'full' || f[0] === 'incremental');
      assert.ok(streams.length > 0, `${ver} send-nvP-${name}: stream lines on stdout`);
      const sum = streams.reduce((s, f) => s + Number(f.at(-1)), 0);
      const size = /^size\t(\d+)$/m.exec(out);
      assert.equal(parseSendEstimate(out), size ? Number(size[1]) : sum, `${ver} send-nvP-${name}`);
      assert.ok(parseSendEstimate(out) > 0);
    }
    // -I s1 s3 covers -i s1 s2 and more
    assert.ok(parseSendEstimate(readFixture('send-nvP-intermediates.stdout', ver)) > parseSendEstimate(readFixture('send-nvP-incr.stdout', ver)));
  });

  test(`${ver}: resume tokens (send -nvt) name the snapshot and GUIDs zfs list shows, and the stream's flags`, () => {
    const inc = guids(ver, 'list-inc.stdout');
    const p1 = guids(ver, 'list-p1.stdout');
    const full = parseResumeToken(readFixture('send-nvt.stdout', ver));
    assert.deepEqual([full.toname, full.toguid, full.fromguid], ['p1/data@s3', p1.get('p1/data@s3'), undefined]);
    assert.ok(full.bytes !== undefined && full.bytes > 0);
    const incremental = parseResumeToken(readFixture('send-nvt-incremental.stdout', ver));
    assert.deepEqual([incremental.toname, incremental.toguid, incremental.fromguid], ['p1/data@s3', p1.get('p1/data@s3'), inc.get('p1/inc@s1')]);
    assert.equal(inc.get('p1/inc@s1'), p1.get('p1/data@s1'));
    const flagged = parseResumeToken(readFixture('send-nvt-flags.stdout', ver));
    assert.deepEqual([flagged.compressok, flagged.embedok, flagged.rawok], [true, true, false]);
    const raw = parseResumeToken(readFixture('send-nvt-raw.stdout', ver));
    assert.deepEqual([raw.toname, raw.rawok], ['p1/enc/child@s3', true]);
  });

  test(`${ver}: holds -H (zform's command; the time left out); holds -p: 2.1 refuses it, later versions print seconds`, () => {
    const expected = [['p1/a@s1', 'keep'], ['p1/a@s1', 'zform_STEP_J_job1'], ['p1/data@s2', 'zform_STEP_J_job1']];
    const plain = parseHolds(readFixture('holds.stdout', ver));
    assert.deepEqual(plain.map((h) => [h.snapshot, h.tag]).sort(), expected);
    assert.ok(plain.every((h) => h.created === undefined));
    if (ver === '2.1') {
      assert.match(readFixture('holds-p.stderr', ver), /^invalid option 'p'$/m);
      assert.equal(readFixture('holds-p.stdout', ver), '');
      return;
    }
    const p = parseHolds(readFixture('holds-p.stdout', ver));
    assert.deepEqual(p.map((h) => [h.snapshot, h.tag]).sort(), expected);
    assert.ok(p.every((h) => typeof h.created === 'number' && h.created > 1_600_000_000), JSON.stringify(p));
    assert.deepEqual([...parseNameValues(readFixture('get-guid.stdout', ver))].map(([n]) => n), ['p1/a@s1', 'p1/a#b1', 'p1/data@s2']);
  });

  test(`${ver}: every captured error maps to the code its file is named after; batched failures name their items`, () => {
    const files = listFixtures('stderr', ver).filter((f) => f.endsWith('.txt'));
    assert.ok(files.length >= 50, `${ver}: only ${files.length} captures`);
    for (const f of files) assert.equal(computeZfsErrorCode(readFixture(`stderr/${f}`, ver)), f.split('.')[0], `${ver} ${f}`);
    assert.deepEqual(parseItemFailures(readFixture('stderr/dataset_busy.batch.txt', ver)).map((x) => [x.name, x.code]), [['p1/e@e2', 'dataset_busy']]);
    assert.deepEqual(parseItemFailures(readFixture('stderr/no_such_tag.partial.txt', ver)).map((x) => [x.name, x.code]), [['p1/a/b@s2', 'no_such_tag']]);
    assert.deepEqual(parseItemFailures(readFixture('list-missing-root.stderr', ver)).map((x) => [x.name, x.code]), [['p1/missing', 'dataset_does_not_exist']]);
    assert.equal(computeErrorLines(readFixture('stderr/dataset_busy.txt', ver)).length, 1);
    for (const f of ['recv-truncated-resumable.stderr', 'recv-truncated-incremental.stderr', 'recv-truncated-raw.stderr']) {
      assert.equal(computeZfsErrorCode(readFixture(f, ver)), 'stream_read_failure', `${ver} ${f}`);
    }
  });

  test(`${ver}: zfs version and the usage text: resumable receive, encryption, bookmarks and raw send`, () => {
    const v = parseVersion(readFixture('version.stdout', ver));
    assert.ok(v?.startsWith(`zfs-${ver}.`), String(v));
    assert.deepEqual(computeFeatures(v, readFixture('usage-help.stdout', ver)), { resumableReceive: true, encryption: true, bookmarks: true, rawSend: true, version: v });
  });
}
