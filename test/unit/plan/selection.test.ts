// One dataset selection for plan, stale holds and status: the filter, minus the job's own target tree on one host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSelection, selectDatasets } from '../../../src/plan/selection.js';
import { indexListing } from '../../../src/plan/listing-index.js';
import { job, listing } from '../../support/dsl.js';

const SOURCE = indexListing(listing(`
  tank
  tank/b
  tank/a
  tank/backup
  tank/backup/tank
  other
`));

test('selectDatasets: what the filter matches, in path order, without the job\'s own target tree on the same host', () => {
  const j = job({ filesystems: { 'tank<': true }, target: { host: 'local', rootFs: 'tank/backup' } });
  const r = selectDatasets(j, SOURCE);
  assert.deepEqual(r.selected.map((d) => d.name), ['tank', 'tank/a', 'tank/b']);
  assert.equal(r.ownTarget, 2);
  assert.equal(compileSelection(j).selects('tank/backup/tank'), false);
  assert.equal(compileSelection(j).filter.matches('tank/backup/tank'), true);
});

test('selectDatasets: a target on another host does not exclude a source dataset of the same name', () => {
  const r = selectDatasets(job({ filesystems: { 'tank<': true, 'tank/b': false }, target: { host: 'nas', rootFs: 'tank/backup' } }), SOURCE);
  assert.deepEqual(r.selected.map((d) => d.name), ['tank', 'tank/a', 'tank/backup', 'tank/backup/tank']);
  assert.equal(r.ownTarget, 0);
});
