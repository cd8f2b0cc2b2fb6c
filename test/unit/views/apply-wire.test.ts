// Apply's views of a compressed send: the bytes of the stream and, apart, the bytes on the wire (human and JSON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventJson } from '../../../src/views/apply-json.js';
import { progressText } from '../../../src/views/apply-human.js';
import type { ApplyEvent } from '../../../src/apply/events.js';
import type { Action } from '../../../src/plan/types.js';

const ref = (name: string) => ({ dataset: 'tank/a', kind: 'snapshot' as const, name, guid: '1', createtxg: 1 });
const SEND: Action = {
  id: 'j:1', host: 'local', side: 'source', kind: 'send', mode: 'full', targetHost: 'nas', sourceDataset: 'tank/a', targetDataset: 'backup/tank/a',
  from: null, to: ref('s1'), intermediates: false, includes: [ref('s1')], token: null,
  flags: { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false },
  receive: { resumable: true, force: false, override: {}, inherit: [] }, protection: 'guarantee_resumability', estimatedBytes: 100 * 1024 * 1024,
  reason: 'r', compression: 'zstd:3',
};
const at = new Date('2026-12-02T20:00:00Z');
const MiB = 1024 * 1024;

test('progress of a compressed send: the stream against its estimate, then the bytes on the wire', () => {
  const ev: Extract<ApplyEvent, { type: 'apply_progress' }> = {
    type: 'apply_progress', at, job: 'j', dataset: 'backup/tank/a', action: SEND, bytes: 50 * MiB, wireBytes: 10 * MiB, estimatedBytes: 100 * MiB, elapsedMs: 5000,
  };
  assert.equal(progressText(ev), '50.0 MiB of ~100.0 MiB (50%), ETA 5s, 10.0 MiB/s, 10.0 MiB on the wire');
  assert.equal(progressText({ ...ev, wireBytes: undefined }), '50.0 MiB of ~100.0 MiB (50%), ETA 5s, 10.0 MiB/s');
  assert.deepEqual(eventJson(ev), {
    type: 'apply_progress', '@timestamp': at.toISOString(), job: 'j', dataset: 'backup/tank/a',
    action: { id: 'j:1', kind: 'send', host: 'local' }, '@message': 'send tank/a full @s1 to nas:backup/tank/a',
    bytes: 50 * MiB, wire_bytes: 10 * MiB, estimated_bytes: 100 * MiB, elapsed_seconds: 5,
  });
  const done = eventJson({ type: 'apply_complete', at, job: 'j', dataset: 'backup/tank/a', action: SEND, bytes: 100 * MiB, wireBytes: 20 * MiB, elapsedMs: 10_000 });
  assert.equal(done.wire_bytes, 20 * MiB);
  assert.equal('wire_bytes' in eventJson({ type: 'apply_complete', at, job: 'j', dataset: 'backup/tank/a', action: SEND, bytes: 1, elapsedMs: 1 }), false);
});
