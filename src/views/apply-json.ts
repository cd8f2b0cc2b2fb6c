// Apply progress for machines: NDJSON, one event per line, each with a type and a timestamp.
import type { Io } from '../io.js';
import type { ApplyEvent, ApplyResult } from '../apply/events.js';
import { describeAction } from '../plan/describe.js';
import { doneText, problemOutcomes, totalsLine } from './apply-totals.js';

function wire(bytes: number | undefined): { wire_bytes?: number } {
  return bytes === undefined ? {} : { wire_bytes: bytes };
}

export function eventJson(ev: ApplyEvent): Record<string, unknown> {
  const base: Record<string, unknown> = { type: ev.type, '@timestamp': ev.at.toISOString(), job: ev.job, dataset: ev.dataset };
  if (ev.type === 'dataset_skipped') return { ...base, '@message': `${ev.dataset}: skipped: ${ev.reason}`, reason: ev.reason };
  if (ev.type === 'hook_done') {
    const h = ev.hook;
    return {
      ...base, '@message': `${h.phase} hook ${h.path} on ${h.host}: ${ev.end}`,
      hook: { phase: h.phase, host: h.host, path: h.path, datasets: h.datasets }, ok: ev.ok, end: ev.end, elapsed_seconds: ev.elapsedMs / 1000,
    };
  }
  base.action = { id: ev.action.id, kind: ev.action.kind, host: ev.action.host };
  base['@message'] = describeAction(ev.action);
  // bytes: of the stream; wire_bytes (compressed sends only): on the wire
  if (ev.type === 'apply_progress') Object.assign(base, { bytes: ev.bytes, ...wire(ev.wireBytes), estimated_bytes: ev.estimatedBytes, elapsed_seconds: ev.elapsedMs / 1000 });
  if (ev.type === 'apply_complete') Object.assign(base, { bytes: ev.bytes, ...wire(ev.wireBytes), elapsed_seconds: ev.elapsedMs / 1000 });
  if (ev.type === 'apply_errored') Object.assign(base, { error: ev.error, elapsed_seconds: ev.elapsedMs / 1000 });
  return base;
}

export function createJsonApplyView(io: Io) {
  let lastProgress = new Map<string, number>();
  const onEvent = (ev: ApplyEvent) => {
    if (ev.type === 'apply_progress') {
      const prev = lastProgress.get(ev.action.id) ?? 0;
      if (ev.at.getTime() - prev < 1000) return; // at most one progress line per second per step
      if (io.stdout.writableNeedDrain) return; // a reader that is not keeping up misses progress, not the outcome
      lastProgress.set(ev.action.id, ev.at.getTime());
    }
    io.stdout.write(JSON.stringify(eventJson(ev)) + '\n');
  };
  const finish = (r: ApplyResult, at: Date) => {
    lastProgress = new Map();
    const problems = problemOutcomes(r).length + r.snapshotFailures.length;
    io.stdout.write(JSON.stringify({
      type: 'change_summary',
      '@timestamp': at.toISOString(),
      // the human summary's words: what an apply that did not finish (or failed somewhere) did is "done"
      '@message': r.interrupted ? `Apply interrupted: ${doneText(r)}`
        : problems > 0 ? `Apply failed: ${doneText(r)}; ${problems} problem(s)` : `Apply finished: ${totalsLine(r)}`,
      changes: r.totals,
      interrupted: r.interrupted,
      outcomes: r.outcomes.filter((o) => o.status !== 'unchanged'),
      snapshot_failures: r.snapshotFailures,
    }) + '\n');
  };
  return { onEvent, finish };
}
