// computeIncrementalPath: the newest common snapshot by GUID, or a typed conflict with its evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VersionRecord } from '../../../src/zfs/types.js';
import { computeIncrementalPath, incrementalBase, newestCommonSnapshot } from '../../../src/plan/incremental-path.js';

/** `@a:1:10` = snapshot a, guid 1, createtxg 10; `#a:1:10` a bookmark */
function versions(dataset: string, spec: string): VersionRecord[] {
  return spec.split(' ').filter(Boolean).map((w) => {
    const [name, guid, txg] = w.slice(1).split(':');
    return { kind: w[0] === '@' ? 'snapshot' : 'bookmark', dataset, name: name!, guid: guid!, createtxg: Number(txg), creation: 0, userrefs: 0, written: 0, clones: 0 };
  });
}
const names = (vs: VersionRecord[]) => vs.map((v) => `${v.kind === 'snapshot' ? '@' : '#'}${v.name}`).join(' ');

const cases: { name: string; source: string; target: string; want: string }[] = [
  { name: 'target newest on the source: path from it', source: '@a:1:10 @b:2:20 @c:3:30', target: '@a:1:5 @b:2:6', want: 'path common @b base @b' },
  { name: 'matched by GUID, not by name', source: '@a:1:10 @b:2:20', target: '@x:2:6', want: 'path common @x base @b' },
  { name: 'source has only the cursor bookmark: base is the bookmark', source: '#cur:2:20 @c:3:30', target: '@a:1:5 @b:2:6', want: 'path common @b base #cur' },
  { name: 'a snapshot is preferred over a bookmark of the same GUID', source: '#cur:2:20 @b:2:20', target: '@b:2:6', want: 'path common @b base @b' },
  { name: 'target bookmarks are ignored', source: '@a:1:10', target: '@a:1:5 #z:9:7', want: 'path common @a base @a' },
  { name: 'target without snapshots', source: '@a:1:10', target: '#a:1:5', want: 'target_empty' },
  { name: 'no common version, source empty', source: '', target: '@a:1:5', want: 'source_empty newest @a' },
  { name: 'no common version, source bookmarks only', source: '#k:7:3', target: '@a:1:5', want: 'source_empty newest @a' },
  { name: 'no common version', source: '@x:8:10 @y:9:20', target: '@a:1:5', want: 'no_common_snapshot target @a source @y' },
  { name: 'diverged: target has a newer snapshot the source lacks', source: '@a:1:10 @b:2:20 @c:3:30', target: '@a:1:5 @x:7:6 @y:8:7', want: 'diverged common @a base @a targetOnly @x @y sourceOnly @b @c' },
];

function describe(source: string, target: string): string {
  const p = computeIncrementalPath(versions('tank', source), versions('backup/tank', target));
  if (p.kind === 'path') return `path common ${names([p.common])} base ${names([p.base])}`;
  const c = p.conflict;
  switch (c.type) {
    case 'target_empty': return 'target_empty';
    case 'source_empty': return `source_empty newest ${names([c.targetNewest])}`;
    case 'no_common_snapshot': return `no_common_snapshot target ${names([c.targetNewest])} source ${c.sourceNewest ? names([c.sourceNewest]) : '-'}`;
    case 'diverged': return `diverged common ${names([c.common])} base ${names([c.base])} targetOnly ${names(c.targetOnly)} sourceOnly ${names(c.sourceOnly)}`;
  }
}

for (const c of cases) {
  test(`computeIncrementalPath: ${c.name}`, () => assert.equal(describe(c.source, c.target), c.want));
}

test('newestCommonSnapshot and incrementalBase: the common snapshot diverged or not, null without one', () => {
  const diverged = computeIncrementalPath(versions('tank', '@a:1:10 @b:2:20'), versions('backup/tank', '@a:1:5 @x:7:6'));
  assert.equal(newestCommonSnapshot(diverged)?.name, 'a');
  assert.equal(incrementalBase(diverged)?.dataset, 'tank');
  const none = computeIncrementalPath(versions('tank', '@b:2:20'), versions('backup/tank', '@a:1:5'));
  assert.equal(newestCommonSnapshot(none), null);
  assert.equal(incrementalBase(none), null);
});
