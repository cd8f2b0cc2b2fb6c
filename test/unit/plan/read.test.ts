// readInventories against FakeZfsHost: one listing per host and set of roots, resume tokens decoded once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInventories } from '../../../src/plan/read.js';
import { FakeZfsHost } from '../../../src/zfs/fake.js';
import type { ResumeTokenInfo, ZfsHost } from '../../../src/zfs/types.js';
import { config, job, token } from './dsl.js';

const lists = (h: FakeZfsHost) => h.commandLog.filter((a) => a[1] === 'list').map((a) => a.slice(a.indexOf('-o') + 2).join(' '));

function hosts() {
  const local = new FakeZfsHost('local').apply('pool tank', 'create tank/a', 'create tank/b', 'snapshot tank/a@s1 tank/b@s1', 'pool other', 'create other/x');
  const nas = new FakeZfsHost('nas').apply('pool backup', 'create backup/one', 'create backup/one/tank', 'snapshot backup/one/tank@s1');
  return { local, nas };
}

/** The fake with resume tokens set on some datasets; counts decodes per host. */
function withTokens(host: FakeZfsHost, tokens: Record<string, string>, decoded: Record<string, ResumeTokenInfo>, decodes: string[]): ZfsHost {
  return new Proxy(host, {
    get(t, p) {
      if (p === 'list') {
        return async (roots: string[]) => {
          const l = await t.list(roots);
          return { ...l, datasets: l.datasets.map((d) => (tokens[d.name] ? { ...d, resumeToken: tokens[d.name]! } : d)) };
        };
      }
      if (p === 'decodeResumeToken') {
        return async (tok: string) => {
          decodes.push(`${t.name}:${tok}`);
          return decoded[tok] ?? t.decodeResumeToken(tok);
        };
      }
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

test('one source listing with the filter roots and one target listing of root_fs per job; shared combinations listed once', async () => {
  const { local, nas } = hosts();
  const jobs = [
    job({ name: 'one', filesystems: { 'tank<': true, 'tank/b': false, 'other/x': true }, target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'two', filesystems: { 'other/x': true, 'tank<': true }, target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'three', filesystems: { 'tank/a': true }, target: { host: 'nas', rootFs: 'backup/missing' } }),
    job({ name: 'snaponly', filesystems: { '<': true }, target: null }),
  ];
  const hostFor = (n: string) => ({ local, nas })[n as 'local' | 'nas'];
  const r = await readInventories(config(jobs), ['one', 'two', 'three', 'snaponly'], hostFor);
  assert.deepEqual(lists(local), ['other/x tank', 'tank/a', '']);
  assert.deepEqual(lists(nas), ['backup/one', 'backup/missing']);
  // per distinct host+roots: one `zfs list`, plus the host's `zfs get zform:placeholder` when something was listed
  assert.equal(local.commands + nas.commands, 5 + 4);
  assert.deepEqual(r.inventories.one!.source.datasets.map((d) => d.name), ['other/x', 'tank', 'tank/a', 'tank/b']);
  assert.equal(r.inventories.two!.source, r.inventories.one!.source, 'the same listing, listed once');
  assert.deepEqual(r.inventories.one!.target!.datasets.map((d) => d.name), ['backup/one', 'backup/one/tank']);
  assert.deepEqual(r.inventories.three!.target, { datasets: [], versions: [], holds: [] }, 'a missing root_fs lists as empty');
  assert.equal(r.inventories.snaponly!.target, null);
  assert.deepEqual(r.inventories.snaponly!.source.datasets.map((d) => d.name), ['other', 'other/x', 'tank', 'tank/a', 'tank/b'], 'the "<" filter lists every pool');
  assert.deepEqual(r.resumeTokens, {});
});

test('every distinct resume token on a target is decoded once, on the source host; a failure is recorded, not thrown', async () => {
  const { local, nas } = hosts();
  nas.apply('create backup/one/tank/a', 'create backup/two');
  const decodes: string[] = [];
  const info = token({ toname: 'tank/a@s2', toguid: '123', fromguid: '45' });
  const src = withTokens(local, {}, { GOOD: info }, decodes);
  const tgt = withTokens(nas, { 'backup/one/tank': 'GOOD', 'backup/one/tank/a': 'BAD', 'backup/two': 'GOOD' }, {}, decodes);
  const jobs = [
    job({ name: 'one', target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'two', target: { host: 'nas', rootFs: 'backup/two' } }),
  ];
  const r = await readInventories(config(jobs), ['one', 'two'], (n) => (n === 'local' ? src : tgt));
  assert.deepEqual(decodes.sort(), ['local:BAD', 'local:GOOD']);
  assert.deepEqual(r.resumeTokens.GOOD, info);
  assert.ok('error' in r.resumeTokens.BAD!);
  assert.match((r.resumeTokens.BAD as { error: string }).error, /\S/);
  assert.equal(r.inventories.one!.target!.datasets.find((d) => d.name === 'backup/one/tank')!.resumeToken, 'GOOD');
});

test('a listing failure is thrown (after every listing has settled)', async () => {
  const { local, nas } = hosts();
  nas.failNext('list', "cannot open 'backup': pool I/O is currently suspended");
  await assert.rejects(
    readInventories(config([job({ target: { host: 'nas', rootFs: 'backup/one' } })]), ['j'], (n) => (n === 'local' ? local : nas)),
    /pool I\/O is currently suspended/,
  );
});

test('only the selected jobs are listed', async () => {
  const { local, nas } = hosts();
  const jobs = [job({ name: 'a', filesystems: { 'tank/a': true } }), job({ name: 'b', filesystems: { 'tank/b': true } })];
  const r = await readInventories(config(jobs), ['b'], (n) => (n === 'local' ? local : nas));
  assert.deepEqual(Object.keys(r.inventories), ['b']);
  assert.deepEqual(lists(local), ['tank/b', 'backup'], "job b's source, then its target (root_fs backup on local)");
});
